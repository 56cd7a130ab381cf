"""One browser tab's playground: its data, network, trainer and curves.

A :class:`Session` is changed by the server's requests (settings, points, play,
step, reset) and read by its event stream (:meth:`Session.frame`).  It trains
with ranvier's public API only (:class:`ranvier.MLP`, :class:`ranvier.Trainer`,
:func:`ranvier.evaluate`).  A lock serialises the two, since the stream trains
in a worker thread while requests arrive.
"""

from __future__ import annotations

import secrets
import threading
import time
import warnings

import numpy as np

from .. import DivergenceWarning, evaluate
from . import frames
from .data import MAX_CLASSES, Points, make_points, parse_csv
from .data import features as feature_columns
from .model import build_model, build_trainer, capabilities
from .settings import SettingsError, check_settings

__all__ = ["Session"]

_DATA_KEYS = ("dataset", "classes", "noise", "ratio", "points", "seed")
_MODEL_KEYS = ("layers", "activation", "loss", "l2", "dropout", "batch_norm", "features")
_OPTIM_KEYS = ("optimizer", "lr", "momentum", "mode", "batch_size", "schedule", "decay", "decay_every")
_CURVES = ("epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy")


class Session:
    """The state of one playground tab.

    Parameters
    ----------
    settings : dict, optional
        A partial settings update over the defaults (see :mod:`.settings`).
    """

    def __init__(self, settings: dict | None = None) -> None:
        self.id = secrets.token_urlsafe(12)
        self.lock = threading.RLock()
        self.settings = check_settings(settings or {})
        self.points = self._generate()
        self.playing = False
        self.message = ""
        self.data_version = 0
        self.version = 0  # bumped on every change; the stream sends a frame when it moves
        self.last_seen = time.monotonic()
        self.streams = 0
        self.reset()

    # ----------------------------------------------------------- changes
    def reset(self) -> None:
        """A fresh network (from the seed) and empty curves; the data stay."""
        with self.lock:
            n_in = len(self.settings["features"])
            self.model = build_model(self.settings, n_in, self.n_classes)
            self._split_features()
            self.trainer = build_trainer(self.settings, self.model, len(self.y_train))
            self.epoch = 0
            self.step = 0
            self.curves = {k: [] for k in _CURVES}
            self._record()
            self._changed()

    @property
    def n_classes(self) -> int:
        return max(2, self.points.n_classes)

    def update(self, update: dict) -> None:
        """Apply a settings update: new data and network, a new network, or a new optimiser.

        Raises
        ------
        SettingsError
            Nothing changes when a value cannot be used.
        """
        with self.lock:
            regenerates = isinstance(update, dict) and any(k in update for k in _DATA_KEYS) and \
                update.get("dataset", self.settings["dataset"]) != "custom"
            # the size check counts the classes of the data the network will see
            new = check_settings(update, self.settings, n_classes=None if regenerates else self.n_classes)
            old, self.settings = self.settings, new
            try:
                self._apply(old, new)
            except (ValueError, TypeError) as exc:
                self.settings = old
                self._apply(new, old)
                raise SettingsError(next(iter(update), "settings"), str(exc)) from None

    def _apply(self, old: dict, new: dict) -> None:
        changed = {k for k in new if new[k] != old[k]}
        if changed & set(_DATA_KEYS):
            if new["dataset"] != "custom":
                self.points = self._generate()
                self.data_version += 1
            elif changed & {"ratio", "seed"}:
                self._resplit()
        if changed & (set(_DATA_KEYS) | set(_MODEL_KEYS)):
            self.reset()
        elif changed & set(_OPTIM_KEYS):
            self.trainer = build_trainer(self.settings, self.model, len(self.y_train))
        self.message = ""
        self._changed()

    def _generate(self) -> Points:
        if self.settings["dataset"] != "custom":
            return make_points(self.settings)
        if hasattr(self, "points"):  # nothing uploaded: go on from the current points
            return self.points
        return make_points(dict(self.settings, dataset="circles"))  # a link to custom data holds no points

    def _resplit(self) -> None:
        rng = np.random.default_rng(self.settings["seed"])
        n = len(self.points.y)
        mask = np.zeros(n, dtype=bool)
        mask[rng.permutation(n)[: max(1, round(self.settings["ratio"] * n))]] = True
        self.points.train = mask
        self.data_version += 1

    def apply_preset(self, preset: dict) -> None:
        """Pause, take the preset's settings, start a fresh network (with its hand-set weights, if any)."""
        with self.lock:
            self.playing = False
            self.update(preset.get("settings", {}))
            self.reset()
            if "params" in preset:
                self.model.set_params({k: np.asarray(v, dtype=self.model.dtype) for k, v in preset["params"].items()})
                self.curves = {k: [] for k in _CURVES}
                self._record()
            self.message = ""
            self._changed()

    def load_csv(self, text: str) -> None:
        """Replace the data by a CSV upload of ``x1, x2, label`` (see :func:`.data.parse_csv`)."""
        with self.lock:
            points = parse_csv(text, self.settings)
            check_settings({}, self.settings, n_classes=max(2, points.n_classes))
            self.points = points
            self.settings = dict(self.settings, dataset="custom")
            self.data_version += 1
            self.playing = False
            self.reset()

    def add_point(self, x1: float, x2: float, label: int) -> None:
        """Add a training point of class ``label`` at ``(x1, x2)``."""
        with self.lock:
            if not 0 <= label < MAX_CLASSES:
                raise ValueError(f"label must be a class from 0 to {MAX_CLASSES - 1}, got {label}")
            self.points.add(x1, x2, label)
            self._data_edited()

    def remove_point(self, x1: float, x2: float) -> int:
        """Remove the point nearest ``(x1, x2)`` within 3 % of the window; how many went."""
        with self.lock:
            low, high = self.points.window()
            removed = self.points.remove_near(x1, x2, 0.03 * (high - low))
            if removed:
                self._data_edited()
            return removed

    def _data_edited(self) -> None:
        self.data_version += 1
        if self.points.n_classes > self.model.n_outputs:
            self.reset()  # a new class needs a new output layer
        else:
            self._split_features()
            self._changed()

    def set_playing(self, playing: bool) -> None:
        with self.lock:
            self.playing = bool(playing)
            self._changed()

    def _changed(self) -> None:
        self.version += 1

    # ----------------------------------------------------------- training
    def _split_features(self) -> None:
        X_tr, self.y_train, X_te, self.y_test = self.points.split()
        names = self.settings["features"]
        self.X_train = feature_columns(X_tr, names)
        self.X_test = feature_columns(X_te, names)

    def train(self, seconds: float = 0.05, max_epochs: int | None = None) -> int:
        """Train whole epochs for about ``seconds`` (at least one); returns the epochs run.

        Stops, pauses and says why in :attr:`message` when training cannot go on
        (the loss diverged, a single class left to learn).
        """
        with self.lock:
            tic, done = time.perf_counter(), 0
            while done == 0 or time.perf_counter() - tic < seconds:
                if max_epochs is not None and done >= max_epochs:
                    break
                if not self._train_epoch():
                    break
                done += 1
            self._changed()
            return done

    def _train_epoch(self) -> bool:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", DivergenceWarning)  # said on the page instead
                history = self.trainer.fit(self.X_train, self.y_train)
        except ValueError as exc:
            self._stop(f"training stopped: {exc}")
            return False
        self.epoch += 1
        self.step += len(history.step_loss)
        self._record()
        if history.diverged or not np.isfinite(self.curves["train_loss"][-1]):
            said = next((str(w.message) for w in caught if issubclass(w.category, DivergenceWarning)), "the loss blew up")
            self._stop(f"{said}; then press reset")
            return False
        return True

    def _stop(self, message: str) -> None:
        self.playing = False
        self.message = message

    def _record(self) -> None:
        train_loss, train_acc = evaluate(self.model, self.X_train, self.y_train)
        test_loss, test_acc = (evaluate(self.model, self.X_test, self.y_test) if len(self.y_test)
                               else (None, None))
        for key, value in zip(_CURVES, (self.epoch, train_loss, test_loss, train_acc, test_acc)):
            self.curves[key].append(value)

    # ----------------------------------------------------------- reading
    def frame(self, *, with_points: bool = True) -> dict:
        """Everything the page draws, as JSON-ready values (see :mod:`.frames`)."""
        with self.lock:
            return frames.frame(self, with_points=with_points)

    def capabilities(self) -> dict:
        return capabilities()

