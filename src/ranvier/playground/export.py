"""Downloads: the model file, the equivalent ``ranvier train`` command and Python code."""

from __future__ import annotations

import os
import tempfile

import numpy as np

from ..io import save_model
from .data import make_points
from .model import capabilities, optimizer_options, schedule_options

__all__ = ["model_bytes", "python_code", "train_command"]

_CLI_DATASETS = ("xor", "circles", "spirals", "blobs")


def model_bytes(session) -> bytes:
    """The session's network as a ranvier model file (``.npz``, read by :func:`ranvier.load_model`)."""
    summary = {"source": "ranvier playground", "epoch": session.epoch, "step": session.step,
               "settings": session.settings}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.npz")
        save_model(path, session.model, class_names=[f"class {k}" for k in range(session.model.n_outputs)],
                   summary=summary)
        with open(path, "rb") as f:
            return f.read()


def train_command(session) -> str:
    """The ``ranvier train`` command closest to the session, with what differs said in comments.

    ``ranvier train`` trains on its own copy of a named toy set (its size, noise
    and split), takes one activation for all layers and the raw coordinates only.
    """
    s = session.settings
    notes = []
    data = s["dataset"] if s["dataset"] in _CLI_DATASETS else "spirals"
    if data != s["dataset"]:
        notes.append(f"ranvier train has no {s['dataset']!r} data set; spirals stands in")
    else:
        notes.append(f"ranvier train draws its own {data} points (not this page's noise, size and split)")
    if len(set(s["activation"])) > 1:
        notes.append(f"one activation for every layer (the page has {', '.join(s['activation'])})")
    if s["features"] != ["x1", "x2"]:
        notes.append(f"the raw coordinates only (the page feeds {', '.join(s['features'])})")
    parts = ["ranvier train", f"--data {data}"]
    parts.append(f"--hidden {','.join(map(str, s['layers']))}" if s["layers"] else "--model linear")
    if s["activation"]:
        parts.append(f"--activation {s['activation'][0]}")
    opt = optimizer_options(s)
    parts += [f"--loss {s['loss']}", f"--reg {s['l2']:g}", f"--optimizer {s['optimizer']}", f"--lr {opt['lr']:g}"]
    if "momentum" in opt:
        parts.append(f"--momentum {opt['momentum']:g}")
    if s["schedule"] != "constant":
        parts += [f"--schedule {s['schedule'].replace('_', '-')}", f"--decay {s['decay']:g}"]
        if s["schedule"] == "step":
            parts.append(f"--decay-every {s['decay_every']}")
        if s["schedule"] == "cosine":
            notes.append(f"ranvier train's cosine runs over all --epochs (the page's over {s['decay_every']})")
    parts += _layer_options(s)
    parts += [f"--mode {s['mode']}", f"--batch-size {s['batch_size']}", f"--epochs {max(1, session.epoch)}",
              f"--seed {s['seed']}", "--no-restore-best"]
    lines = ["# the equivalent ranvier train command (ranvier playground)"] + [f"# note: {n}" for n in notes]
    return "\n".join(lines) + "\n" + " \\\n    ".join(parts) + "\n"


def _layer_options(s: dict) -> list[str]:
    """``--dropout`` and ``--batch-norm`` where this ranvier has them and the page uses them."""
    can, out = capabilities(), []
    if can["dropout"] and s["dropout"] > 0:
        out.append(f"--dropout {s['dropout']:g}")
    if can["batch_norm"] and s["batch_norm"]:
        out.append("--batch-norm")
    return out


def _model_extras(s: dict) -> str:
    can, out = capabilities(), ""
    if can["dropout"] and s["dropout"] > 0:
        out += f", dropout={s['dropout']!r}"
    if can["batch_norm"] and s["batch_norm"]:
        out += ", batch_norm=True"
    return out


def _data_code(session) -> list[str]:
    """Lines that build ``X, y, train`` exactly as the session holds them."""
    s, p = session.settings, session.points
    if s["dataset"] != "custom":
        fresh = make_points(s)
        if fresh.X.shape == p.X.shape and np.array_equal(fresh.X, p.X) and np.array_equal(fresh.train, p.train) \
                and np.array_equal(fresh.y, p.y):
            return _generated_code(s)
    return ["# the page's own points (drawn, edited or uploaded)",
            f"X = np.array({np.round(p.X.astype(np.float64), 7).tolist()!r}, dtype=np.float32)",
            f"y = np.array({p.y.tolist()!r})",
            f"train = np.array({p.train.tolist()!r})"]


def _generated_code(s: dict) -> list[str]:
    from .data import _NOISE_SCALE

    noise = s["noise"] * _NOISE_SCALE[s["dataset"]]
    rng = f"rng = np.random.default_rng({s['seed']})"
    name, n = s["dataset"], s["points"]
    call = {
        "xor": f"toy.make_xor({n}, noise={noise!r}, seed=rng)",
        "circles": f"toy.make_circles({n}, noise={noise!r}, seed=rng)",
        "spirals": f"toy.make_spirals({n}, n_classes={s['classes']}, noise={noise!r}, seed=rng)",
        "blobs": f"toy.make_blobs({n}, n_classes={s['classes']}, noise={noise!r}, seed=rng)",
    }.get(name)
    if call is None:  # the two gaussian clouds of the playground
        lines = [rng, f"y = np.arange({n}) % 2",
                 f"X = np.where(y[:, None] == 0, 2.0, -2.0) + {noise!r} * rng.standard_normal(({n}, 2))",
                 f"order = rng.permutation({n})", "X, y = X[order].astype(np.float32), y[order]"]
    else:
        lines = [rng, f"X, y = {call}"]
    return lines + ["train = np.zeros(len(y), dtype=bool)",
                    f"train[rng.permutation(len(y))[:max(1, round({s['ratio']!r} * len(y)))]] = True"]


_FEATURE_CODE = {"x1": "X[:, 0]", "x2": "X[:, 1]", "x1^2": "X[:, 0] ** 2", "x2^2": "X[:, 1] ** 2",
                 "x1*x2": "X[:, 0] * X[:, 1]", "sin(x1)": "np.sin(X[:, 0])", "sin(x2)": "np.sin(X[:, 1])"}


def python_code(session) -> str:
    """A Python script that trains the session's network on its data with ranvier, epoch for epoch."""
    s = session.settings
    n_out = session.model.n_outputs
    columns = ", ".join(_FEATURE_CODE[f] for f in s["features"])
    opt = ", ".join(f"{k}={v!r}" for k, v in optimizer_options(s).items())
    activation = s["activation"] or "relu"
    lines = [
        '"""The network of a ranvier playground session, trained with ranvier."""',
        "import numpy as np",
        "",
        "import ranvier",
        "from ranvier.datasets import toy",
        "",
        *_data_code(session),
        f"inputs = np.ascontiguousarray(np.column_stack([{columns}]), dtype=np.float32)",
        "X_train, y_train, X_test, y_test = inputs[train], y[train], inputs[~train], y[~train]",
        "",
        f"model = ranvier.MLP(({len(s['features'])}, {', '.join(map(str, s['layers']))}{', ' if s['layers'] else ''}"
        f"{n_out}), activation={activation!r}, loss={s['loss']!r}, reg={s['l2']!r}, seed={s['seed']}"
        f"{_model_extras(s)})",
        f"optimizer = ranvier.get_optimizer({s['optimizer']!r}, {opt})",
        f"schedule = {_schedule_code(s, len(session.y_train))}",
        f"trainer = ranvier.Trainer(model, optimizer, schedule=schedule, batch_size={s['batch_size']}, mode={s['mode']!r}, "
        f"epochs={max(1, session.epoch)}, seed={s['seed']}, restore_best=False, verbose=0, divergence_factor=1e6)",
        "history = trainer.fit(X_train, y_train)",
        "train_loss, train_accuracy = ranvier.evaluate(model, X_train, y_train)",
        "test_loss, test_accuracy = ranvier.evaluate(model, X_test, y_test)",
        'print(f"train loss {train_loss:.4f} accuracy {train_accuracy:.3f}; test loss {test_loss:.4f} '
        'accuracy {test_accuracy:.3f}")',
    ]
    return "\n".join(lines) + "\n"


def _schedule_code(s: dict, n_train: int) -> str:
    options = schedule_options(s, n_train)
    if options is None:
        return "None"
    return "ranvier.get_schedule(" + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"
