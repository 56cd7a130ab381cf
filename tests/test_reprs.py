"""Short reprs of ranvier's results, HTML tables for notebooks, History.to_dataframe."""

import numpy as np
import pytest

from ranvier import MLP, History, Trainer, gd, get_objective, gradcheck


def _history(n=20) -> History:
    h = History()
    for e in range(n):
        h.epoch["loss"].append(1.0 / (e + 1))
        h.epoch["accuracy"].append(0.5 + 0.02 * e)
        h.epoch["val_loss"].append(1.25 / (e + 1))
        h.epoch["val_accuracy"].append(0.45 + 0.02 * e)
        h.epoch["lr"].append(0.1)
        h.epoch["seconds"].append(0.25)
    h.step_loss = [0.5] * (10 * n)
    h.best_epoch = n - 1
    h.stopped_reason = f"finished {n} epochs"
    h.seconds = 0.25 * n
    return h


def test_history_repr_is_one_short_line_with_the_last_epoch():
    h = _history()
    assert repr(h) == ("History(20 epochs, 200 steps, best epoch 19; last epoch: loss 0.05, accuracy 0.88, "
                       "val_loss 0.0625, val_accuracy 0.83; finished 20 epochs)")
    assert repr(History()) == "History(no epoch finished, 0 steps)"


def test_history_html_is_a_table_of_the_first_and_last_epochs():
    page = _history(20)._repr_html_()
    assert page.count("<tr>") == 1 + 8 + 1 + 8  # header, 8 first, "...", 8 last
    assert "<td>19 (best)</td><td>0.05263</td>" in page
    assert "<td>9</td>" not in page and "<td>13</td>" in page
    assert _history(3)._repr_html_().count("<tr>") == 4


def test_history_to_dataframe():
    h = _history(4)
    h.epoch["val_loss"][1] = None
    df = h.to_dataframe()
    assert list(df.index) == [1, 2, 3, 4] and df.index.name == "epoch"
    assert list(df.columns) == ["loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"]
    np.testing.assert_array_equal(df["loss"], [1.0, 0.5, 1 / 3, 0.25])
    assert np.isnan(df["val_loss"][2]) and df["val_accuracy"][4] == pytest.approx(0.51)


def test_history_to_dataframe_without_pandas(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas":
            raise ImportError("no pandas")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    with pytest.raises(ImportError, match="pip install pandas"):
        _history(2).to_dataframe()


def test_gdresult_repr_and_html():
    r = gd(get_objective("bowl"), [3.0, 1.0], lr=0.1, tol=1e-8, max_iters=5)
    assert repr(r) == (f"GDResult(hit max_iters, 5 steps from (3, 1) to ({3 * 0.9 ** 5:.4g}, 0), "
                       f"cost 9.5 -> {0.5 * (3 * 0.9 ** 5) ** 2:.4g})")
    page = r._repr_html_()
    assert "<td>after 5 steps</td>" in page and "reached max_iters=5" in page
    long = gd(get_objective("bowl"), [3.0, 1.0], lr=0.01, tol=0, max_iters=5000)
    assert len(repr(long)) < 120  # the arrays are not printed


def test_objective_repr():
    assert repr(get_objective("rosenbrock")) == "Objective('rosenbrock': minimum 0 at (1, 1), start (-1.5, 2))"
    assert repr(get_objective("himmelblau")) == ("Objective('himmelblau': 4 minima of value 0, one at (3, 2), "
                                                 "start (0, 0))")
    assert repr(get_objective("saddle")) == "Objective('saddle': no minimum, start (-1.5, 0.001))"


def test_trainer_repr():
    t = Trainer(MLP((4, 8, 3), seed=0), "adam", lr=0.01, batch_size=32, epochs=5, seed=7, verbose=0)
    assert repr(t) == ("Trainer(MLP(layer_sizes=(4, 8, 3), activation='relu', loss='softmax', reg=0.0, "
                       f"dtype=float32), {t.optimizer!r}, minibatch of 32, epochs 5, seed 7)")
    X = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    t.fit(X, np.arange(64) % 3)
    assert repr(t).endswith("epochs 5, seed 7, 5 epochs trained)")
    assert "batch, epochs" in repr(Trainer(MLP((4, 3)), mode="batch", verbose=0))


def test_gradcheck_repr_and_html():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), np.array([0, 1, 2, 0, 1, 2])
    r = gradcheck(MLP((3, 4, 3), seed=0, dtype=np.float64), X, y)
    text = repr(r)
    assert text.startswith(f"GradcheckResult(worst relative error {r.worst:.2e}; W1 {r['W1']:.1e}, ")
    assert len(text) < 150
    page = r._repr_html_()
    assert page.count("<tr>") == 1 + 4 and f"<td>b2</td><td>{r['b2']:.3e}</td>" in page
