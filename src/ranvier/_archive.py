"""Archives of arrays plus JSON metadata, and files written atomically.

The small layer below model files (:mod:`ranvier.io`) and checkpoints
(:mod:`ranvier.train.checkpoint`), which both read and write ``.npz`` archives
of plain arrays with a ``metadata`` entry of UTF-8 JSON:

* :func:`read_archive` and :func:`read_archive_metadata` read one without
  unpickling and without allocating anything before its headers, metadata and
  sizes are checked;
* :func:`atomic_savez` and :func:`atomic_write_text` write beside the
  destination and rename into place, so a crash leaves the old file or the
  new one, never half of one;
* :func:`json_safe` turns NumPy numbers into JSON ones (non-finite floats
  into ``null``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Callable

import numpy as np

from ._arrayfile import ArrayFileError, NpyHeader, NpzReader, check_fits

__all__ = ["ModelFileError", "atomic_savez", "atomic_write_bytes", "atomic_write_text", "json_safe", "read_archive",
           "read_archive_metadata"]

_META = "metadata"


class ModelFileError(ValueError):
    """A model file is missing, damaged, foreign or of an unsupported version."""


# its public home is ranvier.io (which re-exports it): tracebacks, pickles and the documentation
# name it there, as NumPy's set_module does for its own names
ModelFileError.__module__ = "ranvier.io"


_MAX_METADATA = 256 * 2**20  # bytes of JSON metadata (a long run's history in a checkpoint: a few MB)


def _read_metadata(npz: NpzReader, path: str, what: str, format_name: str, format_version: int) -> dict:
    """The JSON metadata of an opened archive, its format name and version checked."""
    header = npz.headers.get(_META)
    if header is None:
        raise ModelFileError(f"{path}: not a ranvier {what} (no metadata entry)")
    if header.dtype != np.uint8 or len(header.shape) != 1 or header.nbytes > _MAX_METADATA:
        raise ModelFileError(f"{path}: the metadata entry must be at most {_MAX_METADATA} bytes of uint8, "
                             f"got {header.dtype} of shape {header.shape}")
    try:
        metadata = json.loads(npz.read(_META).tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ModelFileError(f"{path}: the metadata is not valid JSON ({type(exc).__name__}: {exc})") from None
    if not isinstance(metadata, dict):
        raise ModelFileError(f"{path}: the metadata is not a JSON object")
    if metadata.get("format") != format_name:
        raise ModelFileError(f"{path}: not a ranvier {what} (format is {str(metadata.get('format'))[:80]!r})")
    version = metadata.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= format_version:
        raise ModelFileError(
            f"{path}: {what} format version {str(version)[:20]} is not supported by this ranvier "
            f"(it reads version {format_version}); upgrade ranvier"
        )
    return metadata


def _open_npz(path: str, what: str) -> NpzReader:
    # a readable error for files that are not zip archives at all
    with open(path, "rb") as f:
        if f.read(4) not in (b"PK\x03\x04", b"PK\x05\x06"):  # an .npz is a zip archive
            raise ModelFileError(f"{path}: not a ranvier {what} (not an .npz archive)")
    return NpzReader(path)


def read_archive(path: str, what: str, format_name: str, format_version: int,
                 check: Callable[[dict, dict[str, NpyHeader]], None] | None = None,
                 ) -> tuple[dict[str, np.ndarray], dict]:
    """Read an ``.npz`` of arrays plus JSON ``metadata`` (a model file or a checkpoint).

    Never unpickles, and allocates nothing before it is checked: the headers
    of all arrays are read first (plain real dtypes only, sizes within the
    members), the metadata is parsed and its format name and version checked,
    then ``check(metadata, headers)`` (which raises :class:`ModelFileError`
    for arrays the metadata does not imply), then the total size is compared
    with the memory available; only then are the arrays read, each with a
    bound.  ``what`` names the kind of file in the messages.

    Raises
    ------
    ModelFileError
        For anything that is not such a file: damaged, truncated, foreign,
        newer, of refused dtypes or sizes.
    """
    try:
        with _open_npz(path, what) as npz:
            metadata = _read_metadata(npz, path, what, format_name, format_version)
            if check is not None:
                check(metadata, npz.headers)
            names = [n for n in npz.headers if n != _META]
            check_fits(sum(npz.headers[n].nbytes for n in names), f"the arrays of this {what}")
            arrays = {name: npz.read(name) for name in names}
    except ArrayFileError as exc:
        raise ModelFileError(f"{path}: not a readable ranvier {what} (damaged or truncated?): {exc}") from None
    return arrays, metadata


def read_archive_metadata(path: str, what: str, format_name: str, format_version: int) -> dict:
    """The checked JSON metadata of an archive, without reading any other array."""
    try:
        with _open_npz(path, what) as npz:
            return _read_metadata(npz, path, what, format_name, format_version)
    except ArrayFileError as exc:
        raise ModelFileError(f"{path}: not a readable ranvier {what} (damaged or truncated?): {exc}") from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_atomically(path: str | os.PathLike, suffix: str, write: Callable) -> None:
    """Call ``write(f)`` on a new file beside ``path``, sync it, then rename it onto ``path``."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"the folder {folder!r} for {path!r} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def atomic_savez(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Write ``arrays`` as an ``.npz`` archive at ``path``: the old file or the new one, never half of one."""
    _replace_atomically(path, ".npz", lambda f: np.savez(f, **arrays))


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` the same way (an exported ONNX graph or PyTorch state_dict)."""
    _replace_atomically(path, os.path.splitext(os.fspath(path))[1], lambda f: f.write(data))


def json_safe(value):
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
