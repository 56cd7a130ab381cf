"""Animations of :mod:`ranvier.plot`: a GIF writer that keeps every colour, and an
animation that a notebook shows.

matplotlib's ``PillowWriter`` hands Pillow one RGB frame after another, and
Pillow reduces each frame to its own 256-colour palette: a run's colour drifts
from frame to frame (in the optimiser movie gd's red became grey, then the
orange of another run).  :class:`PaletteGifWriter` reduces every frame to one
palette made for the whole movie, holding the given key colours exactly (the
run colours), so a pixel of a run's colour has the same value in every frame.

:class:`PathsAnimation` is a :class:`~matplotlib.animation.FuncAnimation` whose
``_repr_html_`` is its ``to_jshtml()`` (matplotlib's own returns nothing unless
``rcParams["animation.html"]`` is set), so a notebook shows it as a player.

This module imports matplotlib and Pillow: only :mod:`ranvier.plot.animation` imports it, when it draws.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
from matplotlib import animation
from matplotlib.colors import to_rgb
from PIL import Image

__all__ = ["PaletteGifWriter", "PathsAnimation", "global_palette"]


def global_palette(frames: Sequence[Image.Image], key_colors: Sequence[str]) -> Image.Image:
    """One 256-colour palette for all ``frames``: the ``key_colors`` exactly, then the
    colours of a median-cut reduction of the first, middle and last frames together."""
    keys = [tuple(round(255 * v) for v in to_rgb(c)) for c in dict.fromkeys(key_colors)]
    sample = [frames[0], frames[len(frames) // 2], frames[-1]]
    w, h = sample[0].size
    sheet = Image.new("RGB", (w, h * len(sample)))
    for i, f in enumerate(sample):
        sheet.paste(f, (0, i * h))
    reduced = sheet.quantize(colors=256 - len(keys), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    rest = np.array(reduced.getpalette()[: 3 * (256 - len(keys))], dtype=np.uint8).reshape(-1, 3)
    table = np.zeros((256, 3), dtype=np.uint8)
    table[: len(keys)] = keys
    table[len(keys): len(keys) + len(rest)] = rest
    table[len(keys) + len(rest):] = keys[0] if keys else 0  # unused entries repeat a key colour
    palette = Image.new("P", (1, 1))
    palette.putpalette(table.ravel().tolist())
    return palette


def _reduce(frame: Image.Image, palette: Image.Image, n_keys: int) -> Image.Image:
    """``frame`` in the colours of ``palette``: the nearest colour for most pixels (Pillow's
    lookup, which rounds), and exactly the key colour (the first ``n_keys`` entries) for a
    pixel of that colour."""
    index = np.array(frame.quantize(palette=palette, dither=Image.Dither.NONE))
    rgb = np.asarray(frame)
    table = np.array(palette.getpalette()[: 3 * n_keys], dtype=np.uint8).reshape(-1, 3)
    for j, key in enumerate(table):
        index[(rgb == key).all(axis=2)] = j
    out = Image.fromarray(index, mode="P")
    out.putpalette(palette.getpalette())
    return out


class PaletteGifWriter(animation.AbstractMovieWriter):
    """Write a GIF whose frames share one palette holding ``key_colors`` exactly.

    Frames are reduced without dithering, each pixel to the nearest palette
    colour, so a run drawn in a key colour keeps that exact colour in every frame.
    """

    def __init__(self, fps: float, key_colors: Sequence[str] = ()) -> None:
        super().__init__(fps=fps)
        self.key_colors = list(key_colors)

    @classmethod
    def isAvailable(cls) -> bool:  # matplotlib's writer protocol
        return True

    def setup(self, fig, outfile, dpi=None) -> None:
        super().setup(fig, outfile, dpi=dpi)
        self._frames: list[Image.Image] = []

    def grab_frame(self, **savefig_kwargs) -> None:
        buffer = io.BytesIO()
        self.fig.savefig(buffer, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
        rgba = Image.frombuffer("RGBA", self.frame_size, buffer.getbuffer(), "raw", "RGBA", 0, 1)
        self._frames.append(rgba.convert("RGB"))

    def finish(self) -> None:
        palette = global_palette(self._frames, self.key_colors)
        frames = [_reduce(f, palette, len(dict.fromkeys(self.key_colors))) for f in self._frames]
        frames[0].save(self.outfile, save_all=True, append_images=frames[1:], duration=round(1000 / self.fps),
                       loop=0)


class PathsAnimation(animation.FuncAnimation):
    """A :class:`~matplotlib.animation.FuncAnimation` that a notebook shows as an
    HTML/JavaScript player (``to_jshtml``), or as a video where
    ``rcParams["animation.html"] == "html5"``."""

    def _repr_html_(self) -> str:
        if mpl.rcParams["animation.html"] == "html5":
            return self.to_html5_video()
        return self.to_jshtml()
