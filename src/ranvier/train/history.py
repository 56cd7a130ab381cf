"""The record of a run: :class:`History`, Keras's ``History`` plus the step losses.

``history.epoch`` is a dict of lists filled at each epoch's end; a history is
saved as JSON (:meth:`History.save`, atomically) and read back with a check of
every field (:meth:`History.load`).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field

from .._archive import atomic_write_text, json_safe

__all__ = ["History"]


@dataclass
class History:
    """What happened during training (Keras's ``History``, plus the step losses).

    Attributes
    ----------
    epoch : dict of str to list
        One entry per epoch under ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` (None without validation data), ``lr`` (the rate of
        the epoch's last step) and ``seconds``.
    step_loss : list of float
        The batch loss of every step, before its update.
    best_epoch : int or None
        The epoch (from 1) whose parameters the model holds at the end when
        the best ones were restored.
    stopped_reason : str
        Why training ended, in words.
    diverged : bool
        True when training stopped because the loss blew up.
    seconds : float
        Time of the training loop alone.
    """

    epoch: dict[str, list] = field(
        default_factory=lambda: {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")}
    )
    step_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_reason: str = ""
    diverged: bool = False
    seconds: float = 0.0

    @property
    def n_epochs(self) -> int:
        """Number of epochs completed."""
        return len(self.epoch["loss"])

    def to_dict(self) -> dict:
        """JSON-friendly contents (NaN and infinities become None)."""
        return json_safe({
            "epoch": self.epoch,
            "step_loss": self.step_loss,
            "best_epoch": self.best_epoch,
            "stopped_reason": self.stopped_reason,
            "diverged": self.diverged,
            "seconds": self.seconds,
        })

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        """The inverse of :meth:`to_dict`."""
        return cls(
            epoch={k: list(v) for k, v in data["epoch"].items()},
            step_loss=[math.nan if v is None else float(v) for v in data["step_loss"]],
            best_epoch=data.get("best_epoch"),
            stopped_reason=data.get("stopped_reason", ""),
            diverged=bool(data.get("diverged", False)),
            seconds=float(data.get("seconds", 0.0)),
        )

    def save(self, path: str | os.PathLike) -> None:
        """Write the history as JSON, atomically (write aside, then rename)."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "History":
        """Read a history written by :meth:`save`.

        Raises
        ------
        ValueError
            The file is not such a history; the message names the file and
            the first field that is wrong.
        """
        from .._history_check import read_history_json

        return cls.from_dict(read_history_json(path))

    def __repr__(self) -> str:
        from .._repr import num

        if not self.n_epochs:
            return f"History(no epoch finished, {len(self.step_loss)} steps" + (
                f": {self.stopped_reason})" if self.stopped_reason else ")")
        last = {k: v[-1] for k, v in self.epoch.items() if v}
        shown = [f"{k} {num(last[k])}" for k in ("loss", "accuracy", "val_loss", "val_accuracy")
                 if last.get(k) is not None]
        best = f", best epoch {self.best_epoch}" if self.best_epoch is not None else ""
        why = f"; {self.stopped_reason}" if self.stopped_reason else ""
        return (f"History({self.n_epochs} epochs, {len(self.step_loss)} steps{best}; last epoch: "
                f"{', '.join(shown)}{why})")

    def _repr_html_(self) -> str:
        """A table of the epochs (the first and last 8 of a long run) for a notebook."""
        from .._repr import html_table, num

        keys = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")
                if any(v is not None for v in self.epoch.get(k, []))]
        n = self.n_epochs
        shown = list(range(n)) if n <= 16 else [*range(8), None, *range(n - 8, n)]
        rows = [["..."] * (len(keys) + 1) if i is None else
                [f"{i + 1}" + (" (best)" if self.best_epoch == i + 1 else ""),
                 *(num(self.epoch[k][i]) for k in keys)] for i in shown]
        caption = f"{n} epochs, {len(self.step_loss)} steps, {self.seconds:.2f} s" + (
            f": {self.stopped_reason}" if self.stopped_reason else "")
        return html_table(["epoch", *keys], rows, caption)

    def to_dataframe(self):
        """The epochs as a :class:`pandas.DataFrame`: one row per epoch (indexed from 1),
        a column per quantity (``loss``, ``accuracy``, ``val_loss``, ...; None as NaN).

        Raises
        ------
        ImportError
            When pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("History.to_dataframe needs pandas: pip install pandas "
                              "(history.epoch holds the same numbers as lists)") from None
        n = self.n_epochs
        columns = {k: [math.nan if v is None else v for v in vals[:n]] for k, vals in self.epoch.items()
                   if len(vals) >= n}
        return pd.DataFrame(columns, index=pd.RangeIndex(1, n + 1, name="epoch"), dtype=float)

