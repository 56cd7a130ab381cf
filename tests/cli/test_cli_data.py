"""Own data through the CLI: train on a CSV, a .npz, X.npy + labels or an image folder; evaluate
and predict on new rows; metrics; --proba and --output; image layouts and sizes; export."""

import csv
import json

import numpy as np
import pytest

import ranvier as rv
from ranvier.cli import main

FEATURES = ["sepal length", "sepal width", "petal length", "petal width"]


def write_iris(path, rows=slice(None), order=None, drop=None):
    from sklearn.datasets import load_iris

    d = load_iris()
    header = FEATURES + ["species"] if order is None else order
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow([h for h in header if h != drop])
        for x, t in list(zip(d.data, d.target))[rows]:
            values = dict(zip(FEATURES, x), species=d.target_names[t])
            w.writerow([values[h] for h in header if h != drop])
    return path


@pytest.fixture(scope="module")
def iris_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iris")
    data = write_iris(tmp / "iris.csv")
    assert main(["train", "--data", str(data), "--epochs", "15", "--test-split", "0.2", "--out", str(tmp / "run"),
                 "--quiet"]) == 0
    return tmp, tmp / "run" / "model.npz"


def test_train_on_a_csv_saves_classes_features_and_preprocessing(iris_run):
    _, model = iris_run
    saved = rv.load_model(model)
    assert saved.class_names == ["setosa", "versicolor", "virginica"]
    assert saved.feature_names == FEATURES
    assert list(saved.preprocessing.steps) == ["standardize"]
    assert saved.summary["n_test"] == 30 and saved.summary["options"]["test_split"] == 0.2


def test_evaluate_on_the_training_csv_redraws_its_test_split(iris_run, capsys):
    tmp, model = iris_run
    capsys.readouterr()
    assert main(["evaluate", str(model), "--json", str(tmp / "m.json"), "--overwrite"]) == 0
    out = capsys.readouterr().out
    saved = rv.load_model(model)
    assert f"(test split, 30 examples): accuracy {100 * saved.summary['test_accuracy']:.2f}%" in out
    assert "balanced accuracy" in out and "log loss" in out and "macro avg" in out and "weighted avg" in out
    assert "top-5" not in out  # 3 classes
    report = json.loads((tmp / "m.json").read_text())
    assert report["accuracy"] == pytest.approx(saved.summary["test_accuracy"])
    assert set(report["per_class"]) == {"setosa", "versicolor", "virginica"}
    assert sum(c["support"] for c in report["per_class"].values()) == 30


def test_evaluate_and_predict_on_new_rows_with_columns_in_another_order(iris_run, capsys):
    tmp, model = iris_run
    order = ["species", "petal width", "sepal length", "petal length", "sepal width", "note"]
    new = tmp / "new.csv"
    with open(new, "w", newline="") as f:  # an extra column, another order: picked by name
        w = csv.writer(f)
        w.writerow(order)
        from sklearn.datasets import load_iris

        d = load_iris()
        for x, t in list(zip(d.data, d.target))[::10]:
            v = dict(zip(FEATURES, x), species=d.target_names[t], note="x")
            w.writerow([v[h] for h in order])
    saved = rv.load_model(model)
    X = load_iris().data[::10]
    want = saved.model.scores(saved.prepare(X))
    capsys.readouterr()
    assert main(["evaluate", str(model), "--data", str(new)]) == 0
    out = capsys.readouterr().out
    acc = (want.argmax(1) == load_iris().target[::10]).mean()
    assert f"(all, 15 examples): accuracy {100 * acc:.2f}%" in out
    out_csv = tmp / "pred.csv"
    assert main(["predict", str(model), str(new), "--output", str(out_csv), "--overwrite"]) == 0
    rows = list(csv.reader(out_csv.read_text().splitlines()))
    assert rows[0] == ["input", "predicted", "p_setosa", "p_versicolor", "p_virginica"]
    assert rows[1][0] == f"{new}:2"
    probs = np.array([[float(v) for v in r[2:]] for r in rows[1:]])
    np.testing.assert_allclose(probs, rv.softmax(want), rtol=1e-6, atol=1e-8)
    assert [r[1] for r in rows[1:]] == [saved.class_names[k] for k in want.argmax(1)]


def test_predict_refuses_to_overwrite_and_names_a_missing_column(iris_run, capsys):
    tmp, model = iris_run
    out = tmp / "taken.csv"
    out.write_text("keep me\n")
    assert main(["predict", str(model), str(tmp / "iris.csv"), "--output", str(out)]) == 2
    assert "exists; pass --overwrite to replace it" in capsys.readouterr().err
    assert out.read_text() == "keep me\n"
    bad = write_iris(tmp / "nopetal.csv", rows=slice(0, 5), drop="petal width")
    assert main(["predict", str(model), str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"ranvier: error: {bad}: no column 'petal width', which the model takes; the columns are ")
    assert err.count("\n") == 1


def test_predict_proba_prints_every_class(iris_run, capsys):
    tmp, model = iris_run
    rows = write_iris(tmp / "few.csv", rows=slice(0, 2), drop="species")  # no label column: fine for predict
    capsys.readouterr()
    assert main(["predict", str(model), str(rows), "--proba"]) == 0
    lines = capsys.readouterr().out.splitlines()
    saved = rv.load_model(model)
    from sklearn.datasets import load_iris

    p = saved.model.predict_proba(saved.prepare(load_iris().data[:1]))[0]
    assert len(lines) == 2
    assert lines[0] == f"{rows}:2: setosa   [setosa {p[0]:.4f}, versicolor {p[1]:.4f}, virginica {p[2]:.4f}]"


def test_evaluate_report_matches_sklearn_from_python():
    from sklearn import metrics

    data = rv.load_dataset("digits")
    net = rv.MLP((64, 20, 10), seed=0)
    rv.Trainer(net, "adam", lr=1e-2, epochs=2, verbose=0).fit(data.X_train, data.y_train)
    report = rv.evaluate_report(net, data.X_test, data.y_test, class_names=data.class_names)
    loss, acc = rv.evaluate(net, data.X_test, data.y_test)  # unchanged: (loss, accuracy)
    assert report.accuracy == pytest.approx(acc)
    scores = net.scores(data.X_test)
    assert report.top_k[5] == pytest.approx(metrics.top_k_accuracy_score(data.y_test, scores, k=5))
    pred = scores.argmax(1)
    np.testing.assert_allclose(report.f1, metrics.f1_score(data.y_test, pred, average=None), atol=1e-12)
    assert report.balanced_accuracy == pytest.approx(metrics.balanced_accuracy_score(data.y_test, pred))
    assert report.log_loss == pytest.approx(metrics.log_loss(data.y_test, rv.softmax(scores.astype(np.float64)),
                                                             labels=range(10)), rel=1e-6)


def test_train_on_npy_with_labels_and_npz_from_a_config(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(-2, 1, (40, 3)), rng.normal(2, 1, (40, 3))])
    y = np.array(["neg"] * 40 + ["pos"] * 40)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", y)
    assert main(["train", "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "y.npy"), "--epochs", "5", "--batch-size", "16",
                 "--out", str(tmp_path / "a"), "--quiet"]) == 0
    assert rv.load_model(tmp_path / "a" / "model.npz").class_names == ["neg", "pos"]
    np.savez(tmp_path / "d.npz", X=X, y=(y == "pos").astype(int))
    (tmp_path / "c.toml").write_text(f'[train]\ndata = "{tmp_path / "d.npz"}"\ntest-split = 0.25\nepochs = 3\nbatch-size = 16\n')
    assert main(["train", "--config", str(tmp_path / "c.toml"), "--out", str(tmp_path / "b"), "--quiet"]) == 0
    assert rv.load_model(tmp_path / "b" / "model.npz").summary["n_test"] == 20


def write_images(root, classes=("cat", "dog"), n=6, size=(8, 8), seed=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(n):
            base = np.full((*size, 3), 60 + 120 * k, dtype=np.int64)
            pixels = np.clip(base + rng.integers(-40, 40, (*size, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("images")
    write_images(tmp / "pics")
    assert main(["train", "--data", str(tmp / "pics"), "--image-size", "8x8", "--color", "rgb", "--epochs", "10",
                 "--batch-size", "4", "--out", str(tmp / "run"), "--quiet"]) == 0
    return tmp, tmp / "run" / "model.npz"


def test_image_folder_train_evaluate_and_predict(image_run, capsys):
    tmp, model = image_run
    saved = rv.load_model(model)
    assert saved.image_shape == (8, 8, 3) and saved.class_names == ["cat", "dog"]
    write_images(tmp / "more", n=3, seed=1)
    capsys.readouterr()
    assert main(["evaluate", str(model), "--data", str(tmp / "more")]) == 0
    assert "(all, 6 examples)" in capsys.readouterr().out
    assert main(["predict", str(model), str(tmp / "more")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 6 and out[0].startswith(f"{tmp / 'more' / 'cat' / '0.png'}: ")


def test_images_of_another_size_are_resized_with_a_note_or_refused(image_run, capsys):
    tmp, model = image_run
    write_images(tmp / "big", classes=("x",), n=1, size=(16, 12))
    capsys.readouterr()
    assert main(["predict", str(model), str(tmp / "big")]) == 0
    err = capsys.readouterr().err
    assert "0.png: resized from 16x12 to the model's 8x8 (bilinear)" in err
    assert main(["predict", str(model), str(tmp / "big"), "--no-resize"]) == 2
    assert "the image is 16x12 but the model takes 8x8; drop --no-resize" in capsys.readouterr().err


def test_channels_first_arrays_are_transposed_with_a_note(image_run, capsys):
    tmp, model = image_run
    saved = rv.load_model(model)
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, (4, 8, 8, 3)).astype(np.float32)
    np.save(tmp / "nhwc.npy", images)
    np.save(tmp / "nchw.npy", images.transpose(0, 3, 1, 2))
    capsys.readouterr()
    assert main(["predict", str(model), str(tmp / "nhwc.npy"), "--proba"]) == 0
    cap = capsys.readouterr()
    assert cap.err == ""
    assert main(["predict", str(model), str(tmp / "nchw.npy"), "--proba"]) == 0
    cap2 = capsys.readouterr()
    assert "as channels-first (m, 3, h, w) and transposed them" in cap2.err
    assert cap2.out.replace("nchw", "nhwc") == cap.out  # the same predictions, not a misread
    want = saved.model.predict(saved.prepare(images))
    assert [line.split(": ")[1].split()[0] for line in cap.out.splitlines()] == [saved.class_names[k] for k in want]


def test_an_ambiguous_layout_is_refused_unless_named(tmp_path, capsys):
    net = rv.MLP((27, 4, 2), seed=0)
    rv.save_model(tmp_path / "m.npz", net, image_shape=(3, 3, 3), class_names=["a", "b"])
    np.save(tmp_path / "x.npy", np.zeros((2, 3, 3, 3)))
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "x.npy")]) == 2
    assert "reads as channels-last (m, h, w, 3) and as channels-first (m, 3, h, w); say which with --layout" \
        in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "x.npy"), "--layout", "nchw"]) == 0


def test_export_cli_writes_onnx_and_a_state_dict(iris_run, capsys):
    pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    ort = pytest.importorskip("onnxruntime", reason="pip install 'ranvier[export]'")
    tmp, model = iris_run
    out = tmp / "m.onnx"
    assert main(["export", str(model), str(out), "--overwrite"]) == 0
    assert main(["export", str(model), str(out)]) == 2
    assert "exists; pass --overwrite" in capsys.readouterr().err
    from sklearn.datasets import load_iris

    X = load_iris().data.astype(np.float32)
    saved = rv.load_model(model)
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(["scores"], {"x": X})[0]
    np.testing.assert_allclose(got, saved.model.scores(saved.prepare(X)), rtol=1e-5, atol=1e-5)
    pytest.importorskip("torch", reason="pip install torch")
    assert main(["export", str(model), "--torch", str(tmp / "sd.pt"), "--overwrite"]) == 0


def test_export_without_onnx_names_the_extra(iris_run, capsys, monkeypatch):
    import sys

    tmp, model = iris_run
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx fails
    assert main(["export", str(model), str(tmp / "none.onnx")]) == 2
    assert capsys.readouterr().err == ("ranvier: error: ONNX export needs the onnx package: "
                                       "pip install 'ranvier[export]'\n")
    assert not (tmp / "none.onnx").exists()


def test_sweep_and_lr_find_take_a_csv(iris_run, tmp_path, capsys, monkeypatch):
    tmp, _ = iris_run
    monkeypatch.chdir(tmp_path)
    assert main(["sweep", "--data", str(tmp / "iris.csv"), "--grid", "lr=0.01,0.1", "--epochs", "2", "--n-jobs", "1",
                 "--out", "s"]) == 0
    assert (tmp_path / "s" / "best" / "model.npz").exists()
    assert main(["lr-find", "--data", str(tmp / "iris.csv"), "--steps", "20", "--batch-size", "16"]) == 0
    assert [p.name.split("-lr-find-")[0] for p in (tmp_path / "runs").iterdir()] == ["iris"]


def test_feature_names_are_checked_on_load_and_escaped_when_printed(tmp_path, capsys):
    net = rv.MLP((2, 3), seed=0)
    rv.save_model(tmp_path / "m.npz", net, feature_names=["a\x1b[31m", "b"])
    assert rv.load_model(tmp_path / "m.npz").feature_names == ["a\x1b[31m", "b"]
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "features: a" in out
    with pytest.raises(ValueError, match="feature_names has 1 names but the model takes 2 inputs"):
        rv.save_model(tmp_path / "x.npz", net, feature_names=["a"])
    with np.load(tmp_path / "m.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    key = next(k for k in arrays if "meta" in k)
    meta = json.loads(arrays[key].tobytes())
    meta["feature_names"] = ["a", "a"]
    arrays[key] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(rv.ModelFileError, match="feature_names must be 2 distinct strings"):
        rv.load_model(tmp_path / "bad.npz")


def test_grey_images_with_a_channel_axis_are_read(tmp_path, capsys):
    net = rv.MLP((16, 4, 2), seed=0)
    rv.save_model(tmp_path / "m.npz", net, image_shape=(4, 4), class_names=["a", "b"])
    images = np.random.default_rng(0).normal(size=(3, 4, 4))
    np.save(tmp_path / "c1.npy", images[:, None])
    np.save(tmp_path / "plain.npy", images)
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "plain.npy"), "--proba"]) == 0
    plain = capsys.readouterr().out
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "c1.npy"), "--proba"]) == 0
    cap = capsys.readouterr()
    assert "as channels-first (m, 1, h, w)" in cap.err
    assert cap.out.replace("c1.npy", "plain.npy") == plain
