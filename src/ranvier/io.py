"""Model files: one ``.npz`` per model, arrays plus JSON metadata, never a pickle.

A model file is a NumPy ``.npz`` archive holding

* ``param/W1``, ``param/b1``, ...: the parameters;
* ``preprocess/<name>``: the fitted preprocessing arrays (the training mean, ...);
* ``metadata``: a UTF-8 JSON document stored as a ``uint8`` array, with the
  format name and version, the ranvier version, the architecture
  (``layer_sizes``, ``activation``, ``loss``, ``reg``, ``margin``, ``dtype``),
  the preprocessing steps, the class names, the image shape and a training
  summary.

Format version 2 holds a layer stack: an MLP with dropout or batch
normalisation (its architecture adds ``dropout`` and ``batch_norm``) or any
:class:`~ranvier.Sequential` (its architecture is a ``layers`` list of
``{"type": ..., settings}``), and its buffers as ``buffer/running_mean1``, ...
A plain MLP is still written as version 1, which every ranvier reads.

It is read with ``allow_pickle=False``, so opening a model file never runs
code.  It is written beside its destination and renamed into place, so a
crash leaves either the old file or the new one, never half a model.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._archive import ModelFileError, atomic_savez, read_archive
from ._arrayfile import ArrayFileError, NpyHeader, check_fits
from ._version import __version__
from .nn.mlp import MLP

__all__ = ["FORMAT_NAME", "FORMAT_VERSION", "ModelFileError", "SavedModel", "load_model", "save_model"]

FORMAT_NAME = "ranvier-model"
FORMAT_VERSION = 2  # the newest version written and read; plain MLPs are still written as version 1
_PARAM = "param/"
_PREP = "preprocess/"
_BUFFER = "buffer/"
_META = "metadata"


@dataclass
class SavedModel:
    """A model with what it needs to be used on new data.

    Attributes
    ----------
    model : MLP
    class_names : list of str or None
    preprocessing : Preprocessor or None
        Fitted on the training data; apply it to raw inputs before the model.
    image_shape : tuple of int or None
        Shape of one input image, e.g. (32, 32, 3), for pictures of templates.
    pixel_max : float or None
        The largest raw pixel value of the training images (255; 16 for
        digits): an image file, read as 0-255, is rescaled to it.
    summary : dict
        Training summary (accuracies, epochs, seconds, options, ...).
    metadata : dict
        The whole JSON document of the file.
    feature_names : list of str or None
        The input columns of a table the model was trained on, in the
        model's order (``ranvier predict rows.csv`` picks them by name).
    """

    model: MLP
    class_names: list[str] | None = None
    preprocessing: Any = None
    image_shape: tuple[int, ...] | None = None
    summary: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)
    pixel_max: float | None = None
    feature_names: list[str] | None = None

    def prepare(self, X: np.ndarray) -> np.ndarray:
        """Apply the saved preprocessing (if any) to raw inputs, flattening images."""
        X = np.asarray(X)
        if X.ndim > 2:
            X = X.reshape(len(X), -1)
        if self.preprocessing is not None:
            X = self.preprocessing.transform(X)
        return X.astype(self.model.dtype, copy=False)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class indices of raw inputs (preprocessed first)."""
        return self.model.predict(self.prepare(X))


def save_model(
    path: str | os.PathLike,
    model: MLP,
    *,
    class_names: list[str] | None = None,
    preprocessing: Any = None,
    image_shape: tuple[int, ...] | None = None,
    summary: dict | None = None,
    pixel_max: float | None = None,
    feature_names: list[str] | None = None,
) -> None:
    """Write a model file atomically.

    Parameters
    ----------
    path : str or path-like
        Destination, conventionally ending in ``.npz``; its folder must exist.
    model : MLP
    class_names : list of str, optional
        One name per output.
    preprocessing : Preprocessor, optional
        The fitted preprocessing of the training data.
    image_shape : tuple of int, optional
    summary : dict, optional
        JSON-friendly training summary.
    pixel_max : float, optional
        The largest raw pixel value of image inputs (255, or 16 for digits).
    feature_names : list of str, optional
        One name per input (the columns of a table).
    """
    if class_names is not None and len(class_names) != model.n_outputs:
        raise ValueError(f"class_names has {len(class_names)} names but the model has {model.n_outputs} outputs")
    if feature_names is not None and len(feature_names) != model.n_features:
        raise ValueError(f"feature_names has {len(feature_names)} names but the model takes {model.n_features} inputs")
    metadata = {
        "format": FORMAT_NAME,
        "format_version": _format_version(model),
        "ranvier_version": __version__,
        "architecture": model.get_config(),
        "class_names": None if class_names is None else [str(c) for c in class_names],
        "image_shape": None if image_shape is None else [int(s) for s in image_shape],
        "preprocessing": None if preprocessing is None else preprocessing.to_dict(),
        "summary": summary or {},
        "pixel_max": None if pixel_max is None else float(pixel_max),
    }
    if feature_names is not None:  # only when there are some: older readers see the file they know
        metadata["feature_names"] = [str(c) for c in feature_names]
    arrays = {_PARAM + k: v for k, v in model.params.items()}
    arrays.update(_buffer_arrays(model))
    if preprocessing is not None:
        arrays.update({_PREP + k: np.asarray(v) for k, v in preprocessing.get_arrays().items()})
    text = json.dumps(metadata, allow_nan=False)
    arrays[_META] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    atomic_savez(path, arrays)


def load_model(path: str | os.PathLike) -> SavedModel:
    """Read a model file written by :func:`save_model`.

    Raises
    ------
    FileNotFoundError
        When there is no such file.
    ModelFileError
        When the file is not a ranvier model file, is damaged or truncated, is
        of a newer format version, or its arrays do not match its architecture.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no model file at {path!r}; train one with 'ranvier train --out DIR'")
    arrays, metadata = read_archive(path, "model file", FORMAT_NAME, FORMAT_VERSION,
                                    check=lambda meta, headers: _check_declared_arrays(meta, headers, path))
    arch = metadata.get("architecture")
    if not isinstance(arch, dict):
        raise ModelFileError(f"{path}: the metadata has no architecture")
    if metadata.get("preprocessing") is not None and not isinstance(metadata["preprocessing"], dict):
        raise ModelFileError(f"{path}: the preprocessing entry is not a JSON object")
    try:
        model = _untrained_model(arch)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the architecture in the metadata is not valid ({exc})") from None
    params = {k[len(_PARAM):]: v for k, v in arrays.items() if k.startswith(_PARAM)}
    try:
        model.set_params(params)
    except ValueError as exc:
        raise ModelFileError(f"{path}: the parameters do not match the architecture: {exc}") from None
    _load_buffers(model, arrays, path)
    if not all(np.isfinite(p).all() for p in model.params.values()):
        raise ModelFileError(f"{path}: the parameters contain NaN or infinity")
    preprocessing = None
    if metadata.get("preprocessing") is not None:
        from .datasets.preprocessing import Preprocessor

        prep_arrays = {k[len(_PREP):]: v for k, v in arrays.items() if k.startswith(_PREP)}
        try:
            preprocessing = Preprocessor.from_dict(metadata["preprocessing"], prep_arrays)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelFileError(f"{path}: the preprocessing in the file is not valid ({exc})") from None
    return SavedModel(
        model=model,
        class_names=_class_names(metadata.get("class_names"), model, path),
        preprocessing=preprocessing,
        image_shape=_image_shape(metadata.get("image_shape"), model, path),
        summary=_summary(metadata.get("summary"), path),
        metadata=metadata,
        pixel_max=_pixel_max(metadata.get("pixel_max"), path),
        feature_names=_feature_names(metadata.get("feature_names"), model, path),
    )


def _implied_shapes(arch, path: str) -> dict[str, tuple[int, ...]]:
    """``W1`` (h_1, n), ``b1`` (h_1,), ... of an MLP architecture, checked without allocating it."""
    if not isinstance(arch, dict):
        raise ModelFileError(f"{path}: the metadata has no architecture")
    sizes = arch.get("layer_sizes")
    if not isinstance(sizes, list) or not all(type(s) is int for s in sizes):
        raise ModelFileError(f"{path}: the architecture in the metadata is not valid (layer_sizes must be a list "
                             f"of integers, got {str(sizes)[:60]})")
    small = [2] * len(sizes) if all(s > 0 for s in sizes) else sizes  # a bad size is refused before allocating
    try:  # every other field checked by building the same network at a tiny size
        _mlp_of(arch, small)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the architecture in the metadata is not valid ({exc})") from None
    shapes = {}
    for k in range(1, len(sizes)):
        shapes[f"W{k}"], shapes[f"b{k}"] = (sizes[k], sizes[k - 1]), (sizes[k],)
    return shapes


_MAX_LAYERS = 10_000
_SIZE_KEYS = ("n_in", "n_out", "n")


def _stack_shapes(arch: dict, path: str) -> tuple[dict, dict]:
    """Parameter and buffer shapes of a ``layers`` architecture (names as :class:`ranvier.Sequential` gives
    them), its other fields checked by building the same stack with every size 2."""
    specs = arch.get("layers")
    if not isinstance(specs, list) or not 0 < len(specs) <= _MAX_LAYERS or not all(isinstance(x, dict) for x in specs):
        raise ModelFileError(f"{path}: the architecture's layers must be a list of at most {_MAX_LAYERS} JSON objects")
    params, buffers, tiny, k = {}, {}, [], 0
    for spec in specs:
        sizes = {key: spec[key] for key in _SIZE_KEYS if key in spec}
        if not all(type(v) is int and v > 0 for v in sizes.values()):
            raise ModelFileError(f"{path}: a layer's sizes must be positive integers, got {str(spec)[:80]}")
        tiny.append({**spec, **{key: 2 for key in sizes}})
        kind = spec.get("type")
        if kind == "linear":
            k += 1
            params[f"W{k}"], params[f"b{k}"] = (spec["n_out"], spec["n_in"]), (spec["n_out"],)
        elif kind == "batchnorm" and "n" in spec:
            params[f"gamma{k}"] = params[f"beta{k}"] = (spec["n"],)
            buffers[f"running_mean{k}"] = buffers[f"running_var{k}"] = (spec["n"],)
        elif kind == "layernorm" and "n" in spec:
            params[f"ln_gamma{k}"] = params[f"ln_beta{k}"] = (spec["n"],)
    try:
        from .nn import from_config

        from_config({**arch, "layers": tiny})
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the architecture in the metadata is not valid ({exc})") from None
    return params, buffers


def _implied_arrays(arch, path: str) -> tuple[dict, dict]:
    """``(parameter shapes, buffer shapes)`` that an architecture implies, without allocating it."""
    if isinstance(arch, dict) and "layers" in arch:
        return _stack_shapes(arch, path)
    params, buffers = _implied_shapes(arch, path), {}
    if arch.get("batch_norm"):  # MLP(batch_norm=True): after each hidden Linear layer
        for k, n in enumerate(arch["layer_sizes"][1:-1], start=1):
            params[f"gamma{k}"] = params[f"beta{k}"] = (n,)
            buffers[f"running_mean{k}"] = buffers[f"running_var{k}"] = (n,)
    return params, buffers


def _match(kind: str, implied: dict, headers: dict[str, NpyHeader], prefix: str, path: str) -> None:
    """The arrays under ``prefix`` are exactly those ``implied``, of those shapes."""
    words = {"params": "parameters", "buffers": "running statistics"}
    declared = {n[len(prefix):]: h.shape for n, h in headers.items() if n.startswith(prefix)}
    missing, extra = set(implied) - set(declared), set(declared) - set(implied)
    if missing or extra:
        raise ModelFileError(f"{path}: the {words[kind]} do not match the architecture: {kind} must have exactly the "
                             f"keys {sorted(implied)}; missing {sorted(missing)}, unexpected {sorted(extra)[:10]}")
    for name, shape in implied.items():
        if declared[name] != shape:
            raise ModelFileError(f"{path}: the {words[kind]} do not match the architecture: {kind}[{name!r}] must have "
                                 f"shape {shape}, got {declared[name]}; nothing was loaded")


def _check_declared_arrays(metadata: dict, headers: dict[str, NpyHeader], path: str) -> None:
    """Before any array is read: a valid architecture, arrays of its shapes in floating point, room for them."""
    for name, header in headers.items():
        if name.startswith((_PARAM, _PREP, _BUFFER)) and header.dtype.kind != "f":
            raise ModelFileError(f"{path}: array {name!r} has dtype {header.dtype}; it must be floating point")
    arch = metadata.get("architecture")
    if not isinstance(arch, dict) or not ("layer_sizes" in arch or "layers" in arch):
        return  # load_model says what is wrong
    params, buffers = _implied_arrays(arch, path)
    _match("params", params, headers, _PARAM, path)
    _match("buffers", buffers, headers, _BUFFER, path)
    # the model is built (float64 at most) and the file's arrays copied into it: twice its arrays
    need = 2 * 8 * sum(math.prod(shape) for shape in (*params.values(), *buffers.values()))
    try:
        check_fits(need, f"the model of {len(params)} parameter arrays")
    except ArrayFileError as exc:
        raise ModelFileError(f"{path}: {exc}") from None


# ------------------------------------------------------- layer stacks (format version 2)


def _format_version(model) -> int:
    """1 for a plain MLP (the files every ranvier reads), 2 for a layer stack."""
    plain = isinstance(model, MLP) and getattr(model, "_fused", True) and not getattr(model, "buffers", None)
    return 1 if plain else 2


def _buffer_arrays(model) -> dict[str, np.ndarray]:
    return {_BUFFER + k: v for k, v in getattr(model, "buffers", {}).items()}


def _untrained_model(arch: dict):
    """The untrained model of an architecture: a layer stack (its ``layers``) or an MLP."""
    if "layers" in arch:
        from .nn import from_config

        return from_config(arch)
    return _mlp_of(arch, arch["layer_sizes"])


def _mlp_of(arch: dict, layer_sizes) -> MLP:
    """The untrained MLP of ``layer_sizes`` with the other fields of an MLP architecture
    (``dropout`` and ``batch_norm`` are absent from a version-1 file: none)."""
    return MLP(layer_sizes, activation=arch["activation"] or (), loss=arch["loss"], reg=arch.get("reg", 0.0),
               margin=arch.get("margin", 1.0), dtype=arch.get("dtype", "float32"), seed=0,
               dropout=arch.get("dropout", 0.0), batch_norm=arch.get("batch_norm", False))


def _load_buffers(model, arrays: dict[str, np.ndarray], path: str) -> None:
    """Load the running statistics into a loaded layer stack, and set it to evaluation mode."""
    model.eval()
    buffers = {k[len(_BUFFER):]: v for k, v in arrays.items() if k.startswith(_BUFFER)}
    if not buffers and not getattr(model, "buffers", None):
        return
    try:
        model.set_buffers(buffers)
    except (ValueError, AttributeError) as exc:
        raise ModelFileError(f"{path}: the buffers do not match the architecture: {exc}") from None
    if not all(np.isfinite(b).all() for b in model.buffers.values()) or (model.buffers and min(
            float(v.min()) for k, v in model.buffers.items() if k.startswith("running_var")) < 0):
        raise ModelFileError(f"{path}: the running statistics contain NaN, infinity or a negative variance")


def _pixel_max(value, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e6:
        raise ModelFileError(f"{path}: pixel_max must be a positive number, got {value!r}")
    return float(value)


def _class_names(names, model: MLP, path: str) -> list[str] | None:
    if names is None:
        return None
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or len(names) != model.n_outputs:
        raise ModelFileError(f"{path}: class_names must be {model.n_outputs} strings, got {names!r}")
    return names


def _feature_names(names, model: MLP, path: str) -> list[str] | None:
    if names is None:
        return None
    ok = isinstance(names, list) and all(isinstance(n, str) and 0 < len(n) <= 200 for n in names)
    if not ok or len(names) != model.n_features or len(set(names)) != len(names):
        raise ModelFileError(f"{path}: feature_names must be {model.n_features} distinct strings, got "
                             f"{str(names)[:80]!r}")
    return names


def _image_shape(shape, model: MLP, path: str) -> tuple[int, ...] | None:
    if shape is None:
        return None
    ok = isinstance(shape, list) and all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in shape)
    if not ok or int(np.prod(shape)) != model.n_features:
        raise ModelFileError(f"{path}: image_shape {shape!r} does not match the model's {model.n_features} inputs")
    return tuple(shape)


def _count(v) -> bool:
    return type(v) is int and 0 <= v < 2**63


def _fraction(v) -> bool:
    return type(v) in (int, float) and 0 <= v <= 1


# the fields of a training summary that ranvier reads back (info, evaluate), and what each must be
_SUMMARY_FIELDS = {
    "data": lambda v: isinstance(v, str), "model": lambda v: isinstance(v, str),
    "num_params": _count, "epochs": _count, "best_epoch": lambda v: _count(v) and v >= 1,
    "n_train": _count, "n_val": _count, "n_test": _count,
    "train_accuracy": _fraction, "val_accuracy": _fraction, "test_accuracy": _fraction,
    "seconds": lambda v: type(v) in (int, float) and 0 <= v < 1e12,
    "seed": lambda v: type(v) is int and abs(v) < 2**63,
    "stopped_reason": lambda v: isinstance(v, str), "diverged": lambda v: isinstance(v, bool),
    "options": lambda v: isinstance(v, dict), "finished_at": lambda v: isinstance(v, str),
}
# options that evaluate reads back to rebuild the data split
_OPTION_FIELDS = {
    "data": lambda v: isinstance(v, str), "data_dir": lambda v: isinstance(v, str),
    "val_split": lambda v: type(v) in (int, float) and v >= 0, "seed": lambda v: type(v) is int and abs(v) < 2**63,
    "n_train": lambda v: type(v) is int and v >= 1,
}


def _summary(summary, path: str) -> dict:
    """The training summary, each field ranvier reads back of the right type (None: not recorded)."""
    if summary is None:
        return {}
    if not isinstance(summary, dict):
        raise ModelFileError(f"{path}: the training summary is not a JSON object")
    for fields, where in ((_SUMMARY_FIELDS, summary), (_OPTION_FIELDS, summary.get("options") or {})):
        for key, ok in fields.items():
            value = where.get(key)
            if value is not None and not ok(value):
                prefix = "" if where is summary else "options."
                raise ModelFileError(f"{path}: the training summary's {prefix}{key} is not valid "
                                     f"({type(value).__name__} {str(value)[:40]!r})")
    if summary.get("seconds", 0) is None:
        raise ModelFileError(f"{path}: the training summary's seconds is null; it must be a number")
    return summary
