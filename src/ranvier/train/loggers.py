"""Callbacks that log a run epoch by epoch: a CSV file (Keras's ``CSVLogger``) and TensorBoard.

Both write what the Trainer's epoch logs hold: ``loss``, ``accuracy``,
``val_loss``, ``val_accuracy`` (empty without validation data), ``lr`` and
``seconds``, under the epoch number (from 1).  The CSV file is flushed after
every epoch, so a killed run keeps the epochs it finished; TensorBoard event
files are written through ``tensorboardX`` (``pip install 'ranvier[tensorboard]'``)
as scalars named ``train/loss``, ``val/loss``, ``train/accuracy``,
``val/accuracy`` and ``lr``.
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path

from .callbacks import Callback

__all__ = ["CSVLogger", "TensorBoard"]

COLUMNS = ("epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")


class CSVLogger(Callback):
    """Write one row per epoch to a CSV file, flushed as it goes.

    Parameters
    ----------
    path : path-like
        The file; its folder must exist.
    append : bool, default False
        Add to an existing log (a resumed run) instead of starting a new one.  A new log
        refuses to replace an existing file unless ``overwrite=True``.
    overwrite : bool, default False
    """

    def __init__(self, path: str | os.PathLike, *, append: bool = False, overwrite: bool = False) -> None:
        self.path, self.append, self.overwrite = Path(path), bool(append), bool(overwrite)
        self._file = None
        self._writer = None

    def on_train_begin(self, trainer) -> None:
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"the folder of the CSV log {self.path} does not exist; create it first")
        exists = self.path.exists()
        if exists and not (self.append or self.overwrite):
            raise FileExistsError(f"{self.path} exists; pass overwrite=True to replace it or append=True to add to it")
        mode = "a" if self.append and exists else "w"
        self._file = open(self.path, mode, newline="", encoding="utf-8")
        self._writer = csv.writer(self._file)
        if mode == "w":
            self._writer.writerow(COLUMNS)
            self._file.flush()

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        self._writer.writerow([epoch] + [_cell(logs.get(k)) for k in COLUMNS[1:]])
        self._file.flush()

    def on_train_end(self, trainer, history) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    return str(value)


class TensorBoard(Callback):
    """Write the epoch logs as TensorBoard scalars into ``log_dir``.

    Parameters
    ----------
    log_dir : path-like
        Created when missing; one event file per run.
    """

    _TAGS = {"loss": "train/loss", "accuracy": "train/accuracy", "val_loss": "val/loss",
             "val_accuracy": "val/accuracy", "lr": "lr"}

    def __init__(self, log_dir: str | os.PathLike) -> None:
        try:
            import tensorboardX  # noqa: F401
        except ImportError:
            raise ImportError("TensorBoard logging needs tensorboardX: pip install 'ranvier[tensorboard]'") from None
        self.log_dir = Path(log_dir)
        self._writer = None

    def on_train_begin(self, trainer) -> None:
        from tensorboardX import SummaryWriter

        self.log_dir.mkdir(parents=True, exist_ok=True)
        self._writer = SummaryWriter(logdir=str(self.log_dir))

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        for key, tag in self._TAGS.items():
            value = logs.get(key)
            if value is not None and math.isfinite(value):
                self._writer.add_scalar(tag, float(value), epoch)
        self._writer.flush()

    def on_train_end(self, trainer, history) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
