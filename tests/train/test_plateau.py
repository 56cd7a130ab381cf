"""ReduceLROnPlateau against torch.optim.lr_scheduler.ReduceLROnPlateau, and in the Trainer."""

import numpy as np
import pytest

import ranvier as rv
from ranvier.train.plateau import ReduceLROnPlateau

SETTINGS = [
    {},
    {"patience": 0},
    {"patience": 2, "factor": 0.5, "cooldown": 2},
    {"patience": 1, "threshold": 0.05, "threshold_mode": "abs", "min_lr": 0.02},
    {"mode": "max", "patience": 1, "factor": 0.3},
    {"mode": "max", "patience": 2, "threshold_mode": "abs", "threshold": 0.01, "cooldown": 1},
]


def metrics(seed, n=60):
    rng = np.random.default_rng(seed)
    return list(np.maximum.accumulate(rng.normal(size=n)) * -0.01 + rng.normal(size=n) * 0.02 + 1.0)


@pytest.mark.parametrize("settings", SETTINGS)
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pytorch_epoch_by_epoch(settings, seed):
    torch = pytest.importorskip("torch", reason="differential test; pip install torch==2.13.0")
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **settings)
    ours, lr = ReduceLROnPlateau(**settings), 0.1
    for v in metrics(seed):
        theirs.step(v)
        lr = ours.step(v, lr)
        assert lr == opt.param_groups[0]["lr"]
        assert ours.num_bad_epochs == theirs.num_bad_epochs
    assert lr < 0.1 or settings.get("patience", 10) >= 10


def test_by_hand():
    r = ReduceLROnPlateau(patience=1, factor=0.5, cooldown=1)
    lrs = [r.step(v, lr) for v, lr in zip([3, 2, 2, 2, 2, 2, 2], [1.0] * 7)]
    # bad epochs: -, -, 1, 2 -> reduce (cool-down 1), 0 (cool-down), 1, 2 -> reduce
    assert lrs == [1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 0.5]


def test_state_dict_round_trip():
    a = ReduceLROnPlateau(patience=3)
    for v in (1.0, 0.9, 0.95):
        a.step(v, 1.0)
    b = ReduceLROnPlateau(patience=3)
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == {"best": 0.9, "num_bad_epochs": 1, "cooldown_counter": 0}


@pytest.mark.parametrize("kwargs, message", [
    ({"factor": 1.0}, "factor must be below 1"),
    ({"factor": 0.0}, r"factor must lie in \(0, 1\]"),
    ({"patience": -1}, "patience must be a non-negative integer"),
    ({"mode": "up"}, "mode must be 'min' or 'max'"),
    ({"threshold_mode": "x"}, "threshold_mode must be 'rel' or 'abs'"),
    ({"min_lr": -1.0}, "min_lr must lie in"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ReduceLROnPlateau(**kwargs)


def test_in_the_trainer_the_learning_rate_drops():
    X, y = np.random.default_rng(0).normal(size=(64, 2)), np.arange(64) % 2
    net = rv.MLP((2, 4, 2), seed=0)
    plateau = ReduceLROnPlateau("loss", patience=0, factor=0.5, threshold=0.5)  # nothing improves by 50%
    trainer = rv.Trainer(net, "sgd", lr=0.1, epochs=4, batch_size=16, verbose=0, callbacks=[plateau])
    trainer.fit(X, y)
    # epoch 1 sets the best; epochs 2, 3, 4 each miss the 50% bar and halve the rate for the next epoch
    assert trainer.history.epoch["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.025])
    assert trainer.optimizer.lr == pytest.approx(0.1 * 0.5 ** 3)


def test_refuses_a_schedule_and_a_missing_monitor():
    X, y = np.random.default_rng(0).normal(size=(32, 2)), np.arange(32) % 2
    with pytest.raises(ValueError, match="train without a schedule"):
        rv.Trainer(rv.MLP((2, 2)), "sgd", schedule=rv.get_schedule("constant", lr=0.1), epochs=1, batch_size=16, verbose=0,
                   callbacks=[ReduceLROnPlateau()]).fit(X, y)
    with pytest.raises(ValueError, match="monitors 'val_loss', which this run does not log"):
        rv.Trainer(rv.MLP((2, 2)), "sgd", epochs=1, batch_size=16, verbose=0,
                   callbacks=[ReduceLROnPlateau()]).fit(X, y)
