"""Training checkpoints: everything needed to continue a run exactly.

A checkpoint is an ``.npz`` (read with ``allow_pickle=False``) holding

* ``param/<name>``: the model's parameters;
* ``best/<name>``: the best parameters so far;
* ``opt/<key>``: the optimiser's state arrays (``opt/step`` is the step count,
  which is also the position of the learning-rate schedule);
* ``metadata``: UTF-8 JSON as a ``uint8`` array: the epochs done, the state
  of the shuffling generator, the history, the best value and epoch, the
  divergence threshold, the architecture and optimiser (to check that the
  checkpoint fits), and the caller's ``extra`` data.

It is written beside its destination and renamed into place, so a run killed
while writing leaves the previous checkpoint intact.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING

import numpy as np

from .io import ModelFileError, _atomic_savez, read_archive

if TYPE_CHECKING:  # pragma: no cover
    from .training import Trainer, _Progress_State

__all__ = ["read_checkpoint", "write_checkpoint"]

FORMAT_NAME = "ranvier-checkpoint"
FORMAT_VERSION = 1


def write_checkpoint(path: str | os.PathLike, trainer: "Trainer", progress: "_Progress_State", extra: dict) -> None:
    """Write ``trainer``'s run state to ``path`` (see the module docstring)."""
    from .training import _json_safe

    model = trainer.model
    arrays = {f"param/{k}": v for k, v in model.params.items()}
    arrays.update({f"best/{k}": v for k, v in progress.best_params.items()})
    arrays.update(_layer_state_arrays(model, progress))
    for key, value in trainer.state.items():
        if key.startswith("scratch/"):
            continue
        arrays[f"opt/{key}"] = np.asarray(value)
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "architecture": model.get_config(),
        "optimizer": trainer.optimizer.get_config(),
        "epoch": progress.epoch,
        "rng": progress.rng.bit_generator.state,
        "best_value": progress.best_value,
        "limit": progress.limit,
        "history": progress.history.to_dict(),
        "data": progress.data,
        "extra": _json_safe(extra),
    }
    if progress.dropout_rng is not None:
        metadata["dropout_rng"] = progress.dropout_rng.bit_generator.state
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8)
    _atomic_savez(path, arrays)


def read_metadata(path: str | os.PathLike) -> dict:
    """The JSON metadata of a checkpoint (its ``extra`` holds the caller's data)."""
    return _read(path)[1]


def read_checkpoint(path: str | os.PathLike, trainer: "Trainer") -> tuple["_Progress_State", dict]:
    """Load a checkpoint into ``trainer`` (model parameters and optimiser state).

    Returns
    -------
    progress : the run state to continue from
    extra : dict
        The caller's data stored with the checkpoint.
    """
    from .training import History, _Progress_State

    arrays, meta = _read(path)
    _check_meta(meta, path)
    if meta.get("architecture") != trainer.model.get_config():
        raise ModelFileError(
            f"{path}: the checkpoint is of {meta.get('architecture')}, not of this model {trainer.model.get_config()}"
        )
    if meta["optimizer"].get("name") != trainer.optimizer.get_config()["name"]:
        raise ModelFileError(f"{path}: the checkpoint was made with optimizer {meta.get('optimizer')}, not {trainer.optimizer!r}")
    params = {k[6:]: v for k, v in arrays.items() if k.startswith("param/")}
    best = {k[5:]: v for k, v in arrays.items() if k.startswith("best/")}
    state = {k[4:]: v for k, v in arrays.items() if k.startswith("opt/")}
    _check_arrays(path, trainer, params, best, state)
    buffers, best_buffers, dropout_rng = _read_layer_state(path, trainer, arrays, meta)
    rng = np.random.default_rng()
    try:
        rng.bit_generator.state = meta["rng"]
        history = History.from_dict(meta["history"])
        missing = {"loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"} - set(history.epoch)
        if missing or len({len(v) for v in history.epoch.values()}) > 1:
            raise ValueError(f"the history's epochs are incomplete ({sorted(missing)})")
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{path}: the run state is damaged ({type(exc).__name__}: {exc})") from None
    # everything checked: now load it into the trainer and its model
    trainer.model.set_params(params)
    if buffers:
        trainer.model.set_buffers(buffers)
    state["step"] = int(state["step"])
    trainer.state = state
    progress = _Progress_State(
        epoch=int(meta["epoch"]), rng=rng, history=history,
        best_params={k: v.astype(trainer.model.dtype) for k, v in best.items()},
        best_value=meta.get("best_value"), limit=meta.get("limit"), data=meta.get("data"),
        dropout_rng=dropout_rng, best_buffers=best_buffers,
    )
    return progress, meta.get("extra") or {}


def _layer_state_arrays(model, progress) -> dict[str, np.ndarray]:
    """A layer stack's buffers (running statistics) and those of the best epoch."""
    arrays = {f"buffer/{k}": v for k, v in getattr(model, "buffers", {}).items()}
    arrays.update({f"bestbuffer/{k}": v for k, v in progress.best_buffers.items()})
    return arrays


def _read_layer_state(path, trainer: "Trainer", arrays: dict, meta: dict):
    """``(buffers, best_buffers, dropout_rng)`` of a checkpoint, checked against the model.

    A checkpoint written before layer stacks has none of them: the model then
    has no buffers, and the dropout generator starts from the Trainer's seed.
    """
    model = trainer.model
    expected = getattr(model, "buffers", {})
    found = []
    for prefix in ("buffer/", "bestbuffer/"):
        values = {k[len(prefix):]: v for k, v in arrays.items() if k.startswith(prefix)}
        if set(values) != set(expected):
            raise ModelFileError(f"{path}: the checkpoint's buffers {sorted(values)} are not this model's {sorted(expected)}")
        for name, value in values.items():
            if value.shape != expected[name].shape or not np.issubdtype(value.dtype, np.floating) \
                    or not np.isfinite(value).all():
                raise ModelFileError(f"{path}: buffer {name!r} is damaged (shape {value.shape}, dtype {value.dtype})")
        found.append({k: v.astype(model.dtype) for k, v in values.items()})
    rng = np.random.default_rng([trainer.seed, 2])
    if "dropout_rng" in meta:
        try:
            rng.bit_generator.state = meta["dropout_rng"]
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            raise ModelFileError(f"{path}: the dropout generator's state is damaged ({exc})") from None
    return found[0], found[1], rng


def _check_arrays(path, trainer: "Trainer", params: dict, best: dict, state: dict) -> None:
    """The parameters, best parameters and optimiser state fit the model and optimiser."""
    model = trainer.model
    for what, arrays in (("parameters", params), ("best parameters", best)):
        if set(arrays) != set(model.params):
            raise ModelFileError(f"{path}: the checkpoint's {what} are not those of this model")
        for name, value in arrays.items():
            if value.shape != model.params[name].shape or not np.issubdtype(value.dtype, np.floating):
                raise ModelFileError(f"{path}: {what} {name!r} has shape {value.shape}, dtype {value.dtype}")
            if not np.isfinite(value).all():
                raise ModelFileError(f"{path}: {what} {name!r} contain NaN or infinity")
    expected = {k: v for k, v in trainer.optimizer.init(model.params).items() if not k.startswith("scratch/")}
    if set(state) != set(expected):
        raise ModelFileError(f"{path}: the optimiser state does not fit {trainer.optimizer!r}")
    step = state["step"]
    if step.shape != () or not np.issubdtype(step.dtype, np.integer) or int(step) < 0:
        raise ModelFileError(f"{path}: the optimiser's step count is damaged ({step!r})")
    for key, value in state.items():
        if key != "step" and (value.shape != expected[key].shape or value.dtype != expected[key].dtype):
            raise ModelFileError(f"{path}: optimiser state {key!r} has shape {value.shape}, dtype {value.dtype}")


def _check_meta(meta: dict, path) -> None:
    def number(v) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    checks = {
        "optimizer": isinstance(meta.get("optimizer"), dict),
        "epoch": isinstance(meta.get("epoch"), int) and not isinstance(meta.get("epoch"), bool) and meta["epoch"] >= 0,
        "rng": isinstance(meta.get("rng"), dict),
        "history": isinstance(meta.get("history"), dict),
        "best_value": meta.get("best_value") is None or number(meta.get("best_value")),
        "limit": meta.get("limit") is None or number(meta.get("limit")),
        "extra": meta.get("extra") is None or isinstance(meta.get("extra"), dict),
        "data": meta.get("data") is None or _data_ok(meta["data"]),  # None in checkpoints made before it
    }
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        raise ModelFileError(f"{path}: the checkpoint's {bad[0]!r} entry is damaged ({meta.get(bad[0])!r})")


def _data_ok(data) -> bool:
    def count(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    if not isinstance(data, dict) or set(data) != {"rows", "train_rows", "validation_split", "split_seed"}:
        return False
    split, seed = data["validation_split"], data["split_seed"]
    split_ok = (split is None and seed is None) or (
        isinstance(split, float) and 0 < split < 1 and isinstance(seed, int) and not isinstance(seed, bool))
    return count(data["rows"]) and count(data["train_rows"]) and split_ok


def _read(path: str | os.PathLike) -> tuple[dict[str, np.ndarray], dict]:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    return read_archive(path, "checkpoint", FORMAT_NAME, FORMAT_VERSION)
