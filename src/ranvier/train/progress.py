"""The progress display of training: a live bar in Jupyter and on a terminal, else a line per epoch.

Keras's verbosity levels: 0 silent, 1 a progress bar (tqdm) that redraws in
place only on a terminal or in a notebook, 2 a line per epoch.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import time

__all__: list[str] = []

_BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}"


def _in_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel; IPython is not imported to find out."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _progress_kind(verbose: int, file) -> str:
    """``silent`` (verbose 0), ``notebook`` (a live bar in a Jupyter kernel), ``terminal``
    (a bar that redraws in place) or ``lines`` (a line per epoch: verbose 2, or output
    that is not a terminal, such as a log file)."""
    if verbose == 0:
        return "silent"
    if verbose == 1 and _in_kernel():
        return "notebook"
    if verbose == 1 and getattr(file, "isatty", lambda: False)():
        return "terminal"
    return "lines"


class _Progress:
    """The progress of training: a live bar in Jupyter (tqdm's widget when ipywidgets is
    there, else its text bar, which Jupyter redraws in place), a bar that redraws in place
    on a terminal, else a line per epoch.  On a terminal the epoch's line is cut to the
    terminal's width by dropping the least useful numbers first (:func:`_epoch_line`), so
    the validation numbers always show; in a notebook the lines go to stdout, not to
    stderr's red boxes."""

    def __init__(self, verbose: int, epochs: int, steps: int, batch_size: int) -> None:
        self.verbose = verbose
        self.epochs = epochs
        self.steps = steps
        self.kind = _progress_kind(verbose, sys.stderr)
        self.file = sys.stdout if _in_kernel() else sys.stderr  # a notebook shows stderr in red
        self.live = self.kind in ("notebook", "terminal")
        self.bar = None
        self.seen = 0
        self.tic = time.perf_counter()

    def start_epoch(self, epoch: int) -> None:
        self.seen, self.loss_sum, self.tic = 0, 0.0, time.perf_counter()
        if self.live:
            self.bar = _bar(self.kind, self.file, self.steps, f"epoch {epoch}/{self.epochs}")

    def step(self, loss: float, n: int) -> None:
        self.seen += n
        self.loss_sum += loss * n
        if self.bar is not None:
            self.bar.update(1)
            if self.bar.n % 10 == 0 or self.bar.n == self.steps:
                rate = self.seen / max(time.perf_counter() - self.tic, 1e-9)
                self.bar.set_postfix_str(_bar_postfix(self.loss_sum / self.seen, rate), refresh=False)

    def end_epoch(self, epoch: int, logs: dict) -> None:
        if self.kind == "silent":
            return
        if self.kind == "notebook" and self.bar is not None:
            self.bar.set_postfix_str(_epoch_line(epoch, self.epochs, logs, self.seen).split(": ", 1)[1], refresh=True)
            self.close()
            return
        self.close()  # the terminal's bar clears itself; the epoch's line takes its place
        width = shutil.get_terminal_size((80, 24)).columns - 1 if self.kind == "terminal" else None
        print(_epoch_line(epoch, self.epochs, logs, self.seen, width), file=self.file, flush=True)

    def message(self, text: str) -> None:
        if self.verbose:
            print(text, file=self.file, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _bar(kind: str, file, steps: int, desc: str):
    """A tqdm bar of ``steps`` steps: the notebook widget where ipywidgets is installed."""
    if kind == "notebook" and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm

        return tqdm(total=steps, desc=desc, unit="step", leave=True, mininterval=0.2)
    from tqdm.std import tqdm

    return tqdm(total=steps, desc=desc, unit="step", file=file, leave=kind == "notebook", dynamic_ncols=True,
                mininterval=0.2, bar_format=_BAR_FORMAT)


def _bar_postfix(loss: float, rate: float) -> str:
    """``loss 0.1234, 12.3k ex/s``: short enough for the bar to fit 80 columns."""
    from tqdm.std import tqdm

    return f"loss {loss:.4f}, {tqdm.format_sizeof(rate)} ex/s"


def _epoch_line(epoch: int, epochs: int, logs: dict, seen: int, width: int | None = None) -> str:
    """``epoch 3/20: loss ..., acc ..., val_loss ..., val_acc ..., 0.42s, 12,345 ex/s``.

    With ``width``, the numbers that do not fit are dropped, the least useful first
    (the speed, the time, the training accuracy, the training loss): the validation
    numbers are never dropped.
    """
    head = f"epoch {epoch}/{epochs}: "
    parts = [("loss", f"loss {logs['loss']:.4f}")]
    if logs["accuracy"] is not None:
        parts.append(("acc", f"acc {logs['accuracy']:.4f}"))
    if logs["val_loss"] is not None:
        parts.append(("val", f"val_loss {logs['val_loss']:.4f}"))
    if logs["val_accuracy"] is not None:
        parts.append(("val", f"val_acc {logs['val_accuracy']:.4f}"))
    rate = seen / max(logs["seconds"], 1e-9)
    parts += [("seconds", f"{logs['seconds']:.2f}s"), ("rate", f"{rate:,.0f} ex/s")]
    has_val = any(k == "val" for k, _ in parts)
    line = head + ", ".join(text for _, text in parts)
    for drop in ("rate", "seconds", "acc", "loss") if has_val else ("rate", "seconds", "acc"):
        if width is None or len(line) <= width:
            break
        parts = [(k, t) for k, t in parts if k != drop]
        line = head + ", ".join(text for _, text in parts)
    return line

