import argparse
import json

import pytest

from ranvier import cli
from ranvier.cli.sweep import add_parsers
from ranvier.sweep import read_trials

SMALL = ["--data", "digits", "--hidden", "16", "--epochs", "1"]


@pytest.fixture
def main(monkeypatch):
    """``ranvier.cli.main`` with ``sweep`` wired in (if build_parser does not yet)."""
    build = cli.build_parser

    def build_with_sweep():
        parser = build()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "sweep" not in sub.choices:
            add_parsers(sub)
        return parser

    monkeypatch.setattr(cli, "build_parser", build_with_sweep)
    return cli.main


def _one_line_error(capsys, message):
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ranvier: error: ") and message in lines[0], lines[0]


def test_grid_sweep_writes_everything_and_prints_the_table(main, tmp_path, capsys):
    out = tmp_path / "sweep"
    argv = ["sweep", *SMALL, "--grid", "lr=1e-2,1e-1", "--grid", "reg=0,1e-3", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.count("] trial ") == 4  # one line per finished trial
    assert "4 trials (4 run now), ranked by validation accuracy:" in text
    assert "rank  trial  lr    reg" in text and "best: trial " in text and "test accuracy" in text
    for name in ("trials.csv", "trials.json", "heatmap.png", "best/model.npz", "best/summary.json"):
        assert (out / name).exists(), name
    rows = read_trials(out)
    assert [r["params"] for r in rows] == [{"lr": 0.01, "reg": 0.0}, {"lr": 0.01, "reg": 0.001},
                                           {"lr": 0.1, "reg": 0.0}, {"lr": 0.1, "reg": 0.001}]
    assert all(r["options"]["hidden"] == [16] and r["options"]["epochs"] == 1 for r in rows)
    # a rerun finds every trial done
    assert main([*argv, "--quiet", "--no-retrain"]) == 0
    text = capsys.readouterr().out
    assert "] trial " not in text and text.startswith("rank")


def test_random_search_in_parallel_with_hidden_choices(main, tmp_path, capsys):
    out = tmp_path / "random"
    argv = ["sweep", *SMALL, "--random", "3", "--range", "lr=1e-2:3e-1:log", "--grid", "hidden=8,8-8",
            "--sweep-seed", "1", "--n-jobs", "2", "--no-retrain", "--top", "2", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "3 trials (3 run now)" in text and "rank  trial  hidden  lr" in text
    table = text[text.index("rank  trial"):text.index("best:")].strip().splitlines()
    assert len(table) == 3  # --top 2
    rows = read_trials(out)
    assert len(rows) == 3 and all(1e-2 <= r["options"]["lr"] <= 3e-1 for r in rows)
    assert all(r["options"]["hidden"] in ([8], [8, 8]) for r in rows)
    assert not (out / "best").exists() and not (out / "heatmap.png").exists()
    header = (out / "trials.csv").read_text().splitlines()[0]
    assert header.startswith("trial,hidden,lr,val_accuracy,")


def test_config_file_sets_the_base(main, tmp_path, capsys):
    config = tmp_path / "base.toml"
    config.write_text('hidden = [12]\nepochs = 1\noptimizer = "adam"\n')
    out = tmp_path / "cfg"
    assert main(["sweep", "--config", str(config), "--grid", "lr=1e-3,1e-2", "--out", str(out), "--quiet"]) == 0
    rows = json.loads((out / "trials.json").read_text())["trials"]
    assert {(r["options"]["optimizer"], tuple(r["options"]["hidden"])) for r in rows} == {("adam", (12,))}
    assert (out / "best" / "model.npz").exists()


@pytest.mark.parametrize("args, message", [
    (["--grid", "lr"], "--grid 'lr': expected NAME=V1,V2"),
    (["--grid", "learning_rate=0.1"], "unknown option 'learning_rate'"),
    (["--grid", "lr=fast"], "lr takes numbers, got 'fast'"),
    (["--grid", "hidden=100,x"], "hidden sizes are positive whole numbers"),
    (["--grid", "lr=0.1", "--grid", "lr=0.2"], "--grid lr is given twice"),
    (["--grid", "optimizer=sgd,rmsprob"], "unknown optimizer 'rmsprob'"),
    (["--grid", "out=a,b"], "cannot vary 'out'"),
    (["--random", "3", "--range", "lr=1e-5"], "expected NAME=LOW:HIGH"),
    (["--random", "3", "--range", "lr=0:1:log"], "a log range needs low > 0"),
    (["--random", "3", "--range", "lr=1e-5:1e-1:exp"], "log or lin"),
    (["--range", "lr=1e-5:1e-1:log"], "give random=N (--random N) too"),
    (["--random", "0", "--range", "lr=1e-5:1e-1:log"], "expected a whole number >= 1"),
    ([], "nothing to sweep"),
    (["--grid", "lr=0.1", "--n-jobs", "0"], "--n-jobs"),
    (["--grid", "lr=0.1", "--scheduler", "tcp://127.0.0.1:1"], "give --backend dask too"),
    (["--grid", "lr=0.1", "--backend", "ray"], "invalid choice: 'ray'"),
    (["--grid", "lr=0.1", "--lr", "-1"], "expected a number > 0"),
    (["--grid", "lr=0.1", "--val-split", "0"], "val_split must be > 0"),
    (["--grid", "lr=0.1", "--config", "missing.toml"], "no such file"),
])
def test_mistakes_are_one_line_and_exit_2(main, tmp_path, capsys, args, message):
    out = tmp_path / "never"
    assert main(["sweep", *SMALL, *args, "--out", str(out)]) == 2
    _one_line_error(capsys, message)
    assert not out.exists()  # nothing written for a sweep that never started


def test_dask_needs_a_scheduler(main, tmp_path, capsys):
    pytest.importorskip("distributed")
    out = tmp_path / "never"
    assert main(["sweep", *SMALL, "--grid", "lr=0.1", "--backend", "dask", "--out", str(out)]) == 2
    _one_line_error(capsys, "needs a scheduler address (--scheduler tcp://HOST:8786)")
    assert not out.exists()


@pytest.fixture(scope="module")
def dask_scheduler():
    """A scheduler with two single-thread worker processes, as a real cluster would have."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_sweep_on_a_dask_scheduler(main, tmp_path, capsys, dask_scheduler):
    out = tmp_path / "dask"
    assert main(["sweep", *SMALL, "--grid", "lr=1e-2,1e-1", "--backend", "dask", "--scheduler", dask_scheduler,
                 "--no-retrain", "--out", str(out)]) == 0
    assert "2 trials (2 run now)" in capsys.readouterr().out
    assert len(read_trials(out)) == 2
