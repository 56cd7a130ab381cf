"""Streaming reads of a memory-mapped data set: speed machinery, kept apart from the training loop.

A data set larger than memory is a ``.npy`` opened with ``mmap_mode='r'``:
its rows are gathered batch by batch, never copied whole.  Rows that come
from disk (timed: slower than memory could give them) are read on a pool of
threads, each batch while the one before is trained on (:func:`gather_batches`);
rows in the page cache are gathered directly, as threads would only take
the cores from the matrix products.  Either way the batches, their order
and so the training are the same.
"""

from __future__ import annotations

import mmap
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

import numpy as np

__all__: list[str] = []

_READ_THREADS = 16  # threads that read the rows of a memory-mapped data set, a batch ahead
_DISK_BYTES_PER_S = 500e6  # rows gathered slower than this come from disk (memory gives GB/s)
_DISK_MIN_S = 200e-6  # ... if the gather took at least this long (not a tiny batch's fixed cost)


class _Reader:
    """Gathers rows of a memory-mapped ``X`` on a pool of threads.

    A row of a file larger than memory is a read from disk; one thread
    reading the rows of a batch one after another waits on each in turn,
    many threads keep the disk busy.  ``start`` returns at once, so the next
    batch is read while the current one is trained on.
    """

    def __init__(self, X: np.ndarray, threads: int = _READ_THREADS) -> None:
        self.X, self.threads = X, threads
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="ranvier-read")

    def start(self, idx: np.ndarray, out: np.ndarray) -> list[Future]:
        """Begin ``out[:] = X[idx]``; wait on the returned futures."""
        bounds = np.linspace(0, len(idx), min(self.threads, len(idx)) + 1).astype(int)
        return [self.pool.submit(np.take, self.X, idx[a:b], 0, out[a:b], "clip") for a, b in zip(bounds, bounds[1:])
                if b > a]

    def gather(self, idx: np.ndarray, out: np.ndarray) -> np.ndarray:
        _finish(self.start(idx, out))
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _finish(futures: list[Future]) -> None:
    """Wait for every read, then raise the first failure (no read is left writing)."""
    wait(futures)
    for future in futures:
        future.result()


def start_reading(X: np.ndarray, mapping: mmap.mmap) -> _Reader:
    """A :class:`_Reader` of the rows of ``X``, the memory-mapped file ``mapping``."""
    # rows are read in random order: no read-ahead of neighbouring pages that would go unused
    if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mapping.madvise(mmap.MADV_RANDOM)
    return _Reader(X)


def stop_reading(reader: _Reader, mapping: mmap.mmap) -> None:
    """Stop ``reader``'s threads; the file is read as usual again."""
    reader.close()
    if hasattr(mapping, "madvise") and hasattr(mmap, "MADV_NORMAL"):
        try:
            mapping.madvise(mmap.MADV_NORMAL)
        except ValueError:  # the user closed the file meanwhile
            pass


class _Rows:
    """Some rows of a data matrix, by index, gathered a chunk at a time (never copied whole).

    The chunks land in buffers of the rows' own, one per chunk size, made once (an
    evaluation reads full chunks and one last, shorter one).
    """

    def __init__(self, X: np.ndarray, rows: np.ndarray, reader: _Reader | None = None) -> None:
        self.X, self.rows, self.reader = X, rows, reader
        self._buffers: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, start: int, k: int) -> np.ndarray:
        """Rows ``start:start + k``, gathered into this object's buffer of ``k`` rows."""
        buffer = self._buffers.get(k)
        if buffer is None:
            buffer = self._buffers[k] = np.empty((k, self.X.shape[1]), dtype=self.X.dtype)
        if self.reader is not None:
            return self.reader.gather(self.rows[start : start + k], buffer)
        np.take(self.X, self.rows[start : start + k], axis=0, out=buffer, mode="clip")
        return buffer


def gather_batches(X: np.ndarray, batches: list[np.ndarray], rows: np.ndarray | None, buffer,
                   reader: _Reader | None):
    """Yield ``(idx, xb)`` for each index array ``idx`` of ``batches``, ``xb`` holding ``X[rows[idx]]``.

    ``rows`` (None: every row) maps a batch's indices to rows of ``X``, and
    ``buffer(n)`` gives the input buffer of a batch of ``n`` rows.  Without a
    ``reader`` each batch is gathered directly.  With one (``X`` a
    memory-mapped file), batches are timed until one arrives slower than
    memory could give it (:data:`_DISK_BYTES_PER_S`, and over
    :data:`_DISK_MIN_S`): its rows are on disk, and the rest of the epoch is
    then read on the reader's threads, each batch while the one before is
    trained on (two input buffers take turns).
    """
    spare: dict[int, np.ndarray] = {}  # a second input buffer per batch size, for reading ahead

    def target(i: int):
        idx = batches[i]
        xb = buffer(len(idx))
        if reader is not None and i % 2:  # streamed: consecutive batches in different buffers
            xb = spare.setdefault(len(idx), np.empty_like(xb))
        return idx, (idx if rows is None else rows[idx]), xb

    pending, from_disk = None, False  # pending: (idx, buffer, futures) read ahead
    try:
        for i in range(len(batches)):
            if pending is None:
                idx, src, xb = target(i)
                tic = time.perf_counter()
                # mode="clip" lets NumPy write straight into out= (the indices are valid anyway)
                np.take(X, src, axis=0, out=xb, mode="clip")
                if reader is not None:
                    seconds = time.perf_counter() - tic
                    # slow per byte, and slow enough that the threads' round trip cannot cost more
                    from_disk = seconds > _DISK_MIN_S and xb.nbytes < _DISK_BYTES_PER_S * seconds
            else:
                idx, xb, futures = pending
                _finish(futures)
            pending = None
            if from_disk and i + 1 < len(batches):
                next_idx, next_src, next_xb = target(i + 1)
                pending = (next_idx, next_xb, reader.start(next_src, next_xb))
            yield idx, xb
    finally:  # stopped early: let the read in flight finish before its buffer is dropped
        if pending is not None:
            wait(pending[2])
