"""The playground's HTTP API and event stream, through Starlette's TestClient and a live server."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
try:
    from starlette.testclient import TestClient
except Exception as exc:  # no httpx / httpx2, or a deprecation warning about which one (an error here)
    pytest.skip(f"Starlette's TestClient cannot load ({exc}); pip install 'ranvier[playground-test]'",
                allow_module_level=True)

import ranvier  # noqa: E402
from ranvier.playground.server import SessionStore, create_app  # noqa: E402

SRC = Path(ranvier.__file__).resolve().parents[1]


@pytest.fixture
def client():
    store = SessionStore()
    with TestClient(create_app(store)) as c:
        c.store = store
        yield c


def new(client, **settings) -> str:
    r = client.post("/api/sessions", json={"settings": settings})
    assert r.status_code == 200, r.text
    return r.json()["id"]


def state(client, sid) -> dict:
    r = client.get(f"/api/sessions/{sid}/state")
    assert r.status_code == 200
    return r.json()


def test_page_and_static_files_are_served(client):
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="boundary"' in page.text
    texts = [page.text]
    for name in ("app.js", "draw.js", "optimizer.js", "style.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and len(r.content) > 500, name
        texts.append(r.text)
    for text in texts:  # everything works offline: nothing is fetched from elsewhere
        assert "http://" not in text and "https://" not in text and "//cdn" not in text


def test_meta_lists_the_choices(client):
    meta = client.get("/api/meta").json()
    assert meta["datasets"] == ["xor", "circles", "spirals", "blobs", "gaussian", "custom"]
    assert meta["optimizers"] == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
    assert {f["name"] for f in meta["functions"]} >= {"bowl", "rosenbrock", "beale", "himmelblau", "saddle"}
    assert len(meta["presets"]) >= 10 and all(p["text"] for p in meta["presets"])


def test_new_session_frame_holds_the_state(client):
    sid = new(client, dataset="spirals", points=300, ratio=0.5)
    f = state(client, sid)
    assert f["epoch"] == 0 and f["step"] == 0
    assert f["settings"]["dataset"] == "spirals" and f["n_classes"] == 3
    assert len(f["points"]["y"]) == 300 and sum(f["points"]["train"]) == 150
    assert f["grid"]["n"] == 50 and len(f["hidden"]) == 2 and f["network"]["sizes"] == [2, 8, 8, 3]
    assert sum(map(sum, f["confusion"])) == 150
    # at the start the softmax loss of 3 classes is near ln 3
    assert abs(f["test_loss"] - math.log(3)) < 0.5


def test_step_trains_one_epoch_of_minibatches(client):
    sid = new(client, dataset="xor", points=200, ratio=0.5, batch_size=10)
    r = client.post(f"/api/sessions/{sid}/step").json()
    assert r["epoch"] == 1 and r["step"] == 10  # 100 training points in batches of 10
    r = client.post(f"/api/sessions/{sid}/step").json()
    assert r["epoch"] == 2 and r["step"] == 20
    f = state(client, sid)
    assert f["curves"]["epoch"] == [0, 1, 2] and f["curves"]["train_loss"][2] < f["curves"]["train_loss"][0]
    client.post(f"/api/sessions/{sid}/reset")
    assert state(client, sid)["epoch"] == 0


def test_bad_learning_rate_is_refused_with_a_message_and_nothing_changes(client):
    sid = new(client)
    r = client.post(f"/api/sessions/{sid}/settings", json={"lr": "fast"})
    assert r.status_code == 400 and r.json()["field"] == "lr"
    assert "lr must be a number" in r.json()["error"] and "'fast'" in r.json()["error"]
    assert state(client, sid)["settings"]["lr"] == 0.03
    r = client.post(f"/api/sessions/{sid}/settings", json={"lr": "0.5"})
    assert r.status_code == 200 and r.json()["settings"]["lr"] == 0.5


@pytest.mark.parametrize("update, field", [
    ({"layers": [256] * 10}, "layers"),
    ({"layers": "8,x"}, "layers"),
    ({"activation": ["relu", "wobbly"]}, "activation"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"points": 10**9}, "points"),
    ({"noise": "nan"}, "noise"),
    ({"nonsense": 1}, "nonsense"),
])
def test_bad_settings_get_a_message_naming_the_setting(client, update, field):
    sid = new(client)
    r = client.post(f"/api/sessions/{sid}/settings", json=update)
    assert r.status_code == 400 and r.json()["field"] == field, r.text
    assert client.get("/api/meta").status_code == 200  # the server lives on


def test_huge_network_message_says_how_many_parameters(client):
    sid = new(client)
    r = client.post(f"/api/sessions/{sid}/settings", json={"layers": [256] * 10})
    assert "parameters" in r.json()["error"] and "100,000" in r.json()["error"]


def test_settings_change_rebuilds_what_it_must(client):
    sid = new(client, dataset="circles")
    client.post(f"/api/sessions/{sid}/step")
    client.post(f"/api/sessions/{sid}/settings", json={"lr": 0.01})  # optimiser only: the network stays
    assert state(client, sid)["epoch"] == 1
    client.post(f"/api/sessions/{sid}/settings", json={"layers": "4", "activation": "tanh"})
    f = state(client, sid)
    assert f["epoch"] == 0 and f["network"]["sizes"] == [2, 4, 2] and f["settings"]["activation"] == ["tanh"]
    client.post(f"/api/sessions/{sid}/settings", json={"features": ["x1", "x2", "x1^2", "x2^2"]})
    assert state(client, sid)["network"]["sizes"] == [4, 4, 2]


def test_bad_link_settings_open_the_defaults_with_a_message(client):
    r = client.post("/api/sessions", json={"settings": {"lr": "abc"}})
    assert r.status_code == 200
    assert "lr must be a number" in r.json()["frame"]["message"] and r.json()["frame"]["settings"]["lr"] == 0.03


def test_points_are_added_and_removed(client):
    sid = new(client, dataset="xor", points=100)
    r = client.post(f"/api/sessions/{sid}/points", json={"x1": 0.0, "x2": 0.0, "label": 1}).json()
    assert r["n_points"] == 101
    pts = state(client, sid)["points"]
    assert pts["x"][-1] == [0.0, 0.0] and pts["y"][-1] == 1 and pts["train"][-1] is True
    r = client.post(f"/api/sessions/{sid}/points", json={"x1": 0.0, "x2": 0.0, "remove": True}).json()
    assert r["removed"] == 1 and r["n_points"] == 100
    r = client.post(f"/api/sessions/{sid}/points", json={"x1": 5.0, "x2": 5.0, "remove": True}).json()
    assert r["removed"] == 0 and r["n_points"] == 100
    bad = client.post(f"/api/sessions/{sid}/points", json={"x1": "left", "x2": 0})
    assert bad.status_code == 400 and bad.json()["field"] == "x1"
    bad = client.post(f"/api/sessions/{sid}/points", json={"x1": 0, "x2": 0, "label": 7})
    assert bad.status_code == 400 and "label" in bad.json()["error"]


def test_a_point_of_a_new_class_grows_the_output_layer(client):
    sid = new(client, dataset="xor", points=100)
    client.post(f"/api/sessions/{sid}/points", json={"x1": 0.0, "x2": 0.0, "label": 2})
    f = state(client, sid)
    assert f["n_classes"] == 3 and f["network"]["sizes"][-1] == 3


def test_csv_upload(client):
    sid = new(client)
    rows = "x1,x2,label\n" + "\n".join(f"{i / 10},{-i / 10},{i % 3}" for i in range(40))
    r = client.post(f"/api/sessions/{sid}/csv", content=rows.encode())
    assert r.status_code == 200 and r.json()["n_points"] == 40 and r.json()["settings"]["dataset"] == "custom"
    f = state(client, sid)
    assert f["n_classes"] == 3 and f["points"]["x"][5] == [0.5, -0.5]
    assert client.post(f"/api/sessions/{sid}/step").status_code == 200


@pytest.mark.parametrize("text, words", [
    ("x1,x2,label\n1,2,0\n1,abc,1\n", "line 2: column x2 must be a number, got 'abc'"),
    ("1,2\n3,4\n", "line 1: expected 3 columns"),
    ("1,2,0\n1,3,9\n", "column label must be a class from 0 to 4, got '9'"),
    ("1,2,0\n1,3,0\n", "a single class"),
    ("", "no data rows"),
])
def test_bad_csv_gets_a_message_and_keeps_the_data(client, text, words):
    sid = new(client, dataset="xor", points=100)
    r = client.post(f"/api/sessions/{sid}/csv", content=text.encode())
    assert r.status_code == 400 and words in r.json()["error"], r.text
    assert len(state(client, sid)["points"]["y"]) == 100


def test_two_sessions_train_independently(client):
    a, b = new(client, dataset="spirals"), new(client, dataset="xor", lr=0.1)
    client.post(f"/api/sessions/{a}/step")
    client.post(f"/api/sessions/{a}/step")
    assert state(client, a)["epoch"] == 2 and state(client, b)["epoch"] == 0
    assert state(client, b)["settings"]["lr"] == 0.1 and state(client, a)["settings"]["lr"] == 0.03


def test_unknown_session_is_404(client):
    r = client.post("/api/sessions/nope/play")
    assert r.status_code == 404 and "reload" in r.json()["error"]


def read_events(response, n: int) -> list[dict]:
    frames = []
    for line in response.iter_lines():
        if line.startswith("data: "):
            frames.append(json.loads(line[6:]))
            if len(frames) == n:
                break
    return frames


def test_event_stream_sends_frames_and_trains_while_playing(client):
    sid = new(client, dataset="spirals")
    client.post(f"/api/sessions/{sid}/play")
    with client.stream("GET", f"/api/sessions/{sid}/events?frames=3") as r:
        assert r.headers["content-type"].startswith("text/event-stream")
        frames = read_events(r, 3)
    assert [f["type"] for f in frames] == ["frame"] * 3
    assert "points" in frames[0] and "points" not in frames[1]  # the points travel when they change
    assert 0 < frames[0]["epoch"] < frames[1]["epoch"] < frames[2]["epoch"]
    assert frames[2]["curves"]["epoch"][-1] == frames[2]["epoch"]


def test_downloads_model_file_loads_and_predicts_like_the_session(client, tmp_path):
    sid = new(client, dataset="blobs", classes=4)
    for _ in range(3):
        client.post(f"/api/sessions/{sid}/step")
    r = client.get(f"/api/sessions/{sid}/model.npz")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "m.npz"
    path.write_bytes(r.content)
    saved = ranvier.load_model(path)
    session = client.store.sessions[sid]
    np.testing.assert_array_equal(saved.model.scores(session.X_test), session.model.scores(session.X_test))


def test_downloaded_command_names_the_options(client):
    sid = new(client, dataset="spirals", layers=[16, 8], optimizer="momentum", lr=0.05)
    client.post(f"/api/sessions/{sid}/step")
    text = client.get(f"/api/sessions/{sid}/command.sh").text
    for part in ("ranvier train", "--data spirals", "--hidden 16,8", "--optimizer momentum", "--lr 0.05",
                 "--momentum 0.9", "--epochs 1", "--no-restore-best"):
        assert part in text


@pytest.mark.parametrize("settings", [
    {"dataset": "spirals", "features": ["x1", "x2", "x1*x2"], "activation": ["relu", "tanh"]},
    {"dataset": "gaussian", "optimizer": "nesterov", "lr": 0.01, "mode": "batch"},
    {"dataset": "blobs", "classes": 5, "optimizer": "rmsprop", "schedule": "step", "decay": 0.5, "decay_every": 1,
     "loss": "svm", "l2": 0.001},
])
def test_downloaded_python_code_reproduces_the_session(client, tmp_path, settings):
    sid = new(client, points=200, **settings)
    for _ in range(3):
        client.post(f"/api/sessions/{sid}/step")
    f = state(client, sid)
    script = tmp_path / "train.py"
    script.write_text(client.get(f"/api/sessions/{sid}/train.py").text)
    env = dict(os.environ, PYTHONPATH=str(SRC))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"test loss {f['test_loss']:.4f} accuracy {f['test_accuracy']:.3f}" in out.stdout


def test_downloaded_python_code_reproduces_dropout_and_batch_norm(client, tmp_path):
    sid = new(client, dataset="spirals", points=200, layers=[16, 16], dropout=0.2, batch_norm=True)
    for _ in range(3):
        client.post(f"/api/sessions/{sid}/step")
    f = state(client, sid)
    script = tmp_path / "train.py"
    script.write_text(client.get(f"/api/sessions/{sid}/train.py").text)
    assert "dropout=0.2, batch_norm=True" in script.read_text()
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(SRC)), timeout=120)
    assert f"test loss {f['test_loss']:.4f} accuracy {f['test_accuracy']:.3f}" in out.stdout, out.stderr


def test_python_code_embeds_edited_points(client, tmp_path):
    sid = new(client, dataset="xor", points=40)
    client.post(f"/api/sessions/{sid}/points", json={"x1": 0.1, "x2": 0.2, "label": 1})
    client.post(f"/api/sessions/{sid}/step")
    f = state(client, sid)
    code = client.get(f"/api/sessions/{sid}/train.py").text
    assert "the page's own points" in code
    script = tmp_path / "train.py"
    script.write_text(code)
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(SRC)), timeout=120)
    assert f"train loss {f['train_loss']:.4f}" in out.stdout, out.stderr


def test_optimizer_race_marks_divergence_beyond_two_over_l(client):
    r = client.post("/api/optimizer", json={"function": "bowl", "steps": 100,
                                            "runs": [{"optimizer": "gd", "lr": 0.19}, {"optimizer": "gd", "lr": 0.21}]})
    race = r.json()
    assert race["lipschitz"] == 10 and race["lr_bound"] == pytest.approx(0.2)
    ok, bad = race["runs"]
    assert not ok["diverged"] and ok["costs"][-1] < 1e-6 and len(ok["path"]) == 101
    assert bad["diverged"] and "too large" in bad["message"]
    assert all(math.isfinite(c) for c in bad["costs"])
    assert race["contours"]["n"] == 160


def test_optimizer_race_on_rosenbrock_every_optimizer(client):
    names = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
    race = client.post("/api/optimizer", json={"function": "rosenbrock", "start": [-1, 1.5], "steps": 50,
                                               "runs": [{"optimizer": n} for n in names]}).json()
    assert [r["optimizer"] for r in race["runs"]] == names
    assert all(r["path"][0] == [-1.0, 1.5] for r in race["runs"])
    # the first step of gd is the lecture's x - lr * grad
    g = ranvier.get_objective("rosenbrock")(np.array([-1.0, 1.5]))[1]
    lr = race["runs"][0]["lr"]
    np.testing.assert_allclose(race["runs"][0]["path"][1], np.array([-1.0, 1.5]) - lr * g, rtol=1e-6)


@pytest.mark.parametrize("body, field", [
    ({"function": "moon"}, "function"),
    ({"runs": [{"optimizer": "gd", "lr": "big"}]}, "runs[0].lr"),
    ({"runs": [{"optimizer": "newton"}]}, "runs[0].optimizer"),
    ({"start": [0]}, "start"),
    ({"steps": 10**6}, "steps"),
])
def test_optimizer_race_bad_input(client, body, field):
    r = client.post("/api/optimizer", json=body)
    assert r.status_code == 400 and r.json()["field"] == field


def test_malformed_json_body_is_a_message(client):
    sid = new(client)
    r = client.post(f"/api/sessions/{sid}/settings", content=b"{not json")
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]


def test_diverging_training_pauses_with_a_message(client):
    sid = new(client, dataset="circles", optimizer="sgd", lr=10, loss="squared", layers=[64, 64])
    for _ in range(5):
        client.post(f"/api/sessions/{sid}/step")
    f = state(client, sid)
    assert "diverged" in f["message"] and not f["playing"]


def test_closing_the_stream_stops_the_training(live_server):
    import httpx

    with httpx.Client(base_url=live_server, timeout=10) as c:
        sid = c.post("/api/sessions", json={"settings": {"dataset": "spirals"}}).json()["id"]
        c.post(f"/api/sessions/{sid}/play")
        with c.stream("GET", f"/api/sessions/{sid}/events") as r:
            frames = read_events(r, 2)
        assert frames[1]["epoch"] > 0
        session = live_server.store.sessions[sid]
        deadline = time.monotonic() + 5
        while session.playing and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not session.playing
        epoch = session.epoch
        time.sleep(0.3)
        assert session.epoch == epoch


def test_cli_serves_on_localhost_and_prints_the_url(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(SRC))
    with subprocess.Popen([sys.executable, "-m", "ranvier", "playground", "--no-browser"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, env=env) as p:
        _check_served(p)


def _check_served(p) -> None:
    try:
        line = p.stdout.readline()
        assert line.startswith("ranvier playground at http://127.0.0.1:"), line
        url = line.split()[3]
        import httpx

        for _ in range(50):
            try:
                page = httpx.get(url, timeout=2)
                break
            except httpx.ConnectError:
                time.sleep(0.1)
        assert page.status_code == 200 and "ranvier playground" in page.text
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_cli_without_the_extra_says_how_to_install(monkeypatch, capsys):
    import builtins

    from ranvier.cli import main

    real = builtins.__import__

    def no_uvicorn(name, *args, **kwargs):
        if name == "uvicorn":
            raise ImportError("No module named 'uvicorn'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_uvicorn)
    assert main(["playground", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "ranvier: error: the playground needs its extra: pip install 'ranvier[playground]'"


def test_cli_bad_port_is_a_usage_error(capsys):
    from ranvier.cli import main

    assert main(["playground", "--port", "99999"]) == 2
    assert "--port: must be a port number from 0 to 65535, got '99999'" in capsys.readouterr().err


def test_hand_set_xor_preset_is_exact_before_training(client):
    sid = new(client)
    r = client.post(f"/api/sessions/{sid}/preset", json={"id": "xor-hand"})
    assert r.status_code == 200, r.text
    f = state(client, sid)
    assert f["epoch"] == 0 and f["settings"]["noise"] == 0.0 and f["network"]["sizes"] == [2, 2, 2]
    assert f["train_loss"] == 0.0 and f["test_loss"] == 0.0 and f["test_accuracy"] == 1.0
    session = client.store.sessions[sid]
    corners = np.array([[-1, -1], [-1, 1], [1, -1], [1, 1]], dtype=np.float32)
    np.testing.assert_array_equal(session.model.scores(corners), [[1, 0], [0, 1], [0, 1], [1, 0]])


def test_unknown_preset_is_a_message(client):
    sid = new(client)
    r = client.post(f"/api/sessions/{sid}/preset", json={"id": "lr-bowl"})  # an optimiser-view preset
    assert r.status_code == 400 and "unknown classifier preset" in r.json()["error"]


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("::1", True), ("localhost", True),
                                            ("0.0.0.0", False), ("192.168.1.5", False)])
def test_listening_off_loopback_is_told(host, loopback):
    from ranvier.playground.cli import _loopback

    assert _loopback(host) is loopback


def test_allowed_hosts_refuse_other_host_names():
    app = create_app(allowed_hosts=["127.0.0.1", "localhost"])
    with TestClient(app, base_url="http://127.0.0.1") as c:
        assert c.get("/api/meta").status_code == 200
        assert c.get("/api/meta", headers={"host": "evil.example"}).status_code == 400


def test_choosing_custom_keeps_the_points_and_edits_survive_an_optimiser_change(client):
    sid = new(client, dataset="blobs", classes=4, points=100)
    before = state(client, sid)["points"]
    client.post(f"/api/sessions/{sid}/points", json={"x1": 0.5, "x2": 0.5, "label": 3})
    r = client.post(f"/api/sessions/{sid}/settings", json={"dataset": "custom", "lr": 0.01})
    assert r.status_code == 200
    f = state(client, sid)
    assert f["points"]["x"][:100] == before["x"] and len(f["points"]["y"]) == 101 and f["n_classes"] == 4
    client.post(f"/api/sessions/{sid}/settings", json={"ratio": 0.8})  # custom data: a new split, same points
    f = state(client, sid)
    assert len(f["points"]["y"]) == 101 and sum(f["points"]["train"]) == 81
