"""history.json files that are damaged or hostile: ValueError naming the file and the field."""

from __future__ import annotations

import json
import os

import pytest

from ranvier.cli import main
from ranvier.train import History


def _good() -> dict:
    h = History()
    for value in (1.0, 0.5):
        for key, v in (("loss", value), ("accuracy", 0.5), ("val_loss", None), ("val_accuracy", None),
                       ("lr", 0.1), ("seconds", 0.25)):
            h.epoch[key].append(v)
    h.step_loss, h.best_epoch, h.seconds = [1.0, 0.5], 2, 0.5
    return h.to_dict()


def test_a_saved_history_loads_as_it_was(tmp_path):
    data = _good()
    History.from_dict(data).save(tmp_path / "history.json")
    assert History.load(tmp_path / "history.json").to_dict() == data


@pytest.mark.parametrize(("edit", "words"), [
    (lambda d: d.__setitem__("seconds", None), "'seconds' must be a number >= 0, got 'None'"),
    (lambda d: d.__setitem__("seconds", 10**400), "'seconds' must be a number >= 0"),
    (lambda d: d["epoch"]["seconds"].__setitem__(0, "0.2"), "'epoch.seconds' holds '0.2' (str)"),
    (lambda d: d["epoch"].pop("lr"), "'epoch' lacks lr"),
    (lambda d: d["epoch"].__setitem__("loss", 3), "'epoch.loss' must be a list, got int"),
    (lambda d: d.__setitem__("step_loss", [1, "x"]), "'step_loss' must be a list of numbers"),
    (lambda d: d.__setitem__("best_epoch", 0), "'best_epoch' must be an epoch from 1 to 2"),
    (lambda d: d.__setitem__("best_epoch", True), "'best_epoch' must be an epoch from 1 to 2"),
    (lambda d: d.__setitem__("epoch", []), "'epoch' must be an object of lists, got list"),
])
def test_fields_of_the_wrong_kind_are_named(tmp_path, edit, words):
    data = _good()
    edit(data)
    path = tmp_path / "history.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError) as info:
        History.load(path)
    assert str(path) in str(info.value) and words in str(info.value), str(info.value)


@pytest.mark.parametrize(("raw", "words"), [
    (b"[" * 100000 + b"]" * 100000, "not valid JSON (RecursionError"),
    (b'{"seconds": 1e999}', "'epoch' must be an object of lists"),
    (b"\xff\xfe{}", "not valid JSON (UnicodeDecodeError"),
    (b"", "not valid JSON (JSONDecodeError"),
    (b"[1, 2]", "a history must be a JSON object, got list"),
    (b'{"epoch": {}, "step_loss": [' + b"9" * 5000 + b"]}", "not valid JSON (ValueError"),
])
def test_broken_json(tmp_path, raw, words):
    path = tmp_path / "history.json"
    path.write_bytes(raw)
    with pytest.raises(ValueError) as info:
        History.load(path)
    assert str(path) in str(info.value) and words in str(info.value), str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_fifo_is_refused_without_waiting(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ValueError, match="not a regular file"):
        History.load(tmp_path / "fifo")


def test_the_cli_gives_one_line(tmp_path, capsys):
    data = _good()
    data["seconds"] = None
    (tmp_path / "history.json").write_text(json.dumps(data))
    assert main(["plot", "history", str(tmp_path / "history.json"), "--out", str(tmp_path / "h.png")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'seconds' must be a number" in err[0], err
    assert not (tmp_path / "h.png").exists()
