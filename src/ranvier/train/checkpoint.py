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
import math
import os
from typing import TYPE_CHECKING

import numpy as np

from .._archive import ModelFileError, atomic_savez, json_safe, read_archive, read_archive_metadata
from .._history_check import history_problem
from .history import History
from .state import RunState

if TYPE_CHECKING:  # for the annotations only: the Trainer imports this module
    from .trainer import Trainer

__all__ = ["read_checkpoint", "write_checkpoint"]

FORMAT_NAME = "ranvier-checkpoint"
FORMAT_VERSION = 1


def write_checkpoint(path: str | os.PathLike, trainer: "Trainer", progress: "RunState", extra: dict) -> None:
    """Write ``trainer``'s run state to ``path`` (see the module docstring)."""
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
        "extra": json_safe(extra),
    }
    if progress.dropout_rng is not None:
        metadata["dropout_rng"] = progress.dropout_rng.bit_generator.state
    states = {type(cb).__name__: cb.state_dict() for cb in trainer.callbacks if hasattr(cb, "state_dict")}
    if states:  # callbacks that carry state from epoch to epoch (ReduceLROnPlateau), and the rate they set
        metadata["callbacks"] = json_safe(states)
        metadata["lr"] = float(trainer.optimizer.lr)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode("utf-8"), dtype=np.uint8)
    atomic_savez(path, arrays)


def read_metadata(path: str | os.PathLike) -> dict:
    """The JSON metadata of a checkpoint (its ``extra`` holds the caller's data); no array is read."""
    path = _existing(path)
    meta = read_archive_metadata(path, "checkpoint", FORMAT_NAME, FORMAT_VERSION)
    _check_meta(meta, path)
    return meta


def read_checkpoint(path: str | os.PathLike, trainer: "Trainer") -> tuple["RunState", dict]:
    """Load a checkpoint into ``trainer`` (model parameters and optimiser state).

    Everything is checked before the trainer is touched, and the declared
    shapes and dtypes of the arrays before any of them is read.

    Returns
    -------
    progress : the run state to continue from
    extra : dict
        The caller's data stored with the checkpoint.

    Raises
    ------
    ModelFileError
        The file is not a checkpoint of this model and optimiser, or a field
        is damaged (the message names it).
    """
    path = _existing(path)
    arrays, meta = read_archive(path, "checkpoint", FORMAT_NAME, FORMAT_VERSION,
                                check=lambda meta, headers: _check_declared(meta, headers, path, trainer))
    params = {k[6:]: v for k, v in arrays.items() if k.startswith("param/")}
    best = {k[5:]: v for k, v in arrays.items() if k.startswith("best/")}
    state = {k[4:]: v for k, v in arrays.items() if k.startswith("opt/")}
    _check_arrays(path, trainer, params, best, state)
    buffers, best_buffers, dropout_rng = _read_layer_state(path, trainer, arrays, meta)
    rng = np.random.default_rng()
    try:
        rng.bit_generator.state = meta["rng"]
        history = History.from_dict(meta["history"])
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ModelFileError(f"{path}: the run state is damaged ({type(exc).__name__}: {exc})") from None
    # everything checked: now load it into the trainer and its model
    trainer.model.set_params(params)
    if buffers:
        trainer.model.set_buffers(buffers)
    state["step"] = int(state["step"])
    trainer.state = state
    progress = RunState(
        epoch=int(meta["epoch"]), rng=rng, history=history,
        best_params={k: v.astype(trainer.model.dtype) for k, v in best.items()},
        best_value=meta.get("best_value"), limit=meta.get("limit"), data=meta.get("data"),
        dropout_rng=dropout_rng, best_buffers=best_buffers,
        callback_state=meta.get("callbacks") or {}, lr=meta.get("lr"),
    )
    return progress, meta.get("extra") or {}


def _check_declared(meta: dict, headers: dict, path: str, trainer: "Trainer") -> None:
    """Before any array is read: the metadata, and arrays of the names, shapes and dtypes the trainer needs."""
    _check_meta(meta, path)
    if meta.get("architecture") != trainer.model.get_config():
        raise ModelFileError(
            f"{path}: the checkpoint is of {str(meta.get('architecture'))[:200]}, not of this model "
            f"{trainer.model.get_config()}"
        )
    if meta["optimizer"].get("name") != trainer.optimizer.get_config()["name"]:
        raise ModelFileError(f"{path}: the checkpoint was made with optimizer {str(meta.get('optimizer'))[:200]}, "
                             f"not {trainer.optimizer!r}")
    epochs = getattr(trainer, "epochs", None)
    if type(epochs) is int and meta["epoch"] > epochs:
        raise ModelFileError(f"{path}: the checkpoint's 'epoch' entry ({meta['epoch']}) is past the run's end "
                             f"({epochs} epochs)")
    model = trainer.model
    wanted = {f"{group}/{k}": v.shape for group in ("param", "best") for k, v in model.params.items()}
    wanted.update({f"{group}/{k}": v.shape for group in ("buffer", "bestbuffer")
                   for k, v in getattr(model, "buffers", {}).items()})
    for name, shape in wanted.items():
        header = headers.get(name)
        if header is None:
            raise ModelFileError(f"{path}: the checkpoint lacks {name!r} of this model")
        if header.shape != shape or header.dtype.kind != "f":
            raise ModelFileError(f"{path}: {name!r} has shape {header.shape}, dtype {header.dtype}; this model's is "
                                 f"{shape}, floating point")
    step = headers.get("opt/step")
    if step is not None and (step.shape != () or step.dtype.kind not in "iu"):
        raise ModelFileError(f"{path}: the optimiser's step count is damaged: 'opt/step' must be one integer, "
                             f"got shape {step.shape}, dtype {step.dtype}")
    others = [n for n in headers if n != "metadata" and n not in wanted and not n.startswith("opt/")]
    if others:
        raise ModelFileError(f"{path}: the checkpoint holds arrays {sorted(others)[:5]} that are not of this run")


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
    if step.shape != () or not np.issubdtype(step.dtype, np.integer) or not 0 <= int(step) < 2**63:
        raise ModelFileError(f"{path}: the optimiser's step count is damaged ('opt/step' {step!r}); it must be an "
                             "integer from 0 to 2**63 - 1")
    for key, value in state.items():
        if key != "step" and (value.shape != expected[key].shape or value.dtype != expected[key].dtype):
            raise ModelFileError(f"{path}: optimiser state {key!r} has shape {value.shape}, dtype {value.dtype}")


def _check_meta(meta: dict, path) -> None:
    """Each metadata field of the right type; the first wrong one is named."""
    def number(v) -> bool:  # infinity is a threshold that never trips (divergence_factor=inf); NaN is damage
        return (type(v) is float and not math.isnan(v)) or (type(v) is int and abs(v) < 2**1023)

    epoch = meta.get("epoch")
    checks = {
        "optimizer": isinstance(meta.get("optimizer"), dict),
        "epoch": type(epoch) is int and 0 <= epoch < 2**63,
        "rng": isinstance(meta.get("rng"), dict),
        "history": isinstance(meta.get("history"), dict),
        "best_value": meta.get("best_value") is None or number(meta.get("best_value")),
        "limit": meta.get("limit") is None or number(meta.get("limit")),
        "extra": meta.get("extra") is None or isinstance(meta.get("extra"), dict),
        "data": meta.get("data") is None or _data_ok(meta["data"]),  # None in checkpoints made before it
        "callbacks": meta.get("callbacks") is None or (isinstance(meta["callbacks"], dict) and all(
            isinstance(v, dict) for v in meta["callbacks"].values())),
        "lr": meta.get("lr") is None or (number(meta["lr"]) and meta["lr"] > 0),
    }
    bad = [k for k, ok in checks.items() if not ok]
    if bad:
        raise ModelFileError(f"{path}: the checkpoint's {bad[0]!r} entry is damaged ({str(meta.get(bad[0]))[:80]!r})")
    problem = history_problem(meta["history"])
    if problem:
        raise ModelFileError(f"{path}: the checkpoint's 'history' entry is damaged: {problem}")
    if len(meta["history"]["epoch"]["loss"]) != epoch:
        raise ModelFileError(f"{path}: the checkpoint's 'epoch' entry ({epoch}) does not match its history "
                             f"({len(meta['history']['epoch']['loss'])} epochs)")
    if meta["optimizer"].get("name") is not None and not isinstance(meta["optimizer"].get("name"), str):
        raise ModelFileError(f"{path}: the checkpoint's 'optimizer.name' entry is not a string")


def _data_ok(data) -> bool:
    def count(v) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    if not isinstance(data, dict) or set(data) != {"rows", "train_rows", "validation_split", "split_seed"}:
        return False
    split, seed = data["validation_split"], data["split_seed"]
    split_ok = (split is None and seed is None) or (
        isinstance(split, float) and 0 < split < 1 and isinstance(seed, int) and not isinstance(seed, bool))
    return count(data["rows"]) and count(data["train_rows"]) and split_ok


def _existing(path: str | os.PathLike) -> str:
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no checkpoint at {path!r}")
    return path
