"""The folder of a run: checked before the run starts, written when it ends.

Before: ``_check_out`` (the folder can be made, without making it) and
``_check_space`` (the files will fit on its disk).  After: ``_summary``
(what ``summary.json`` holds) and ``_write``, which writes

* ``model.npz``: the model with its preprocessing and class names;
* ``history.json``: the learning curves (loss per step, metrics per epoch);
* ``summary.json``: accuracies, epochs, seconds, seed and every option;
* ``curves.png``: the learning curves as a picture.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .._archive import atomic_write_text, json_safe
from ..nn.mlp import MLP
from ..train import History, evaluate
from .options import TrainOptions


def _check_out(out: str | None) -> Path | None:
    """Check the output folder can be made, without making it (a failed run leaves nothing)."""
    if out is None:
        return None
    if not str(out).strip():
        raise ValueError("--out is empty; give a folder name such as --out runs/mine, or leave the option out "
                         "for the default folder")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {out!r} is a file; give a folder for model.npz, history.json and summary.json")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise ValueError(f"--out {out!r} cannot be written: {str(existing)!r} is not a writable folder")
    return path


def _check_space(out: Path, model: MLP, o: TrainOptions) -> None:
    """Refuse to start a run whose files would not fit on the disk (checked before training)."""
    import shutil

    existing = out
    while not existing.exists():
        existing = existing.parent
    param_bytes = sum(p.nbytes for p in model.params.values())
    # model.npz, and a checkpoint (params, best params, optimiser state) written aside
    need = 2 * param_bytes + (6 * param_bytes if o.checkpoint_every else 0) + 5_000_000
    free = shutil.disk_usage(existing).free
    if free < need:
        raise ValueError(
            f"--out {str(out)!r}: {free / 1e6:.1f} MB free on its disk, but the run will write about "
            f"{need / 1e6:.1f} MB; free some space or choose another folder"
        )


def _summary(o: TrainOptions, model: MLP, data, history: History, run_id: str | None = None) -> dict:
    def accuracy(X, y):
        return None if X is None else evaluate(model, X, y)[1]

    return json_safe({
        "data": data.name,
        "model": repr(model),
        "num_params": model.num_params,
        "train_accuracy": accuracy(data.X_train, data.y_train),
        "val_accuracy": accuracy(data.X_val, data.y_val),
        "test_accuracy": accuracy(data.X_test, data.y_test),
        "epochs": history.n_epochs,
        "best_epoch": history.best_epoch,
        "seconds": history.seconds,
        "seed": o.seed,
        "stopped_reason": history.stopped_reason,
        "diverged": history.diverged,
        "n_train": len(data.y_train),
        "n_val": 0 if data.y_val is None else len(data.y_val),
        "n_test": 0 if data.y_test is None else len(data.y_test),
        "options": o.to_dict(),
        "run_id": run_id,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })


def _write(out: Path, model: MLP, data, history: History, summary: dict) -> None:
    from ..io import save_model

    save_model(out / "model.npz", model, class_names=data.class_names, preprocessing=data.preprocessor(),
               image_shape=data.image_shape, summary=summary, pixel_max=data.pixel_max,
               feature_names=getattr(data, "feature_names", None))
    history.save(out / "history.json")
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=1))
    try:
        from ..plot import plot_history
        from ..plot.boundaries import _describe
    except ImportError:  # matplotlib is missing: the curves stay in history.json
        return
    plot_history(history, out / "curves.png", title=f"Training {_describe(model)} on {data.name}")
