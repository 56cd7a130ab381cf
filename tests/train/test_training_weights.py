"""Trainer(clip_norm=, class_weight=, threads=) and Trainer.fit(sample_weight=)."""

import math

import numpy as np
import pytest

from ranvier import MLP, Sequential, numerical_gradient, rel_error
from ranvier.nn import Linear, ReLU
from ranvier.optim import SGD
from ranvier.train import Callback, Trainer, evaluate


def _blobs(m=60, n=4, c=3, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2, size=(c, n))
    y = rng.integers(0, c, size=m)
    return (centres[y] + rng.normal(size=(m, n))).astype(dtype), y


def _net(reg=0.0, seed=1, loss="softmax"):
    return MLP((4, 6, 3), activation="tanh", seed=seed, dtype=np.float64, reg=reg, loss=loss)


def _fit(net, X, y, **kw):
    fit_kw = {k: kw.pop(k) for k in ("sample_weight", "validation_split", "validation_data") if k in kw}
    t = Trainer(net, "sgd", lr=0.1, verbose=0, restore_best=False, **({"epochs": 3, "batch_size": 20} | kw))
    return t, t.fit(X, y, **fit_kw)


# ------------------------------------------------------------- the model's loss
@pytest.mark.parametrize("loss", ["softmax", "svm", "squared"])
@pytest.mark.parametrize("layers", ["mlp", "sequential"])
def test_weighted_model_gradient_is_checked_numerically(loss, layers):
    X, y = _blobs(m=9)
    w = np.random.default_rng(3).uniform(0, 2, size=9)
    net = _net(reg=0.01, loss=loss) if layers == "mlp" else Sequential(
        [Linear(4, 5, seed=2, dtype=np.float64), ReLU(), Linear(5, 3, seed=3, dtype=np.float64)], loss=loss, reg=0.01)
    _, grads = net.loss_and_grads(X, y, sample_weight=w)
    for name, p in net.params.items():
        def f(v, name=name):
            saved = net.params[name].copy()
            net.params[name][...] = v
            try:
                return net.loss(X, y, sample_weight=w)
            finally:
                net.params[name][...] = saved
        assert rel_error(grads[name], numerical_gradient(f, p.copy())) < 1e-7, name


# --------------------------------------------------------------- sample weights
def test_integer_weights_train_like_repeated_rows_in_batch_mode():
    X, y = _blobs()
    w = np.random.default_rng(4).integers(0, 4, size=len(y))
    a, b = _net(reg=1e-3), _net(reg=1e-3)
    _, h = _fit(a, X, y, sample_weight=w, mode="batch", epochs=5)
    _, h_rep = _fit(b, X.repeat(w, axis=0), y.repeat(w), mode="batch", epochs=5)
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.epoch["loss"], h_rep.epoch["loss"], rtol=1e-12)
    np.testing.assert_allclose(h.epoch["accuracy"], h_rep.epoch["accuracy"], rtol=1e-12)


def test_weights_travel_with_their_rows_through_the_shuffled_minibatches():
    X, y = _blobs(m=50)
    w = np.random.default_rng(5).uniform(0.2, 3, size=50)
    net, ref = _net(), _net()
    _, h = _fit(net, X, y, sample_weight=w, batch_size=16, seed=7)
    rng, opt = np.random.default_rng(7), SGD(lr=0.1)
    state = opt.init(ref.params)
    losses = []
    for _ in range(3):
        order = rng.permutation(50)
        for s in range(0, 50, 16):
            idx = order[s : s + 16]
            loss, grads = ref.loss_and_grads(X[idx], y[idx], sample_weight=w[idx])
            losses.append(loss)
            opt.step(ref.params, grads, state)
    for k in net.params:
        np.testing.assert_array_equal(net.params[k], ref.params[k])
    np.testing.assert_array_equal(h.step_loss, losses)


def test_validation_split_carries_the_weights_and_weighs_the_validation_loss():
    X, y = _blobs(m=80)
    w = np.random.default_rng(6).uniform(0.5, 2, size=80)
    t, h = _fit(_net(), X, y, sample_weight=w, validation_split=0.25, batch_size=20, seed=3)
    order = np.random.default_rng([3, 1]).permutation(80)
    val = order[:20]
    assert h.epoch["val_loss"][-1] == pytest.approx(evaluate(t.model, X[val], y[val], sample_weight=w[val])[0],
                                                     rel=1e-12)
    assert h.epoch["val_loss"][-1] != pytest.approx(evaluate(t.model, X[val], y[val])[0], rel=1e-6)


def test_validation_data_are_weighted_only_with_their_own_weights():
    X, y = _blobs(m=80)
    Xv, yv = _blobs(m=30, seed=9)
    wv = np.linspace(0.1, 3, 30)
    t, h = _fit(_net(), X, y, sample_weight=np.ones(80), validation_data=(Xv, yv))
    assert h.epoch["val_loss"][-1] == pytest.approx(evaluate(t.model, Xv, yv)[0], rel=1e-13)
    t, h = _fit(_net(), X, y, validation_data=(Xv, yv, wv))
    assert h.epoch["val_loss"][-1] == pytest.approx(evaluate(t.model, Xv, yv, sample_weight=wv)[0], rel=1e-13)


def test_unit_weights_train_exactly_like_no_weights():
    X, y = _blobs()
    a, b = _net(), _net()
    _, h = _fit(a, X, y, batch_size=16)
    _, hw = _fit(b, X, y, batch_size=16, sample_weight=np.ones(len(y)))
    for k in a.params:
        np.testing.assert_allclose(a.params[k], b.params[k], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(h.step_loss, hw.step_loss, rtol=1e-13)


def test_bad_sample_weights_are_refused():
    X, y = _blobs()
    with pytest.raises(ValueError, match="one weight per row"):
        _fit(_net(), X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        _fit(_net(), X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match="sums to 0"):
        _fit(_net(), X, y, sample_weight=np.zeros(len(y)))


# ---------------------------------------------------------------- class weights
def test_balanced_class_weight_is_scikit_learns():
    from sklearn.utils.class_weight import compute_class_weight

    from ranvier.train._weights import class_weights

    y = np.array([0, 0, 0, 0, 1, 2, 2, 0, 1, 0])
    np.testing.assert_allclose(class_weights("balanced", y, 3),
                               compute_class_weight("balanced", classes=np.arange(3), y=y), rtol=1e-15)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 5.0}])
def test_class_weight_trains_like_the_same_sample_weights(class_weight):
    from ranvier.train._weights import class_weights

    X, y = _blobs()
    sw = np.random.default_rng(8).uniform(0.5, 2, size=len(y))
    a, b = _net(), _net()
    _fit(a, X, y, class_weight=class_weight, sample_weight=sw, batch_size=16)
    _fit(b, X, y, sample_weight=sw * class_weights(class_weight, y, 3)[y], batch_size=16)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_class_weight_mapping_matches_torch_cross_entropy_step_by_step():
    torch = pytest.importorskip("torch", reason="differential test against PyTorch; pip install torch==2.13.0 (CI installs it)")
    X, y = _blobs(m=40)
    cw = {0: 0.5, 1: 3.0, 2: 1.0}
    net = MLP((4, 3), seed=1, dtype=np.float64)
    lin = torch.nn.Linear(4, 3).double()
    with torch.no_grad():
        lin.weight.copy_(torch.tensor(net.params["W1"]))
        lin.bias.copy_(torch.tensor(net.params["b1"]))
    opt = torch.optim.SGD(lin.parameters(), lr=0.1)
    crit = torch.nn.CrossEntropyLoss(weight=torch.tensor([0.5, 3.0, 1.0], dtype=torch.float64))
    for _ in range(4):
        opt.zero_grad()
        crit(lin(torch.tensor(X)), torch.tensor(y)).backward()
        opt.step()
    _fit(net, X, y, class_weight=cw, mode="batch", epochs=4)
    np.testing.assert_allclose(net.params["W1"], lin.weight.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(net.params["b1"], lin.bias.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bad, message", [("equal", "balanced"), ({0: -1.0}, "class_weight\\[0\\]"),
                                          ({7: 1.0}, "class 7")])
def test_bad_class_weights_are_refused(bad, message):
    X, y = _blobs()
    with pytest.raises(ValueError, match=message):
        _fit(_net(), X, y, class_weight=bad)


# ------------------------------------------------------------------ clip_norm
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_clip_norm_matches_torch_clip_grad_norm_step_by_step(reg):
    torch = pytest.importorskip("torch", reason="differential test against PyTorch; pip install torch==2.13.0 (CI installs it)")
    X, y = _blobs(m=30)
    net = MLP((4, 6, 3), activation="tanh", seed=2, dtype=np.float64, reg=reg)
    l1, l2 = torch.nn.Linear(4, 6).double(), torch.nn.Linear(6, 3).double()
    with torch.no_grad():
        for lin, k in ((l1, 1), (l2, 2)):
            lin.weight.copy_(torch.tensor(net.params[f"W{k}"]))
            lin.bias.copy_(torch.tensor(net.params[f"b{k}"]))
    seq = torch.nn.Sequential(l1, torch.nn.Tanh(), l2)
    opt = torch.optim.SGD(seq.parameters(), lr=0.5)
    norms = []
    for _ in range(5):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(seq(torch.tensor(X)), torch.tensor(y))
        loss = loss + 0.5 * reg * (l1.weight.square().sum() + l2.weight.square().sum())
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(seq.parameters(), 0.3)))
        opt.step()
    assert max(norms) > 0.3  # the clipping acts
    Trainer(net, "sgd", lr=0.5, mode="batch", epochs=5, clip_norm=0.3, verbose=0, restore_best=False).fit(X, y)
    for lin, k in ((l1, 1), (l2, 2)):
        np.testing.assert_allclose(net.params[f"W{k}"], lin.weight.detach().numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(net.params[f"b{k}"], lin.bias.detach().numpy(), rtol=1e-12, atol=1e-13)


def test_a_large_clip_norm_changes_nothing():
    X, y = _blobs()
    a, b = _net(), _net()
    _fit(a, X, y, batch_size=16)
    _fit(b, X, y, batch_size=16, clip_norm=1e6)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


@pytest.mark.parametrize("bad", [0, -1.0, math.inf, "1", True])
def test_bad_clip_norm_is_refused(bad):
    with pytest.raises(ValueError, match="clip_norm"):
        Trainer(_net(), clip_norm=bad)


# -------------------------------------------------------------------- threads
class _SeeThreads(Callback):
    def __init__(self):
        self.seen = []

    def on_step_end(self, trainer, step, logs):
        from threadpoolctl import threadpool_info

        self.seen.append({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})


def test_threads_limit_blas_inside_the_loop_and_are_restored_after():
    from threadpoolctl import threadpool_info, threadpool_limits

    if not any(p["user_api"] == "blas" for p in threadpool_info()):
        pytest.skip("no BLAS library that threadpoolctl can see")
    X, y = _blobs()
    with threadpool_limits(limits=2, user_api="blas"):
        before = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
        see = _SeeThreads()
        Trainer(_net(), epochs=1, batch_size=20, threads=1, callbacks=[see], verbose=0).fit(X, y)
        after = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    assert see.seen and all(s == {1} for s in see.seen)
    assert after == before


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_bad_threads_are_refused(bad):
    with pytest.raises(ValueError, match="threads"):
        Trainer(_net(), threads=bad)


# ------------------------------------------------- plateau state in checkpoints
def test_plateau_state_survives_a_checkpoint_bit_for_bit(tmp_path):
    from ranvier.train import Checkpoint
    from ranvier.train.plateau import ReduceLROnPlateau

    X, y = _blobs(m=80)

    def trainer(epochs, path=None):
        cbs = [ReduceLROnPlateau("loss", factor=0.5, patience=0, threshold=0.05)]
        if path is not None:
            cbs.append(Checkpoint(path))
        return Trainer(_net(), "sgd", lr=2.0, epochs=epochs, batch_size=20, verbose=0, restore_best=False,
                       callbacks=cbs)

    whole = trainer(6)
    h = whole.fit(X, y)
    assert min(h.epoch["lr"][3:]) < 2.0  # the plateau acts after the checkpoint
    first = trainer(3, tmp_path / "c.npz")
    first.fit(X, y)
    again = trainer(6)
    again.load_checkpoint(tmp_path / "c.npz")
    assert again.callbacks[0].state_dict() == first.callbacks[0].state_dict()
    h2 = again.fit(X, y)
    assert h2.epoch["lr"] == h.epoch["lr"] and h2.step_loss == h.step_loss
    for k in whole.model.params:
        np.testing.assert_array_equal(again.model.params[k], whole.model.params[k])
