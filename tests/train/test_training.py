import inspect
import json
import math

import numpy as np
import pytest

from ranvier import MLP, DivergenceWarning
from ranvier.optim import SGD, Adam, StepDecay
from ranvier.train import Callback, History, Trainer, evaluate


def _blobs(m=300, n=5, c=3, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3, size=(c, n))
    y = rng.integers(0, c, size=m)
    X = (centres[y] + rng.normal(size=(m, n))).astype(dtype)
    return X, y


def test_minibatch_training_learns_and_records_history():
    X, y = _blobs()
    net = MLP((5, 16, 3), seed=0)
    h = Trainer(net, "sgd", lr=0.1, batch_size=32, epochs=5, verbose=0).fit(X, y)
    assert h.n_epochs == 5
    assert len(h.step_loss) == 5 * math.ceil(300 / 32)
    assert h.epoch["loss"][-1] < h.epoch["loss"][0]
    assert h.epoch["accuracy"][-1] > 0.9
    assert h.epoch["val_loss"] == [None] * 5
    assert h.epoch["lr"] == [0.1] * 5
    assert (net.predict(X) == y).mean() > 0.9
    assert h.stopped_reason.startswith("finished 5 epochs")


def test_epoch_loss_is_the_mean_of_the_batch_losses():
    X, y = _blobs(m=100)
    h = Trainer(MLP((5, 3), seed=0), "sgd", lr=0.01, batch_size=30, epochs=1, verbose=0).fit(X, y)
    sizes = [30, 30, 30, 10]
    expected = sum(l * k for l, k in zip(h.step_loss, sizes)) / 100
    assert h.epoch["loss"][0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("mode", "steps"), [("batch", 1), ("minibatch", 4), ("stochastic", 100)])
def test_the_lectures_three_modes(mode, steps):
    X, y = _blobs(m=100)
    h = Trainer(MLP((5, 3), seed=0), "sgd", lr=0.01, mode=mode, batch_size=25, epochs=2, verbose=0).fit(X, y)
    assert len(h.step_loss) == 2 * steps


def test_batch_mode_is_plain_gradient_descent():
    X, y = _blobs(m=50, dtype=np.float64)
    net = MLP((5, 4, 3), activation="tanh", seed=1, dtype=np.float64)
    ref = net.copy()
    Trainer(net, "sgd", lr=0.05, mode="batch", epochs=3, verbose=0, restore_best=False).fit(X, y)
    for _ in range(3):
        _, grads = ref.loss_and_grads(X, y)
        for k in ref.params:
            ref.params[k] -= 0.05 * grads[k]
    for k in net.params:
        np.testing.assert_allclose(net.params[k], ref.params[k], rtol=1e-14, atol=1e-15)


def test_same_seed_same_run_and_different_seed_differs():
    X, y = _blobs()

    def run(seed):
        net = MLP((5, 8, 3), seed=0)
        Trainer(net, "adam", lr=1e-2, batch_size=20, epochs=2, seed=seed, verbose=0).fit(X, y)
        return net.get_flat_params()

    np.testing.assert_array_equal(run(1), run(1))
    assert not np.array_equal(run(1), run(2))


def test_float32_training_stays_float32():
    X, y = _blobs()
    net = MLP((5, 8, 3), seed=0)
    Trainer(net, "momentum", lr=0.05, epochs=1, verbose=0).fit(X.astype(np.float64), y)
    assert all(p.dtype == np.float32 for p in net.params.values())


def test_validation_and_restoring_the_best_epoch():
    X, y = _blobs(m=400)
    net = MLP((5, 16, 3), seed=0)
    t = Trainer(net, "sgd", lr=0.05, epochs=6, verbose=0)
    h = t.fit(X[:300], y[:300], validation_data=(X[300:], y[300:]))
    assert all(v is not None for v in h.epoch["val_accuracy"])
    best = int(np.argmin(h.epoch["val_loss"])) + 1
    assert h.best_epoch == best
    val_loss, val_acc = t.evaluate(X[300:], y[300:])
    assert val_loss == pytest.approx(h.epoch["val_loss"][best - 1], rel=1e-6)
    assert val_acc == h.epoch["val_accuracy"][best - 1]


def test_validation_split_is_seeded():
    X, y = _blobs(m=200)
    h1 = Trainer(MLP((5, 3), seed=0), batch_size=50, epochs=1, verbose=0, seed=3).fit(X, y, validation_split=0.25)
    h2 = Trainer(MLP((5, 3), seed=0), batch_size=50, epochs=1, verbose=0, seed=3).fit(X, y, validation_split=0.25)
    assert h1.epoch["val_loss"] == h2.epoch["val_loss"]
    assert len(h1.step_loss) == 150 // 50


def test_early_stopping_stops_and_restores_the_best_parameters():
    X, y = _blobs(m=200)
    net = MLP((5, 3), seed=0)
    snapshots = []

    class Snap(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            snapshots.append(trainer.model.get_flat_params().copy())

    # an absurdly small rate: the val loss keeps falling, so stop by monitoring accuracy
    h = Trainer(net, "sgd", lr=1e-9, batch_size=50, epochs=50, early_stopping=3, monitor="val_accuracy", verbose=0,
                callbacks=[Snap()]).fit(X[:150], y[:150], validation_data=(X[150:], y[150:]))
    assert h.n_epochs == 4  # best at epoch 1, then 3 epochs without improvement
    assert h.best_epoch == 1
    assert "early stopping after epoch 4" in h.stopped_reason
    np.testing.assert_array_equal(net.get_flat_params(), snapshots[0])


def test_divergence_stops_with_a_message_and_keeps_the_best_parameters():
    X, y = _blobs()
    net = MLP((5, 16, 3), seed=0)
    start = net.get_flat_params().copy()
    with pytest.warns(DivergenceWarning, match=r"diverged at step \d+ \(epoch 1\).*learning rate 1e\+06.*such as 100000"):
        h = Trainer(net, "sgd", lr=1e6, epochs=3, verbose=0).fit(X, y)
    assert h.diverged
    np.testing.assert_array_equal(net.get_flat_params(), start)
    assert "restored the parameters of the start" in h.stopped_reason


def test_schedule_drives_the_learning_rate():
    X, y = _blobs(m=100)
    rates = []

    class Rates(Callback):
        def on_step_end(self, trainer, step, logs):
            rates.append(logs["lr"])

    Trainer(MLP((5, 3), seed=0), "sgd", schedule=StepDecay(0.1, step_size=2, gamma=0.5), batch_size=50,
            epochs=3, verbose=0, callbacks=[Rates()]).fit(X, y)
    assert rates == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]


def test_callback_can_stop_training():
    X, y = _blobs(m=100)

    class StopAt3(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 3:
                trainer.stop_training = True

    h = Trainer(MLP((5, 3), seed=0), batch_size=10, epochs=5, verbose=0, callbacks=[StopAt3()]).fit(X, y)
    assert len(h.step_loss) == 3
    assert "stopped by a callback at step 3" in h.stopped_reason


def test_training_continues_from_the_optimiser_state():
    X, y = _blobs(m=100, dtype=np.float64)
    a = MLP((5, 3), seed=0, dtype=np.float64)
    b = MLP((5, 3), seed=0, dtype=np.float64)
    Trainer(a, Adam(lr=0.01), mode="batch", epochs=4, verbose=0, restore_best=False).fit(X, y)
    tb = Trainer(b, Adam(lr=0.01), mode="batch", epochs=2, verbose=0, restore_best=False)
    tb.fit(X, y)
    tb.fit(X, y)  # the Adam state (and step count) carries over
    np.testing.assert_array_equal(a.get_flat_params(), b.get_flat_params())


def test_two_fits_train_like_one_fit_of_both_lengths():
    X, y = _blobs(m=120, dtype=np.float64)
    a = MLP((5, 6, 3), seed=0, dtype=np.float64)
    b = MLP((5, 6, 3), seed=0, dtype=np.float64)
    Trainer(a, "momentum", lr=0.01, batch_size=16, epochs=4, seed=2, verbose=0, restore_best=False).fit(X, y)
    tb = Trainer(b, "momentum", lr=0.01, batch_size=16, epochs=2, seed=2, verbose=0, restore_best=False)
    tb.fit(X, y)
    tb.fit(X, y)  # the shuffling and the momentum continue
    np.testing.assert_array_equal(a.get_flat_params(), b.get_flat_params())


def test_regression_targets_with_squared_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    t = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    net = MLP((3, 1), loss="squared", seed=0, dtype=np.float64)
    h = Trainer(net, "sgd", lr=0.1, mode="batch", epochs=300, verbose=0).fit(X, t)
    assert h.epoch["accuracy"][0] is None
    np.testing.assert_allclose(net.params["W1"], [[1.0, -2.0, 0.5]], atol=1e-6)
    np.testing.assert_allclose(net.params["b1"], [0.3], atol=1e-6)


def test_verbose_line_per_epoch(capsys):
    X, y = _blobs(m=100)
    Trainer(MLP((5, 3), seed=0), batch_size=20, epochs=2, verbose=2).fit(X, y, validation_split=0.2)
    err = capsys.readouterr().err
    assert "epoch 1/2: loss" in err and "val_acc" in err and "ex/s" in err
    assert "finished 2 epochs" in err
    Trainer(MLP((5, 3), seed=0), batch_size=20, epochs=2, verbose=0).fit(X, y)
    assert capsys.readouterr().err == ""


def test_progress_bar_falls_back_to_lines_when_not_a_terminal(capsys):
    X, y = _blobs(m=100)
    Trainer(MLP((5, 3), seed=0), batch_size=20, epochs=1, verbose=1).fit(X, y)
    assert "epoch 1/1: loss" in capsys.readouterr().err


def test_history_round_trip(tmp_path):
    X, y = _blobs(m=100)
    h = Trainer(MLP((5, 3), seed=0), batch_size=20, epochs=2, verbose=0).fit(X, y, validation_split=0.2)
    h.step_loss.append(math.nan)
    path = tmp_path / "history.json"
    h.save(path)
    data = json.loads(path.read_text())
    assert data["step_loss"][-1] is None  # valid JSON: no NaN literal
    back = History.load(path)
    assert back.epoch == h.epoch
    assert back.step_loss[:-1] == h.step_loss[:-1] and math.isnan(back.step_loss[-1])
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_evaluate_in_chunks_equals_one_pass():
    X, y = _blobs(m=250, dtype=np.float64)
    net = MLP((5, 7, 3), reg=0.01, seed=0, dtype=np.float64)
    loss, acc = evaluate(net, X, y, batch_size=60)
    assert loss == pytest.approx(net.loss(X, y), rel=1e-12)
    assert acc == (net.predict(X) == y).mean()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "mini"}, ValueError, "mode must be one of batch, minibatch, stochastic"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"epochs": 1.5}, TypeError, "epochs must be an integer"),
        ({"optimizer": "adamm"}, ValueError, "adamm"),
        ({"lr": -1.0}, ValueError, "lr must be > 0"),
        ({"verbose": 3}, ValueError, "verbose must be 0"),
        ({"monitor": "acc"}, ValueError, "monitor must be one of"),
    ],
)
def test_bad_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        Trainer(MLP((5, 3)), **kwargs)


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.zeros((10, 4)), np.zeros(10, dtype=int), ValueError, "X has 4 features per row but this model takes 5"),
        (np.zeros((10, 5)), np.zeros(9, dtype=int), ValueError, "X has 10 rows but y has 9 labels"),
        (np.zeros((10, 5)), np.full(10, 3), ValueError, r"class labels in \[0, 3\)"),
        (np.zeros((10, 5)), np.zeros(10), TypeError, "y must hold integer class labels"),
        (np.full((10, 5), np.nan), np.zeros(10, dtype=int), ValueError, "NaN or infinity"),
    ],
)
def test_bad_data(X, y, error, match):
    with pytest.raises(error, match=match):
        Trainer(MLP((5, 3)), verbose=0).fit(X, y)


def test_monitor_on_validation_needs_validation_data():
    X, y = _blobs(m=50)
    with pytest.raises(ValueError, match="needs validation data"):
        Trainer(MLP((5, 3)), monitor="val_loss", batch_size=10, verbose=0).fit(X, y)


def test_optimizer_instance_with_lr_override():
    t = Trainer(MLP((5, 3)), SGD(lr=0.5, momentum=0.9), lr=0.01)
    assert t.optimizer.lr == 0.01 and t.optimizer.get_config()["momentum"] == 0.9


def test_scores_that_blow_up_are_a_divergence_not_a_crash():
    X, y = _blobs()
    net = MLP((5, 32, 3), seed=0)
    start = net.get_flat_params().copy()
    with pytest.warns(DivergenceWarning, match="diverged at step"):
        h = Trainer(net, "sgd", lr=1e20, batch_size=50, epochs=2, verbose=0).fit(X, y)
    assert h.diverged
    np.testing.assert_array_equal(net.get_flat_params(), start)  # the blown-up weights are gone


def test_integer_targets_of_a_one_output_regression_are_values():
    X = np.arange(40, dtype=np.float64).reshape(20, 2)
    t = (X @ np.array([1, -1]) * 2).astype(int)  # integers, not class labels
    net = MLP((2, 1), loss="squared", seed=0, dtype=np.float64)
    Trainer(net, "sgd", lr=1e-3, mode="batch", epochs=2000, verbose=0).fit(X / 40, t / 1)
    with pytest.raises(ValueError, match="needs class labels"):
        Trainer(MLP((2, 1), loss="squared"), monitor="val_accuracy", batch_size=5, verbose=0).fit(
            X, t, validation_split=0.25)
    Trainer(MLP((2, 1), loss="squared", seed=0), batch_size=5, epochs=1, verbose=0).fit(X, t)  # accepted


def test_reg_loss_copies_nothing():
    import tracemalloc

    net = MLP((1000, 500, 10), reg=1e-3, seed=0)
    net.reg_loss()
    tracemalloc.start()
    net.reg_loss()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 100_000  # the weights are 2 MB


def test_seed_must_be_an_integer():
    with pytest.raises(TypeError, match="seed must be an integer"):
        Trainer(MLP((5, 3)), seed=None)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop"])
def test_float32_all_the_way_in_the_training_loop(optimizer):
    """No array the loop keeps is float64: parameters, optimiser state, batch buffers, activations, gradients."""
    from ranvier.train.loop import _Loop

    X, y = _blobs(m=120, dtype=np.float64)  # float64 data is converted once, at the start
    net = MLP((5, 8, 6, 3), reg=1e-3, seed=0)
    dtypes = set()

    class Inspect(Callback):
        def on_step_end(self, trainer, step, logs):
            state = [v for v in trainer.state.values() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
            dtypes.update(a.dtype for a in [*trainer.model.params.values(), *state])

    t = Trainer(net, optimizer, lr=0.01, batch_size=32, epochs=2, verbose=0, callbacks=[Inspect()])
    t.fit(X, y, validation_split=0.2)
    assert dtypes == {np.dtype(np.float32)}
    loop = _Loop(t, *t._check_data(X[:96], y[:96], "X", "y"), None)
    assert loop.X.dtype == np.float32  # the data itself, converted once
    for size in (32, 8):  # a full batch and the last, smaller one
        buf = loop._batch_buffers(size)
        ws = buf.ws
        arrays = [*ws.outputs, *ws.deltas, *ws.grads.values(), buf.X]
        assert {a.dtype for a in arrays} == {np.dtype(np.float32)}


def _trained(X, y, mode="minibatch", **fit):
    net = MLP((5, 8, 3), seed=1)
    h = Trainer(net, "momentum", lr=0.05, batch_size=40, mode=mode, epochs=3, verbose=0, seed=2).fit(X, y, **fit)
    return net, h


@pytest.mark.parametrize("mode", ["minibatch", "batch"])
def test_validation_split_trains_on_the_rows_it_names_without_copying_them(mode):
    """validation_split is the explicit split, bit for bit: the same rows, in the same order."""
    from ranvier.train.trainer import _split

    X, y = _blobs(m=230)
    train, val = _split(len(X), 0.2, seed=2)
    assert len(val) == 46 and len(np.union1d(train, val)) == 230
    a, ha = _trained(X, y, mode=mode, validation_split=0.2)
    b, hb = _trained(X[train], y[train], mode=mode, validation_data=(X[val], y[val]))
    assert ha.step_loss == hb.step_loss and ha.epoch["val_loss"] == hb.epoch["val_loss"]
    assert ha.epoch["val_accuracy"] == hb.epoch["val_accuracy"]
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


@pytest.mark.parametrize(("augment", "from_disk"), [(False, False), (False, True), (True, True)])
def test_training_streams_a_memory_mapped_file(tmp_path, monkeypatch, augment, from_disk):
    """A .npy opened with mmap_mode='r' trains like the array in memory, and is never written.

    Rows that come from disk (here: every read is taken to be slow) are read on threads a batch
    ahead, after the first batch of the epoch; rows in memory are gathered directly.
    """
    import ranvier.train.streaming as rt
    from ranvier.datasets.augment import HorizontalFlip

    X, y = _blobs(m=230, n=12)
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    assert isinstance(X_map, np.memmap) and not X_map.flags.writeable
    monkeypatch.setattr(rt, "_DISK_BYTES_PER_S", np.inf if from_disk else 0.0)
    monkeypatch.setattr(rt, "_DISK_MIN_S", 0.0)
    reads = []
    start = rt._Reader.start
    monkeypatch.setattr(rt._Reader, "start", lambda self, idx, out: reads.append(len(idx)) or start(self, idx, out))

    def trained(X):
        net = MLP((12, 8, 3), seed=1)
        trainer = Trainer(net, "momentum", lr=0.05, batch_size=40, epochs=3, verbose=0, seed=2,
                          augment=HorizontalFlip((2, 2, 3)) if augment else None)
        return net, trainer.fit(X, y, validation_split=0.2)

    a, ha = trained(X)
    assert reads == []
    b, hb = trained(X_map)
    # per epoch: 184 training rows in batches of 40 (the first read directly), then the 46 validation rows
    assert reads == ([40, 40, 40, 24, 46] if from_disk else [46]) * 3
    assert ha.step_loss == hb.step_loss and ha.epoch["val_loss"] == hb.epoch["val_loss"]
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    np.testing.assert_array_equal(np.load(tmp_path / "X.npy"), X)


def test_a_memory_mapped_file_of_another_dtype_is_refused_not_loaded(tmp_path):
    X, y = _blobs(m=50)
    np.save(tmp_path / "X64.npy", X.astype(np.float64))
    X_map = np.load(tmp_path / "X64.npy", mmap_mode="r")
    with pytest.raises(TypeError, match=r"X is a memory-mapped float64 array; a float32 model streams only float32 "
                                        r"files\. Convert it once"):
        Trainer(MLP((5, 3)), verbose=0).fit(X_map, y)


def test_all_finite_finds_a_nan_in_the_last_block_of_a_large_array():
    from ranvier._validation import _FINITE_BLOCK, all_finite

    X = np.zeros((3 * _FINITE_BLOCK // 64 + 7, 64), dtype=np.float32)
    assert all_finite(X)
    X[-1, -1] = np.nan
    assert not all_finite(X)
    X[-1, -1] = -np.inf
    assert not all_finite(X)
    assert all_finite(np.arange(10)) and all_finite(np.zeros((0, 3)))


def test_only_a_file_mapping_is_refused_for_its_dtype_not_an_in_memory_memmap(tmp_path):
    X, y = _blobs(m=50)
    np.save(tmp_path / "X64.npy", X.astype(np.float64))
    X_map = np.load(tmp_path / "X64.npy", mmap_mode="r")
    with pytest.raises(TypeError, match="X is a memory-mapped float64 array"):
        Trainer(MLP((5, 3)), verbose=0).fit(np.asarray(X_map), y)  # a plain view of the mapped file
    in_memory = X_map.copy()  # of type np.memmap, but its memory is not the file's
    assert isinstance(in_memory, np.memmap)
    h = Trainer(MLP((5, 3)), verbose=0, epochs=1, batch_size=10).fit(in_memory, y)
    assert h.n_epochs == 1


def test_public_evaluate_checks_its_labels_and_targets():
    X, y = _blobs(m=40)
    net = MLP((5, 1), loss="squared", seed=0)
    targets = np.arange(40) % 2  # integer values of a one-output regression
    loss, acc = evaluate(net, X, targets)
    assert acc is None
    assert loss == pytest.approx(net.loss(X, targets.astype(np.float32)[:, None]), rel=1e-6)
    classifier = MLP((5, 3), seed=0)
    with pytest.raises(ValueError, match=r"y must hold class labels in \[0, 3\) for a model with 3 outputs, "
                                         r"got values in \[0, 5\]"):
        evaluate(classifier, X, np.where(y == 2, 5, y))
    loss, acc = evaluate(classifier, X, y)
    assert (loss, acc) == Trainer(classifier, verbose=0).evaluate(X, y)


def test_all_finite_reads_a_fortran_ordered_array_in_memory_order():
    from ranvier._validation import _FINITE_BLOCK, all_finite

    X = np.zeros((64, 3 * _FINITE_BLOCK // 64 + 5), dtype=np.float32, order="F")
    assert all_finite(X)
    X[5, -1] = np.nan
    assert not all_finite(X)


@pytest.mark.parametrize("stop", ["finish", "callback", "error"])
def test_streaming_stops_its_reader_threads_however_fit_ends(tmp_path, monkeypatch, stop):
    """Finished, stopped by a callback or broken by an error: the read threads are gone after fit()."""
    import threading

    import ranvier.train.loop as loop
    import ranvier.train.streaming as rt

    X, y = _blobs(m=230, n=12)
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    monkeypatch.setattr(rt, "_DISK_BYTES_PER_S", np.inf)  # every batch "from disk": the threaded path
    monkeypatch.setattr(rt, "_DISK_MIN_S", 0.0)
    calls = []
    for name in ("_start_streaming", "_stop_streaming"):
        real = getattr(loop._Loop, name)
        monkeypatch.setattr(loop._Loop, name, lambda self, real=real, name=name: (calls.append(name), real(self))[1])

    class Stop(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 3 and stop == "callback":
                trainer.stop_training = True
            if step == 3 and stop == "error":
                raise RuntimeError("boom")

    trainer = Trainer(MLP((12, 8, 3), seed=1), batch_size=40, epochs=2, verbose=0, callbacks=[Stop()])
    if stop == "error":
        with pytest.raises(RuntimeError, match="boom"):
            trainer.fit(X_map, y)
    else:
        trainer.fit(X_map, y)
    assert calls == ["_start_streaming", "_stop_streaming"]
    assert not [t for t in threading.enumerate() if t.name.startswith("ranvier-read")]


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam", "rmsprop", "adagrad"])
def test_the_l2_term_folded_into_the_update_trains_bit_for_bit_as_in_the_gradient(optimizer, monkeypatch):
    """The loop hands reg to the optimiser's pass (no pass of its own); the run is the same to the last bit."""
    from ranvier.optim import _fused
    from ranvier.optim import Optimizer

    X, y = _blobs(m=200, n=300)  # W1 has 300 x 250 = 75000 entries: the fused pass where Numba is installed

    def train():
        steps = []
        net = MLP((300, 250, 3), reg=0.05, seed=0)
        t = Trainer(net, optimizer, lr=0.01, batch_size=50, epochs=2, verbose=0, seed=1)
        real_step = t.optimizer.step
        t.optimizer.step = lambda *a, **k: steps.append(k.get("l2")) or real_step(*a, **k)
        h = t.fit(X, y)
        return net, h, steps

    folded_net, folded_h, folded_steps = train()
    assert folded_steps[0] == {"W1": 0.05, "W2": 0.05}  # the model's gradients leave the term out
    assert 75000 >= _fused.MIN_SIZE
    with monkeypatch.context() as m:
        m.setattr(Optimizer, "folds_l2", property(lambda self: False))
        added_net, added_h, added_steps = train()
    assert added_steps[0] is None  # the model adds reg * W to the gradient, as outside a training loop
    for key, value in added_net.params.items():
        np.testing.assert_array_equal(folded_net.params[key], value)
    assert folded_h.step_loss == added_h.step_loss
    assert folded_h.step_loss[-1] < folded_h.step_loss[0]


def test_an_optimiser_with_weight_decay_of_its_own_gets_reg_in_the_gradient():
    X, y = _blobs()
    steps, backward = [], []
    net = MLP((5, 8, 3), reg=0.05, seed=0)
    t = Trainer(net, SGD(0.05, weight_decay=0.01), batch_size=50, epochs=1, verbose=0)
    real_step, real_reg_grads = t.optimizer.step, net._add_reg_grads
    t.optimizer.step = lambda *a, **k: steps.append(k.get("l2")) or real_step(*a, **k)
    net._add_reg_grads = lambda ws: backward.append(net.reg) or real_reg_grads(ws)
    t.fit(X, y)
    assert steps and all(s is None for s in steps)
    assert backward == [0.05] * len(steps)  # the model adds reg * W to the gradient itself, every step


class _OwnModel:
    """A model of one's own with exactly the members of ranvier.train.step.TrainableModel, nothing forwarded.

    Its math is an MLP's, delegated member by member, so that its training can be compared bit for bit.
    """

    def __init__(self, net):
        self._net = net

    params = property(lambda self: self._net.params)
    dtype = property(lambda self: self._net.dtype)
    n_outputs = property(lambda self: self._net.n_outputs)
    loss_name = property(lambda self: self._net.loss_name)
    margin = property(lambda self: self._net.margin)

    def _check_X(self, X, name="X"):
        return self._net._check_X(X, name=name)

    def workspace(self, m):
        return self._net.workspace(m)

    def _forward_into(self, X, ws):
        return self._net._forward_into(X, ws)

    def _backward_into(self, X, ws):
        self._net._backward_into(X, ws)

    def reg_loss(self):
        return self._net.reg_loss()

    def _add_reg_grads(self, ws):
        self._net._add_reg_grads(ws)


def test_the_model_of_ones_own_in_these_tests_has_exactly_the_documented_protocol():
    from ranvier.train.step import TrainableModel

    documented = set(TrainableModel.__annotations__) | {
        name for name, value in vars(TrainableModel).items() if inspect.isfunction(value) and not name.startswith("__")}
    own = {name for name in vars(_OwnModel) if not name.startswith("__")}
    assert documented == own == {"params", "dtype", "n_outputs", "loss_name", "margin", "_check_X", "workspace",
                                 "_forward_into", "_backward_into", "reg_loss", "_add_reg_grads"}


@pytest.mark.parametrize("sample_weight", [False, True])
def test_a_model_of_ones_own_trains_with_only_the_documented_protocol(sample_weight):
    """The Trainer drives a model with the members of TrainableModel (train/step.py) and nothing else."""
    X, y = _blobs()
    w = np.linspace(0.5, 2.0, len(y)) if sample_weight else None
    own, plain = _OwnModel(MLP((5, 8, 3), reg=0.05, seed=0)), MLP((5, 8, 3), reg=0.05, seed=0)
    histories = [Trainer(model, "momentum", lr=0.05, batch_size=50, epochs=2, verbose=0, seed=1).fit(
        X, y, validation_split=0.2, sample_weight=w) for model in (own, plain)]
    for key, value in plain.params.items():  # folded for the MLP, in the gradient for the model of one's own
        np.testing.assert_array_equal(own.params[key], value)
    assert histories[0].step_loss == histories[1].step_loss
    assert histories[0].epoch["val_loss"] == histories[1].epoch["val_loss"]
    assert histories[0].step_loss[-1] < histories[0].step_loss[0]


def test_a_callback_may_give_the_optimiser_weight_decay_or_change_reg_mid_run():
    """Whether the L2 term is folded is decided every step, from the model's and optimiser's values then."""
    X, y = _blobs()
    seen = []

    class Change(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 2:
                trainer.optimizer.weight_decay = 0.01  # from now on the model adds reg to the gradient
            if step == 4:
                trainer.model.reg = 0.2

    class Record(Callback):  # per step: the reg the model added to its gradient (None: folded into the update)
        def on_step_end(self, trainer, step, logs):
            seen.append(added.pop() if added else None)

    net = MLP((5, 8, 3), reg=0.05, seed=0)
    t = Trainer(net, "sgd", lr=0.05, batch_size=50, epochs=2, verbose=0, seed=1, callbacks=[Change(), Record()])
    added, real_reg_grads = [], net._add_reg_grads
    net._add_reg_grads = lambda ws: added.append(net.reg) or real_reg_grads(ws)
    t.fit(X, y)
    assert len(seen) == 12  # 300 rows in batches of 50, two epochs
    assert seen[:2] == [None] * 2  # folded into the update while the optimiser has no decay
    assert seen[2:4] == [0.05] * 2  # in the gradient once it has
    assert seen[4:] == [0.2] * 8
