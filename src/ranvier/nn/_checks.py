"""Checks shared by the networks: inputs, widths that chain, replaced arrays."""

from __future__ import annotations

import numpy as np

from .._validation import all_finite, file_mapping
from .init import weight_layout

__all__ = ["check_inputs"]


def _chain_widths(layers: list) -> list[int]:
    """``[n_in, width after layer 1, ...]``; raises ValueError where widths do not chain."""
    first = next((layer.input_width for layer in layers if layer.input_width is not None), None)
    if first is None:
        raise ValueError("layers must include a layer of known width, such as Linear(n_in, n_out)")
    widths = [first]
    for i, layer in enumerate(layers):
        if layer.input_width is not None and layer.input_width != widths[-1]:
            raise ValueError(f"layers[{i}] ({layer!r}) takes inputs of width {layer.input_width}, "
                             f"but the layers before it give width {widths[-1]}")
        widths.append(layer.output_width(widths[-1]))
    return widths


def _replaced(current: dict, new: dict, dtype, what: str) -> dict:
    missing, extra = set(current) - set(new), set(new) - set(current)
    if missing or extra:
        raise ValueError(f"{what} must have exactly the keys {sorted(current)}; "
                         f"missing {sorted(missing)}, unexpected {sorted(extra)}")
    out = {}
    for name in current:
        arr = np.array(new[name], dtype=dtype)
        if arr.shape != current[name].shape:
            raise ValueError(f"{what}[{name!r}] must have shape {current[name].shape}, got {arr.shape}")
        out[name] = weight_layout(arr) if arr.ndim == 2 else arr
    return out


def check_inputs(X, n_features: int, dtype, name: str = "X") -> np.ndarray:
    """``X`` as a checked 2-D array of ``dtype`` with ``n_features`` columns, or a clear error."""
    dt = np.dtype(dtype).name
    if isinstance(X, np.ndarray) and file_mapping(X) is not None and X.dtype != np.dtype(dtype):
        # converting would read the whole file into memory: say so instead
        raise TypeError(
            f"{name} is a memory-mapped {X.dtype} array; a {dt} model streams only {dt} files. Convert it once, "
            f"chunk by chunk, into a {dt} .npy (numpy.lib.format.open_memmap) and load that with mmap_mode='r'"
        )
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (m, {n_features}), one row per example, "
            f"got shape {arr.shape}; flatten images with {name}.reshape(len({name}), -1)"
        )
    if arr.shape[1] != n_features:
        raise ValueError(f"{name} has {arr.shape[1]} features per row but this model takes {n_features}; "
                         "pass data of the width the model was built for")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is empty; pass at least one example")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_) or np.iscomplexobj(arr):
        raise TypeError(f"{name} must be a real numeric array, got dtype {arr.dtype}")
    arr = arr.astype(dtype, copy=False)
    if not all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinity; clean or impute the data first")
    return arr
