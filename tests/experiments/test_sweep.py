import json
import math
import sys

import numpy as np
import pytest
from PIL import Image

from ranvier import experiment, load_model
from ranvier.experiment import TrainOptions
from ranvier.sweep import (
    METRICS,
    best_row,
    format_table,
    grid_trials,
    make_trials,
    parse_grid,
    parse_range,
    plot_heatmap,
    random_trials,
    read_trials,
    run_trial,
    sweep,
)

# Small and quick: 16 hidden units, one epoch of digits (about 0.1 s a trial).
BASE = TrainOptions(data="digits", hidden=(16,), epochs=1, verbose=0)
GRID = {"lr": [1e-2, 1e-1], "reg": [0.0, 1e-3]}


@pytest.fixture
def count_runs(monkeypatch):
    """Count the trainings: wrap ``experiment.run`` (trials run in this process when n_jobs=1)."""
    calls = []
    real = experiment.run

    def counting(options, **kwargs):
        calls.append(options)
        return real(options, **kwargs)

    monkeypatch.setattr(experiment, "run", counting)
    return calls


def _picture(path, min_colors=10):
    with Image.open(path) as img:
        arr = np.asarray(img.convert("RGB"), dtype=np.int16)
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) >= min_colors and arr.std() > 10
    return arr


# -------------------------------------------------------------- grid and draws
def test_grid_trials_every_combination_first_name_slowest():
    combos = grid_trials({"lr": [0.1, 0.01], "reg": [0, 1e-3], "optimizer": ["sgd", "adam", "momentum"]})
    assert len(combos) == 12
    assert combos[0] == {"lr": 0.1, "reg": 0, "optimizer": "sgd"}
    assert combos[1] == {"lr": 0.1, "reg": 0, "optimizer": "adam"}
    assert combos[-1] == {"lr": 0.01, "reg": 1e-3, "optimizer": "momentum"}
    assert len({json.dumps(c, sort_keys=True) for c in combos}) == 12


def test_make_trials_applies_values_to_the_base_and_drops_duplicates():
    trials, varying = make_trials(BASE, grid={"lr": [0.1, 0.1, 0.01], "hidden": [(8,), [8, 4]],
                                              "schedule": ["inverse-time"]})
    assert varying == ["lr", "hidden", "schedule"]
    assert len(trials) == 4  # 0.1 twice is one trial
    params, options = trials[1]
    assert params == {"lr": 0.1, "hidden": [8, 4], "schedule": "inverse-time"}
    assert options.hidden == (8, 4) and options.schedule == "inverse_time"
    assert options.epochs == 1 and options.out is None and options.verbose == 0


@pytest.mark.parametrize("grid, message", [
    ({"learning_rate": [0.1]}, "unknown option 'learning_rate'"),
    ({"out": ["x"]}, "cannot vary 'out'"),
    ({"lr": []}, "has no values"),
    ({"optimizer": ["sgd", "nope"]}, "bad trial optimizer=nope: unknown optimizer"),
    ({"activation": ["relu", "swish"]}, "bad trial activation=swish"),
    ({"lr": [0.1, -1.0]}, "bad trial lr=-1"),
    ({"val_split": [0.0]}, "val_split must be > 0"),
    ({"momentum": [0.9]}, "bad trial momentum=0.9: momentum applies to"),  # the base optimizer is adam
])
def test_make_trials_rejects_bad_grids_before_training(grid, message):
    base = TrainOptions(optimizer="adam", hidden=(16,), epochs=1)
    with pytest.raises(ValueError, match=message):
        make_trials(base, grid=grid)


def test_make_trials_needs_something_to_sweep():
    with pytest.raises(ValueError, match="nothing to sweep"):
        make_trials(BASE)
    with pytest.raises(ValueError, match="random=N"):
        make_trials(BASE, ranges={"lr": (1e-3, 1e-1, "log")})
    with pytest.raises(ValueError, match="both a grid and a range"):
        make_trials(BASE, random=3, grid={"lr": [0.1]}, ranges={"lr": (1e-3, 1e-1, "log")})
    with pytest.raises(ValueError, match="random must be"):
        make_trials(BASE, random=0, ranges={"lr": (1e-3, 1e-1, "log")})


def test_random_trials_seeded_log_uniform_within_range():
    draws = random_trials(400, ranges={"lr": (1e-5, 1e-1, "log")}, seed=3)
    lrs = np.array([d["lr"] for d in draws])
    assert ((lrs >= 1e-5) & (lrs <= 1e-1)).all()
    per_decade = np.histogram(np.log10(lrs), bins=4, range=(-5, -1))[0]
    assert per_decade.min() > 70 and per_decade.max() < 130  # 100 expected per decade
    assert draws == random_trials(400, ranges={"lr": (1e-5, 1e-1, "log")}, seed=3)
    assert draws != random_trials(400, ranges={"lr": (1e-5, 1e-1, "log")}, seed=4)
    # a longer search keeps the trials of a shorter one
    assert random_trials(10, ranges={"lr": (1e-5, 1e-1, "log")}, seed=3) == draws[:10]


def test_random_trials_linear_integers_hidden_and_choices():
    draws = random_trials(300, ranges={"reg": (0, 0.5, "lin"), "batch_size": (16, 20, "lin"),
                                       "hidden": (10, 1000, "log")},
                          choices={"optimizer": ["sgd", "adam"]}, seed=0, base=TrainOptions(hidden=(5, 5)))
    regs = np.array([d["reg"] for d in draws])
    assert regs.min() >= 0 and regs.max() <= 0.5 and abs(regs.mean() - 0.25) < 0.03
    sizes = [d["batch_size"] for d in draws]
    assert all(isinstance(b, int) for b in sizes) and set(sizes) == {16, 17, 18, 19, 20}
    widths = [d["hidden"] for d in draws]
    assert all(len(w) == 2 and w[0] == w[1] and 10 <= w[0] <= 1000 for w in widths)
    assert {d["optimizer"] for d in draws} == {"sgd", "adam"}


def test_random_search_through_make_trials():
    trials, varying = make_trials(BASE, random=5, ranges={"lr": (1e-3, 1e-1, "log")}, grid={"reg": [0.0, 1e-3]})
    assert varying == ["reg", "lr"] and len(trials) == 5
    assert all(1e-3 <= o.lr <= 1e-1 and o.reg in (0.0, 1e-3) for _, o in trials)


@pytest.mark.parametrize("spec, message", [
    ((1e-3,), "must be"), ((1.0, 0.1, "log"), "low <= high"), ((0, 1, "log"), "low > 0"),
    ((1, 2, "exp"), "log or lin"), ((1.5, 8, "lin"), "whole ends"), ((float("nan"), 1), "finite"),
])
def test_bad_ranges(spec, message):
    name = "batch_size" if message == "whole ends" else "lr"
    with pytest.raises(ValueError, match=message):
        random_trials(2, ranges={name: spec})


# ------------------------------------------------------- the command line's words
def test_parse_grid_types_and_hidden_syntaxes():
    assert parse_grid("lr=1e-3,1e-2") == ("lr", [1e-3, 1e-2])
    assert parse_grid("batch-size=32,64") == ("batch_size", [32, 64])
    assert parse_grid("optimizer=sgd,adam") == ("optimizer", ["sgd", "adam"])
    assert parse_grid("momentum=none,0.9") == ("momentum", [None, 0.9])
    assert parse_grid("hidden=100,200-100") == ("hidden", [(100,), (200, 100)])
    assert parse_grid("hidden=100;200,100") == ("hidden", [(100,), (200, 100)])
    assert parse_range("lr=1e-5:1e-1:log") == ("lr", (1e-5, 1e-1, "log"))
    assert parse_range("reg=0:0.01") == ("reg", (0.0, 0.01, "lin"))


@pytest.mark.parametrize("text, message", [
    ("lr", "expected NAME=V1,V2"), ("lr=", "expected NAME=V1,V2"), ("=1,2", "expected NAME=V1,V2"),
    ("foo=1", "unknown option 'foo'"), ("lr=1,,2", "empty value"), ("lr=fast", "lr takes numbers"),
    ("epochs=2.5", "epochs takes whole numbers"), ("hidden=100,0", "hidden sizes"), ("hidden=a-b", "hidden sizes"),
    ("verbose=0,1", "cannot vary 'verbose'"), ("lr=inf", "lr takes numbers"),
])
def test_parse_grid_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_grid(text)


@pytest.mark.parametrize("text, message", [
    ("lr=1e-5", "LOW:HIGH"), ("lr=a:b", "must be numbers"), ("lr=1:2:3:4", "LOW:HIGH"),
    ("optimizer=1:2", "takes no range"), ("lr=0:1:log", "low > 0"),
])
def test_parse_range_errors(text, message):
    with pytest.raises(ValueError, match=message):
        parse_range(text)


# ------------------------------------------------------------------ the sweep
def test_sweep_rows_best_retrained_heatmap(tmp_path, count_runs):
    seen = []

    def on_trial(row, done, total):  # the files hold every finished trial, as it finishes
        rows = read_trials(tmp_path)
        seen.append((done, total, len(rows)))
        lines = (tmp_path / "trials.csv").read_text().splitlines()
        assert len(lines) == 1 + done

    result = sweep(BASE, grid=GRID, out=tmp_path, on_trial=on_trial)
    assert seen == [(1, 4, 1), (2, 4, 2), (3, 4, 3), (4, 4, 4)]
    assert len(count_runs) == 5 and result.ran == 4  # 4 trials and the best retrained
    assert [r["trial"] for r in result.rows] == [0, 1, 2, 3]
    row = result.rows[0]
    assert row["params"] == {"lr": 1e-2, "reg": 0.0}
    assert set(METRICS) <= set(row) and row["options"]["lr"] == 1e-2 and row["options"]["hidden"] == [16]
    assert "test_accuracy" not in row  # the test split plays no part in the choice
    assert 0 <= row["val_accuracy"] <= 1 and row["val_loss"] > 0 and row["epochs_run"] == 1
    assert row["diverged"] is False and row["seconds"] > 0
    best = result.best
    assert best["val_accuracy"] == max(r["val_accuracy"] for r in result.rows)
    # retrained with the same seed: the same model, written to out/best
    saved = load_model(tmp_path / "best" / "model.npz")
    assert saved.summary["options"]["lr"] == best["options"]["lr"]
    assert saved.summary["val_accuracy"] == pytest.approx(best["val_accuracy"])
    assert result.best_run.out == tmp_path / "best"
    _picture(tmp_path / "heatmap.png")
    header = (tmp_path / "trials.csv").read_text().splitlines()[0].split(",")
    assert header[:4] == ["trial", "lr", "reg", "val_accuracy"] and "test_accuracy" not in header
    data = json.loads((tmp_path / "trials.json").read_text())
    assert data["varying"] == ["lr", "reg"] and len(data["trials"]) == 4
    table = result.table(top=2).splitlines()
    assert len(table) == 3 and table[0].split()[:4] == ["rank", "trial", "lr", "reg"]
    assert table[1].split()[1] == str(best["trial"])


def test_rerun_skips_finished_trials(tmp_path, count_runs):
    sweep(BASE, grid=GRID, out=tmp_path, retrain_best=False)
    assert len(count_runs) == 4
    first = read_trials(tmp_path)
    # lose two rows, as if the sweep had been killed after two trials
    path = tmp_path / "trials.json"
    data = json.loads(path.read_text())
    data["trials"] = [data["trials"][0], data["trials"][3]]
    path.write_text(json.dumps(data))
    count_runs.clear()
    result = sweep(BASE, grid=GRID, out=tmp_path, retrain_best=False)
    assert sorted((o.lr, o.reg) for o in count_runs) == [(1e-2, 1e-3), (1e-1, 0.0)]
    assert result.ran == 2 and len(result.rows) == 4
    assert [r["val_accuracy"] for r in read_trials(tmp_path)] == [r["val_accuracy"] for r in first]
    count_runs.clear()
    result = sweep(BASE, grid=GRID, out=tmp_path, retrain_best=False)
    assert count_runs == [] and result.ran == 0 and len(result.rows) == 4
    # a bigger grid runs only the new trials; a changed base option makes every trial new
    result = sweep(BASE, grid={**GRID, "lr": [1e-2, 1e-1, 3e-1]}, out=tmp_path, retrain_best=False)
    assert [o.lr for o in count_runs] == [3e-1, 3e-1] and result.ran == 2


def test_interrupted_sweep_loses_nothing(tmp_path, monkeypatch):
    real, calls = experiment.run, []

    def dies_on_third(options, **kwargs):
        calls.append(options)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(options, **kwargs)

    monkeypatch.setattr(experiment, "run", dies_on_third)
    with pytest.raises(KeyboardInterrupt):
        sweep(BASE, grid=GRID, out=tmp_path)
    assert len(read_trials(tmp_path)) == 2
    assert not list(tmp_path.glob("*.tmp-*"))
    calls.clear()
    monkeypatch.setattr(experiment, "run", lambda o, **k: (calls.append(o), real(o, **k))[1])
    result = sweep(BASE, grid=GRID, out=tmp_path, retrain_best=False)
    assert len(calls) == 2 and len(result.rows) == 4 and len(read_trials(tmp_path)) == 4


def test_rows_of_another_sweep_are_kept(tmp_path):
    sweep(BASE, grid={"lr": [1e-1]}, out=tmp_path, retrain_best=False)
    result = sweep(BASE, grid={"lr": [1e-2]}, out=tmp_path, retrain_best=False)
    assert len(result.rows) == 1 and result.rows[0]["options"]["lr"] == 1e-2
    rows = read_trials(tmp_path)
    assert [(r["trial"], r["options"]["lr"]) for r in rows] == [(0, 1e-2), (None, 1e-1)]


def test_bad_trials_file_is_reported(tmp_path):
    (tmp_path / "trials.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a trials file"):
        sweep(BASE, grid={"lr": [1e-1]}, out=tmp_path)


def test_sweep_in_memory_and_in_parallel(count_runs):
    result = sweep(BASE, grid={"lr": [1e-2, 1e-1], "hidden": [(8,), (8, 8)]}, n_jobs=2, retrain_best=True)
    # the trials ran in worker processes: only the retraining ran here
    assert len(count_runs) == 1 and result.out is None
    assert [r["trial"] for r in result.rows] == [0, 1, 2, 3]
    assert [r["options"]["hidden"] for r in result.rows] == [[8], [8, 8], [8], [8, 8]]
    assert result.best_run.model.layer_sizes[1:-1] == tuple(result.best["options"]["hidden"])


def test_parallel_rows_match_sequential_rows():
    trials = [{"lr": 1e-1, "reg": 1e-3}]
    one = sweep(BASE, grid={k: [v] for k, v in trials[0].items()}, retrain_best=False).rows[0]
    two = sweep(BASE, grid={"lr": [1e-1, 1e-2], "reg": [1e-3]}, n_jobs=2, retrain_best=False).rows[0]
    assert one["options"] == two["options"]
    assert one["val_accuracy"] == pytest.approx(two["val_accuracy"], abs=1 / 144)


def test_a_trial_runs_with_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    real, threads = experiment.run, []

    def spy(options, **kwargs):
        threads.append({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
        return real(options, **kwargs)

    monkeypatch.setattr(experiment, "run", spy)
    row = run_trial(7, {"lr": 0.1}, BASE.to_dict(), blas_threads=1)
    assert row["trial"] == 7 and threads[0] in ({1}, set())


def test_diverged_trial_is_a_row_not_an_error():
    result = sweep(BASE, grid={"lr": [1e-1, 1e4]}, retrain_best=False)
    wild = result.rows[1]
    assert wild["diverged"] is True and "diverged" in wild["stopped_reason"]
    assert result.best["trial"] == 0


def test_best_row_order():
    rows = [{"trial": 0, "val_accuracy": 0.5, "val_loss": 1.0}, {"trial": 1, "val_accuracy": 0.9, "val_loss": 0.7},
            {"trial": 2, "val_accuracy": 0.9, "val_loss": 0.3}, {"trial": 3, "val_accuracy": None, "val_loss": None}]
    assert best_row(rows)["trial"] == 2
    assert best_row([]) is None
    assert best_row(rows[3:])["trial"] == 3
    text = format_table([{**r, "options": {"lr": 0.1}} for r in rows], ["lr"], top=None)
    assert [line.split()[1] for line in text.splitlines()[1:]] == ["2", "1", "0", "3"]


def test_heatmap_of_a_random_search_is_a_scatter(tmp_path):
    rng = np.random.default_rng(0)
    rows = [{"options": {"lr": 10 ** rng.uniform(-4, -1), "reg": 10 ** rng.uniform(-5, -1)},
             "val_accuracy": float(rng.uniform(0.2, 0.9))} for _ in range(20)]
    rows[3]["val_accuracy"] = None
    fig = plot_heatmap(rows, tmp_path / "scatter.png")
    assert fig.axes[0].get_xscale() == "log" and fig.axes[0].get_yscale() == "log"
    _picture(tmp_path / "scatter.png")
    with pytest.raises(ValueError, match="no trials"):
        plot_heatmap([], tmp_path / "none.png")


def test_heatmap_cells_are_annotated_with_the_best_accuracy(tmp_path):
    rows = [{"options": {"lr": lr, "reg": reg}, "val_accuracy": acc}
            for lr, reg, acc in [(1e-3, 0.0, 0.5), (1e-2, 0.0, 0.7), (1e-3, 1e-4, 0.6), (1e-2, 1e-4, 0.8),
                                 (1e-2, 1e-4, 0.85)]]
    fig = plot_heatmap(rows, tmp_path / "grid.png")
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0.500", "0.600", "0.700", "0.850"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1e-03", "1e-02"]
    _picture(tmp_path / "grid.png")


def test_bad_arguments():
    with pytest.raises(ValueError, match="backend"):
        sweep(BASE, grid=GRID, backend="threads")
    with pytest.raises(ValueError, match="n_jobs"):
        sweep(BASE, grid=GRID, n_jobs=0)


def test_what_joblib_sends_to_a_worker_and_back_travels_by_its_module_path(tmp_path):
    """A loky or Dask worker imports run_trial by its module path; a TrialInterrupted comes back pickled."""
    import os
    import pickle
    import subprocess
    from pathlib import Path

    from ranvier.sweep import TrialInterrupted, parallel

    assert (run_trial.__module__, run_trial.__qualname__) == ("ranvier.sweep.parallel", "run_trial")
    assert parallel.run_trial is run_trial and pickle.loads(pickle.dumps(run_trial)) is run_trial
    src = str(Path(__file__).resolve().parents[2] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    fresh = subprocess.run([sys.executable, "-c", "import pickle, sys; f = pickle.loads(sys.stdin.buffer.read()); "
                            "print(f.__module__, f.__name__)"], input=pickle.dumps(run_trial), capture_output=True,
                           check=True, env=env, cwd=tmp_path, timeout=60)
    assert fresh.stdout.decode().split() == ["ranvier.sweep.parallel", "run_trial"]
    back = pickle.loads(pickle.dumps(TrialInterrupted(3, 15)))
    assert type(back) is TrialInterrupted and (back.index, back.signum) == (3, 15)
    assert str(back) == "trial 3 was interrupted by signal 15"


# --------------------------------------------------------------------- Dask
def test_dask_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"pip install 'dask\[distributed\]'"):
        sweep(BASE, grid={"lr": [0.1]}, backend="dask", scheduler="tcp://127.0.0.1:1")


@pytest.fixture(scope="module")
def dask_cluster():
    """Two worker processes with one thread each, closed (client first) after the tests."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster


def test_sweep_on_a_dask_cluster(dask_cluster, tmp_path, count_runs):
    result = sweep(BASE, grid=GRID, backend="dask", scheduler=dask_cluster.scheduler_address, out=tmp_path)
    assert len(count_runs) == 1  # the trials ran on the cluster's workers, the retraining here
    assert result.ran == 4 and len(read_trials(tmp_path)) == 4
    assert (tmp_path / "best" / "model.npz").exists() and (tmp_path / "heatmap.png").exists()
    local = sweep(BASE, grid=GRID, retrain_best=False)
    for a, b in zip(local.rows, result.rows, strict=True):
        assert a["options"] == b["options"]
        assert a["val_accuracy"] == pytest.approx(b["val_accuracy"], abs=1 / 144)


def test_sweep_with_a_dask_client(dask_cluster):
    distributed = pytest.importorskip("distributed")
    with distributed.Client(dask_cluster, set_as_default=False) as client:
        result = sweep(BASE, grid={"lr": [1e-1, 1e-2]}, backend="dask", scheduler=client, retrain_best=False)
        assert client.status == "running"  # a client we were given stays open
    assert result.ran == 2 and math.isfinite(result.best["val_loss"])
