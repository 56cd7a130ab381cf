"""The epoch loop of :meth:`Trainer.fit <ranvier.train.Trainer.fit>`: batches, steps, bookkeeping.

One :class:`_Loop` per ``fit`` call: it shuffles and batches the rows,
takes the steps, measures the epochs, keeps the best parameters, stops early
or on divergence and restores the best parameters at the end.  The speed
machinery it uses lives beside it: the streaming reads of a memory-mapped
file (:mod:`ranvier.train.streaming`).
"""

from __future__ import annotations

import math
import mmap
import time
import warnings
from typing import TYPE_CHECKING, Any, Iterable

import numpy as np

from .._validation import all_finite
from ..descent.recorder import DivergenceWarning
from ..nn.networks import Sequential
from ._weights import blas_threads
from .evaluation import _evaluate
from .history import History
from .interrupt import _how, _StopOnInterrupt
from .progress import _Progress
from .state import RunState
from .step import TrainStep
from .streaming import _Reader, _Rows, gather_batches, start_reading, stop_reading

if TYPE_CHECKING:  # for the annotations only: the Trainer imports this module
    from .trainer import Trainer

__all__: list[str] = []


class _BatchBuffers:
    """The arrays of one batch size: the model's workspace and the buffers the batch's rows are gathered into.

    ``gathered`` is batch mode's note that a split's training rows are
    already in ``X`` and ``y`` (gathered once for the run).
    """

    def __init__(self, size: int, ws, X: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
        self.ws = ws
        self.X = np.empty((size, X.shape[1]), dtype=X.dtype)
        self.y = np.empty((size, *y.shape[1:]), dtype=y.dtype)
        self.w = None if w is None else np.empty(size)
        self.gathered = False


class _Loop:
    """One call of :meth:`Trainer.fit`: buffers, the epoch loop, bookkeeping.

    ``X`` is the whole input matrix and ``rows`` (when given) the indices of
    its training rows, ``y`` their labels: a validation split is never copied
    out of ``X``, which may be a memory-mapped file.
    """

    def __init__(self, trainer: Trainer, X, y, validation_data, rows: np.ndarray | None = None,
                 mapping: mmap.mmap | None = None, data: dict | None = None, weights=(None, None)) -> None:
        self.t = trainer
        self.w, self.val_w = weights  # float64 weights of the training rows (aligned with y) and validation rows
        self.model = trainer.model
        self.X, self.y, self.rows = X, y, rows
        self.mapping = mapping  # X is a memory-mapped file: its minibatches may be read ahead (_batches)
        self.val = validation_data
        self.m = len(y)
        self.k = trainer._batch_size_for(self.m)
        self.monitor = trainer._monitor_name(self.val is not None, classify=y.ndim == 1)
        if trainer._resume and trainer._progress is not None:
            self.p = trainer._progress
            _check_same_data(self.p.data, data)
        else:
            self.p = RunState(
                epoch=0, rng=trainer._rng, history=History(),
                best_params={k: v.copy() for k, v in self.model.params.items()}, data=data,
                dropout_rng=trainer._dropout_rng, best_buffers=_buffer_copies(self.model),
            )
            trainer._progress = self.p
        trainer._resume = False
        self.history = trainer.history = self.p.history
        if trainer.state is None:
            trainer.state = trainer.optimizer.init(self.model.params)
        self.classify = y.ndim == 1
        self.train_step = TrainStep(trainer)  # what a step asks of the model (the speed agreements)
        self.progress = _Progress(trainer.verbose, trainer.epochs, math.ceil(self.m / self.k), self.k)
        self.interrupted = False
        self.stop_signal: int | None = None  # the signal that stopped the run (set by _StopOnInterrupt)
        self.reader: _Reader | None = None  # the read-ahead threads of a memory-mapped X, while streaming
        self._buffers: dict[int, _BatchBuffers] = {}  # by batch size
        self._train_eval: dict[int, Any] = {}  # the workspaces of _judged's evaluations of the training rows

    def run(self) -> History:
        t = self.t
        t.stop_training = False
        if isinstance(self.model, Sequential):  # training mode, dropout masks from the run's generator
            self.model.train().set_rng(self.p.dropout_rng)
        for cb in t.callbacks:
            cb.on_train_begin(t)
        start = time.perf_counter()
        reason = f"finished {t.epochs} epochs"
        # overflow in a blown-up step is detected as divergence (a non-finite loss), not warned about
        with _StopOnInterrupt(self), np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
                blas_threads(t.threads):
            try:
                if self.mapping is not None and self.k < self.m:  # minibatches of a mapped file
                    self.reader = self._start_streaming()
                for epoch in range(self.p.epoch + 1, t.epochs + 1):
                    reason = self._epoch(epoch) or reason
                    if t.stop_training:
                        break
            except KeyboardInterrupt as exc:  # a second signal, or a Ctrl-C outside the main thread
                self.interrupted = True
                if self.stop_signal is None:
                    self.stop_signal = getattr(exc, "signum", 2)  # 2: SIGINT, a Ctrl-C
                reason = f"interrupted ({_how(self)}) during epoch {self.p.epoch + 1}"
            finally:
                self.progress.close()
                if self.reader is not None:
                    self._stop_streaming()
        if self.interrupted and not reason.startswith("interrupted"):
            reason = f"interrupted ({_how(self)}) after epoch {self.p.epoch}"
        self.history.seconds += time.perf_counter() - start
        if isinstance(self.model, Sequential):
            self.model.eval()  # a trained network is for predicting
        self._finish(reason)
        for cb in t.callbacks:
            cb.on_train_end(t, self.history)
        return self.history

    def _epoch(self, epoch: int) -> str | None:
        t, h = self.t, self.history
        tic = time.perf_counter()
        sum_loss, correct, lr = 0.0, 0, t.optimizer.lr
        self.progress.start_epoch(epoch)
        for xb, yb, wb, ws in self._batches():
            step = t.state["step"]
            loss = self.train_step.loss_and_grads(xb, yb, ws, wb)
            if self._diverged(loss):
                h.diverged = True
                t.stop_training = True
                rate = _lr(t, step)
                message = (
                    f"training diverged at step {step + 1} (epoch {epoch}): the loss became {loss:.4g} "
                    f"with learning rate {rate:g}; try a smaller learning rate, such as {rate / 10:g}"
                )
                warnings.warn(message, DivergenceWarning, stacklevel=4)
                return message
            if self.classify:
                hits = self.train_step.scores.argmax(axis=1) == yb
                correct += int(np.count_nonzero(hits)) if wb is None else float(wb[hits].sum())
            lr = _lr(t, step)
            self.train_step.update(ws.grads, lr)
            sum_loss += loss * (len(xb) if wb is None else float(wb.sum()))
            h.step_loss.append(loss)
            self.progress.step(loss, len(xb))
            for cb in t.callbacks:
                cb.on_step_end(t, step + 1, {"loss": loss, "lr": lr})
            if self.interrupted:
                return f"interrupted ({_how(self)}) after step {step + 1}, in epoch {epoch}"
            if t.stop_training:
                return f"stopped by a callback at step {step + 1}"
        total = self.m if self.w is None else float(self.w.sum())
        logs = self._end_epoch(epoch, sum_loss / total, correct / total if self.classify else None, lr, tic)
        self.p.epoch = epoch
        for cb in t.callbacks:
            cb.on_epoch_end(t, epoch, logs)
        if t.stop_training:
            return f"interrupted ({_how(self)}) after epoch {epoch}" if self.interrupted else f"stopped by a callback after epoch {epoch}"
        return self._early_stop(epoch)

    def _start_streaming(self) -> _Reader:
        reader = start_reading(self.X, self.mapping)
        if self.val is not None and isinstance(self.val[0], _Rows):
            self.val[0].reader = reader
        return reader

    def _stop_streaming(self) -> None:
        stop_reading(self.reader, self.mapping)
        if self.val is not None and isinstance(self.val[0], _Rows):
            self.val[0].reader = None

    def _batches(self) -> Iterable[tuple[np.ndarray, np.ndarray, np.ndarray | None, Any]]:
        """The epoch's batches: ``(X_batch, y_batch, weights or None, workspace)``, reshuffled every epoch.

        Minibatches are gathered into the buffers of their size
        (:class:`_BatchBuffers`); the rows of a memory-mapped X may come from
        disk, read ahead on threads (:func:`~ranvier.train.streaming.gather_batches`).  Either way the
        batches, their order and so the training are the same.
        """
        if self.k == self.m and self.t.augment is None:  # batch mode: the whole set in its order, no shuffling
            yield self._whole_set()
            return
        order = self.p.rng.permutation(self.m)
        batches = [order[start : start + self.k] for start in range(0, self.m, self.k)]
        gathered = gather_batches(self.X, batches, self.rows, lambda n: self._batch_buffers(n).X, self.reader)
        try:
            for idx, xb in gathered:
                buf = self._batch_buffers(len(idx))
                np.take(self.y, idx, axis=0, out=buf.y, mode="clip")
                if self.w is not None:
                    np.take(self.w, idx, out=buf.w, mode="clip")
                if self.t.augment is not None:
                    self.t.augment(xb, self.p.rng)
                yield xb, buf.y, buf.w, buf.ws
        finally:  # stopped early: the read in flight finishes before its buffer is dropped
            gathered.close()

    def _whole_set(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Any]:
        """Batch mode's one batch: all training rows in their order (a split's rows gathered once)."""
        buf = self._batch_buffers(self.m)
        if self.rows is None:
            return self.X, self.y, self.w, buf.ws
        if not buf.gathered:
            np.take(self.X, self.rows, axis=0, out=buf.X, mode="clip")
            np.copyto(buf.y, self.y)
            buf.gathered = True
        return buf.X, buf.y, self.w, buf.ws

    def _batch_buffers(self, size: int) -> _BatchBuffers:
        if size not in self._buffers:
            self._buffers[size] = _BatchBuffers(size, self.model.workspace(size), self.X, self.y, self.w)
        return self._buffers[size]

    def _diverged(self, loss: float) -> bool:
        if not math.isfinite(loss):
            return True
        if self.p.limit is None:
            self.p.limit = self.t.divergence_factor * max(1.0, loss)
        return loss > self.p.limit

    def _end_epoch(self, epoch: int, loss: float, accuracy, lr: float, tic: float) -> dict:
        h = self.history
        val_loss = val_acc = None
        if self.val is not None:
            val_loss, val_acc = _evaluate(self.model, *self.val, sample_weight=self.val_w)
        logs = {"loss": loss, "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_acc,
                "lr": lr, "seconds": time.perf_counter() - tic}
        for key, value in logs.items():
            h.epoch[key].append(value)
        self.progress.end_epoch(epoch, logs)
        value = self._judged(logs)
        if value is not None and self._better(value) and all(all_finite(p) for p in self.model.params.values()):
            self.p.best_value = value
            h.best_epoch = epoch
            for name, p in self.model.params.items():
                np.copyto(self.p.best_params[name], p)
            for name, b in getattr(self.model, "buffers", {}).items():
                np.copyto(self.p.best_buffers[name], b)
        return logs

    def _judged(self, logs: dict) -> float | None:
        """The monitored value of the parameters as they are now, at the epoch's end.

        Validation metrics are measured on these parameters.  The history's
        training loss and accuracy are means over the epoch's steps, each
        taken before its update, so they judge no single set of parameters
        (after a blow-up in the last step, not these): a training monitor
        evaluates the training data once more, on these parameters.
        """
        if self.monitor.startswith("val_") or not (self.t.restore_best or self.t.early_stopping):
            return logs[self.monitor]  # (without restoring or stopping early, "best" only guards a blow-up)
        X = self.X if self.rows is None else _Rows(self.X, self.rows)
        loss, accuracy = _evaluate(self.model, X, self.y, workspaces=self._train_eval,
                                   sample_weight=self.w)
        return loss if self.monitor == "loss" else accuracy

    def _better(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.p.best_value is None:
            return True
        best = self.p.best_value
        return value > best if self.monitor.endswith("accuracy") else value < best

    def _early_stop(self, epoch: int) -> str | None:
        patience = self.t.early_stopping
        best = self.history.best_epoch or 0
        if patience is not None and epoch - best >= patience:
            self.t.stop_training = True
            return f"early stopping after epoch {epoch}: {self.monitor} has not improved for {patience} epochs"
        return None

    def _finish(self, reason: str) -> None:
        h = self.history
        if not h.diverged and not all(all_finite(p) for p in self.model.params.values()):
            # the last updates blew up with no step after them to see it: diverged all the same
            h.diverged = True
            reason = (f"training diverged in its last step (step {len(h.step_loss)}): the parameters became NaN or "
                      f"infinite; try a smaller learning rate ({reason})")
            warnings.warn(reason, DivergenceWarning, stacklevel=4)
        restore = self.t.restore_best or h.diverged
        if restore and (h.best_epoch is not None or h.diverged):
            for name, p in self.model.params.items():
                np.copyto(p, self.p.best_params[name])
            for name, b in getattr(self.model, "buffers", {}).items():
                np.copyto(b, self.p.best_buffers[name])
            where = (f"epoch {h.best_epoch}" if h.best_epoch else "the start (no epoch finished)" if not h.n_epochs
                     else "the start (no epoch ended with finite, better parameters)")
            reason += f"; restored the parameters of {where}"
        elif not restore:
            h.best_epoch = None
        h.stopped_reason = reason
        self.progress.message(reason)


def _buffer_copies(model) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in getattr(model, "buffers", {}).items()}


def _check_same_data(saved: dict | None, now: dict | None) -> None:
    """A resumed run must see the data its checkpoint was made on (same rows, same split)."""
    if saved is None or now is None or saved == now:
        return

    def describe(d: dict) -> str:
        split = "no validation_split" if d["validation_split"] is None else (
            f"validation_split={d['validation_split']:g} (seed {d['split_seed']})")
        return f"{d['rows']} rows, {d['train_rows']} for training, {split}"

    raise ValueError(
        f"the checkpoint was made training on {describe(saved)}; this fit() got {describe(now)}. "
        "Resume on the same data with the same validation_split and Trainer seed"
    )


def _lr(trainer: Trainer, step: int) -> float:
    return trainer.schedule(step) if trainer.schedule is not None else trainer.optimizer.lr

