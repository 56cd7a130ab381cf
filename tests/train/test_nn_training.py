"""Training layer stacks: modes, the dropout generator, running statistics in checkpoints, bit-exact resume."""

import numpy as np
import pytest

from ranvier import MLP, Sequential, Trainer, evaluate
from ranvier.nn import BatchNorm, Dropout, Linear, ReLU


def _data(m=120, n=6, c=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
    return X, y


def _net(**kw):
    return MLP((6, 16, 8, 3), batch_norm=True, dropout=0.2, seed=0, **kw)


def _trainer(net, epochs, **kw):
    return Trainer(net, "momentum", lr=0.05, batch_size=32, epochs=epochs, seed=3, verbose=0, restore_best=False, **kw)


def test_training_switches_modes_and_leaves_the_network_in_evaluation():
    X, y = _data()
    net = _net()
    modes = []

    class Spy:
        def on_train_begin(self, t): modes.append(t.model.training)
        def on_step_end(self, t, step, logs): modes.append(t.model.training)
        def on_epoch_end(self, t, epoch, logs): modes.append(t.model.training)
        def on_train_end(self, t, h): modes.append(t.model.training)

    history = _trainer(net, 20, callbacks=[Spy()]).fit(X, y, validation_split=0.2)
    assert all(modes[:-1]) and modes[-1] is False
    assert not net.training
    assert history.epoch["val_accuracy"][-1] > 0.6
    assert net.buffers["running_var1"].min() > 0 and not np.allclose(net.buffers["running_mean1"], 0)


def test_same_seed_same_run_and_dropout_apart_from_shuffling():
    X, y = _data()
    a, b = _net(), _net()
    _trainer(a, 3).fit(X, y)
    _trainer(b, 3).fit(X, y)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    for name in a.buffers:
        np.testing.assert_array_equal(a.buffers[name], b.buffers[name])


def test_resume_from_a_checkpoint_is_bit_exact(tmp_path):
    X, y = _data()
    whole = _net()
    _trainer(whole, 4).fit(X, y)
    first = _net()
    t1 = _trainer(first, 2)
    t1.fit(X, y)
    t1.save_checkpoint(tmp_path / "run.ckpt.npz")
    second = _net(reg=0.0)
    t2 = _trainer(second, 4)
    t2.load_checkpoint(tmp_path / "run.ckpt.npz")
    np.testing.assert_array_equal(second.buffers["running_mean2"], first.buffers["running_mean2"])
    t2.fit(X, y)
    for name in whole.params:
        np.testing.assert_array_equal(whole.params[name], second.params[name], err_msg=name)
    for name in whole.buffers:
        np.testing.assert_array_equal(whole.buffers[name], second.buffers[name], err_msg=name)


def test_best_epoch_restores_its_running_statistics():
    X, y = _data()
    net = _net()
    t = Trainer(net, "sgd", lr=0.05, batch_size=32, epochs=3, seed=0, verbose=0, monitor="loss")
    best = {}

    class Keep:
        def on_train_begin(self, t): pass
        def on_step_end(self, t, step, logs): pass
        def on_epoch_end(self, t, epoch, logs):
            best[epoch] = {k: v.copy() for k, v in t.model.buffers.items()}
        def on_train_end(self, t, h): pass

    t.callbacks.append(Keep())
    h = t.fit(X, y)
    for name, value in net.buffers.items():
        np.testing.assert_array_equal(value, best[h.best_epoch][name])


def test_evaluate_uses_evaluation_mode_and_restores_the_mode():
    X, y = _data()
    net = _net()
    net.train()
    loss1, acc1 = evaluate(net, X, y)
    loss2, acc2 = evaluate(net, X, y)
    assert loss1 == loss2 and acc1 == acc2  # no dropout draws, no statistics updated
    assert net.training
    np.testing.assert_array_equal(net.buffers["running_mean1"], 0)
    net.eval()
    from ranvier.losses import softmax_cross_entropy

    assert loss1 == pytest.approx(softmax_cross_entropy(net.scores(X), y)[0], rel=1e-6)


def test_any_sequential_trains():
    X, y = _data()
    net = Sequential([Linear(6, 12, seed=0), BatchNorm(12), ReLU(), Dropout(0.1), Linear(12, 3, seed=1)], reg=1e-3)
    h = _trainer(net, 5).fit(X, y)
    assert h.epoch["loss"][-1] < h.epoch["loss"][0]
    assert (net.predict(X) == y).mean() > 0.7


def test_batch_norm_refuses_a_last_batch_of_one():
    X, y = _data(m=65)
    with pytest.raises(ValueError, match="leave a batch of one sample; choose another batch_size"):
        _trainer(_net(), 1).fit(X, y)
