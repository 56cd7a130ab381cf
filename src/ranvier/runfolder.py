"""Output folders of runs: one run per folder, a lock while it runs, no file silently replaced.

:func:`claim` takes a folder for a run (``ranvier train``, ``lr-find``, a
sweep): it makes the folder, takes its lock file ``.ranvier.lock`` (an
``fcntl.flock`` that the system drops when the process ends, so a killed run
leaves no stale lock; the file holds the owner's pid for the message), refuses
a folder that holds another run's files unless ``overwrite`` is given, and
removes the temporary files a killed write left behind (ranvier's own
patterns only).  :func:`unique_folder` makes a fresh folder atomically, with a
suffix when the name is taken, so runs started in the same second never share
one.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from pathlib import Path
from typing import Iterable

__all__ = ["LOCK_NAME", "RUN_FILES", "FolderInUseError", "RunFolder", "claim", "claim_run", "run_identity",
           "unique_folder"]

LOCK_NAME = ".ranvier.lock"
RUN_FILES = ("model.npz", "history.json", "summary.json", "curves.png", "checkpoint.npz")
"""The files of a ``ranvier train`` run (what ``--overwrite`` removes)."""

# ranvier's own temporary files: tempfile.mkstemp(prefix=".tmp-", suffix=".npz") of
# _archive.atomic_savez, and "NAME.tmp-PID" of _archive.atomic_write_text
_TMP_NPZ = re.compile(r"\.tmp-[a-z0-9_]{8}\.npz")
_TMP_TEXT = re.compile(r"(history\.json|summary\.json|trials\.json|trials\.csv|lr_find\.json)\.tmp-[0-9]{1,10}")


class FolderInUseError(ValueError):
    """The output folder is in use by a live run (its lock is held)."""


class RunFolder:
    """A claimed output folder; :meth:`release` (or ``with``) unlocks it.

    Attributes
    ----------
    path : Path
    created : bool
        True when :func:`claim` made the folder (a failed run then removes it
        again if it is left empty).
    previous : list of str
        The files of an earlier run that ``overwrite`` will remove (see
        :meth:`clear_previous`).
    """

    def __init__(self, path: Path, fd: int | None, created: bool, previous: list[str]) -> None:
        self.path, self._fd, self.created, self.previous = path, fd, created, previous

    def clear_previous(self) -> None:
        """Remove the earlier run's files (called once the new run is sure to start)."""
        for name in self.previous:
            try:
                os.remove(self.path / name)
            except FileNotFoundError:
                pass
        self.previous = []

    def release(self, *, failed: bool = False) -> None:
        """Unlock (and remove the lock file); after a failure, remove a folder made here and left empty."""
        if self._fd is None:
            return
        try:
            os.remove(self.path / LOCK_NAME)
        except OSError:
            pass
        os.close(self._fd)  # closing drops the flock
        self._fd = None
        if failed and self.created:
            _remove_empty(self.path)

    def __enter__(self) -> "RunFolder":
        return self

    def __exit__(self, kind, value, tb) -> None:
        self.release(failed=kind is not None)


def _remove_empty(path: Path) -> None:
    try:
        os.rmdir(path)
    except OSError:  # not empty: something of this run is worth keeping
        pass


def check_name(out, flag: str = "--out") -> Path:
    """``out`` as a Path; an empty name is refused (it would mean the current folder)."""
    text = os.fspath(out)
    if not str(text).strip():
        raise ValueError(f"{flag} is empty; give a folder name such as {flag} runs/mine")
    return Path(text)


def claim(out, *, files: Iterable[str] = RUN_FILES, overwrite: bool = False, own: Iterable[str] = (),
          flag: str = "--out") -> RunFolder:
    """Make and lock the folder ``out`` for a run that writes ``files``.

    Parameters
    ----------
    out : path-like
    files : iterable of str
        The files the run writes; if some of them are already there (another
        run's), the folder is refused unless ``overwrite``.
    overwrite : bool, default False
        Accept such a folder: those files are removed when the run starts
        (:meth:`RunFolder.clear_previous`).
    own : iterable of str
        Files of this same run that may be there (a resumed run's checkpoint).
    flag : str
        The option named in messages.

    Raises
    ------
    FolderInUseError
        When a live run holds the folder's lock.
    ValueError
        When the folder holds another run's files and ``overwrite`` is False.
    """
    path = check_name(out, flag)
    created = not path.exists()
    path.mkdir(parents=True, exist_ok=True)
    try:
        fd = _lock(path, flag)
    except BaseException:
        if created:
            _remove_empty(path)
        raise
    try:
        clean_temporary(path)
        own = set(own)
        previous = [name for name in files if name not in own and (path / name).exists()]
        if previous and not overwrite:
            raise ValueError(
                f"{flag} {str(path)!r} holds the files of another run ({', '.join(previous)}); "
                "give --overwrite to replace them, or choose another folder"
            )
    except BaseException:
        RunFolder(path, fd, created, []).release(failed=True)
        raise
    return RunFolder(path, fd, created, previous)


def _lock(path: Path, flag: str) -> int | None:
    """Take ``path/.ranvier.lock`` (non-blocking); returns its descriptor, or None without fcntl."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on POSIX: no lock
        return None
    lock = path / LOCK_NAME
    for _ in range(10):
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = _read_pid(fd)
            os.close(fd)
            who = f" (pid {owner})" if owner else ""
            raise FolderInUseError(
                f"{flag} {str(path)!r} is in use by a running ranvier process{who}; "
                "wait for it to end, or choose another folder"
            ) from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file that its owner removed while we opened it
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return fd
        os.close(fd)
    raise FolderInUseError(f"{flag} {str(path)!r}: could not take its lock file; try again")


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode("ascii").strip()
        return int(text) if text.isdigit() else None
    except (OSError, UnicodeDecodeError):
        return None


def clean_temporary(path: Path) -> list[str]:
    """Remove the temporary files a killed write left in ``path`` (ranvier's own patterns only).

    Called with the folder's lock held, so no live run is writing them.
    Returns the names removed.
    """
    removed = []
    for entry in os.scandir(path):
        if not entry.is_file(follow_symlinks=False):
            continue
        name = entry.name
        if _TMP_NPZ.fullmatch(name) or _TMP_TEXT.fullmatch(name):
            try:
                os.remove(entry.path)
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


def unique_folder(parent, stem: str) -> Path:
    """Make a new folder ``parent/stem`` (or ``stem-2``, ``stem-3``, ...) atomically and return it."""
    parent = Path(parent)
    parent.mkdir(parents=True, exist_ok=True)
    for k in range(1, 10_000):
        path = parent / (stem if k == 1 else f"{stem}-{k}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{parent}: no free folder name {stem}-N")


# ------------------------------------------------------- ranvier train's runs
def run_identity(resume_from) -> tuple[str, set[str]]:
    """The run's id and the files of it that may already be in its folder.

    Parameters
    ----------
    resume_from : path-like or None
        The checkpoint a resumed run continues from (it keeps the id stored
        there); None for a new run, which gets a new id.

    Returns
    -------
    run_id : str
    own : set of str
        The names of this run's files that its folder may hold (the checkpoint).
    """
    if resume_from is None:
        return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{uuid.uuid4().hex[:8]}", set()
    from .train.checkpoint import read_metadata

    run_id = (read_metadata(resume_from).get("extra") or {}).get("run_id")
    if not isinstance(run_id, str):  # a checkpoint made before runs had ids
        run_id = f"resumed-{uuid.uuid4().hex[:8]}"
    return run_id, {os.path.basename(os.fspath(resume_from))}


def claim_run(out: Path, own: set[str], run_id: str, overwrite: bool):
    """:func:`claim` the folder of a ``ranvier train`` run.

    The run files there are this run's own (not another's) when the folder's
    ``summary.json`` (or ``model.npz``) records the same ``run_id``: a
    resumed run then replaces them without ``overwrite``.

    Returns
    -------
    RunFolder
    """
    if own and _folder_run_id(out) == run_id:
        own = own | set(RUN_FILES)
    return claim(out, files=RUN_FILES, overwrite=overwrite, own=own, flag="--resume's folder" if own else "--out")


def _folder_run_id(out: Path) -> str | None:
    """The run id recorded in the folder's summary.json, else in its model.npz (None if neither says)."""
    try:
        with open(out / "summary.json", encoding="utf-8") as f:
            value = json.load(f).get("run_id")
        if isinstance(value, str):
            return value
    except (OSError, ValueError, AttributeError):
        pass
    try:
        from .io import load_model

        value = (load_model(out / "model.npz").summary or {}).get("run_id")
        return value if isinstance(value, str) else None
    except (OSError, ValueError, TypeError):
        return None
