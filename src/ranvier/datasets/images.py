"""Image files to arrays: sizes checked before decoding, resizing and colour made explicit.

Pillow decodes the files.  Its decompression-bomb guard stays on: an image of
more pixels than :data:`MAX_PIXELS` is refused before it is decoded, with a
:class:`~ranvier.datasets.DataFormatError` that names the file.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .base import DataFormatError

__all__ = ["MAX_PIXELS", "check_color", "check_size", "probe", "read_image", "read_images"]

#: The most pixels one image may have (Pillow's own decompression-bomb limit).
MAX_PIXELS = 89_478_485
_COLORS = {"rgb": "RGB", "grey": "L", "gray": "L"}


def check_size(size) -> tuple[int, int]:
    """``(height, width)`` as two positive ints, or a ValueError that says what is wrong."""
    try:
        h, w = (int(v) for v in size)
    except (TypeError, ValueError):
        raise ValueError(f"image_size must be (height, width), two positive integers; got {size!r}") from None
    if h < 1 or w < 1 or h * w > MAX_PIXELS:
        raise ValueError(f"image_size must be two positive integers of at most {MAX_PIXELS} pixels; got {size!r}")
    return h, w


def check_color(color: str) -> str:
    """``"rgb"`` or ``"grey"`` (``"gray"`` accepted), or a ValueError."""
    key = str(color).lower()
    if key not in _COLORS:
        raise ValueError(f"color must be 'rgb' or 'grey', got {color!r}")
    return "grey" if key == "gray" else key


def _open(path: Path):
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DataFormatError(f"{path} claims more than {MAX_PIXELS} pixels; refusing to decode it") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataFormatError(f"{path} is not an image file Pillow can read ({exc})") from None
    w, h = img.size
    if w * h > MAX_PIXELS:
        img.close()
        raise DataFormatError(f"{path} claims {w}x{h} = {w * h} pixels, more than {MAX_PIXELS}; refusing to decode it")
    return img


def probe(files: Sequence[Path]) -> tuple[list[tuple[int, int]], bool]:
    """The ``(height, width)`` of each file (from its header) and whether any has colour."""
    sizes, colourful = [], False
    for path in files:
        img = _open(path)
        with img:
            sizes.append((img.size[1], img.size[0]))
            colourful = colourful or img.mode not in ("1", "L", "LA", "I", "I;16", "F")
    return sizes, colourful


def read_image(path: Path, size: tuple[int, int], color: str) -> np.ndarray:
    """One image as uint8 ``(height, width, 3)`` (rgb) or ``(height, width)`` (grey), resized to ``size``."""
    from PIL import Image

    img = _open(Path(path))
    try:
        with img:
            img = img.convert(_COLORS[color])
            if (img.size[1], img.size[0]) != tuple(size):
                img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(img, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise DataFormatError(f"{path} is a damaged image file ({exc})") from None


def read_images(files: Sequence[Path], size: tuple[int, int], color: str) -> np.ndarray:
    """The images of ``files`` in one uint8 array, each resized to ``size`` and converted to ``color``."""
    shape = (len(files), *size, 3) if color == "rgb" else (len(files), *size)
    out = np.empty(shape, dtype=np.uint8)
    for k, path in enumerate(files):
        out[k] = read_image(path, size, color)
    return out
