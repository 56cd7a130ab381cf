import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageSequence

from ranvier import MLP, History, LinearClassifier, gd, get_objective, plot, train_xor
from ranvier.datasets.toy import make_xor
from ranvier.descent.paths import compare, run_optimizer
from ranvier.plot.colors import _PATH_COLORS

DPI = 50


def _pixels(path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def _assert_picture(path, fig=None, *, min_colors=20):
    """The file opens, has the figure's size at its dpi, and is not blank."""
    arr = _pixels(path)
    if fig is not None:
        w, h = fig.get_size_inches() * fig.dpi
        assert arr.shape[:2] == (round(h), round(w))
    colors = np.unique(arr.reshape(-1, 3), axis=0)
    assert len(colors) >= min_colors
    assert arr.std() > 15
    return arr


def _hex(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


def _pixel_at(arr, ax, xy) -> np.ndarray:
    x, y = ax.transData.transform(xy)
    return arr[int(arr.shape[0] - y), int(x)]


# ------------------------------------------------------------------ imports
def test_import_ranvier_does_not_import_matplotlib_and_drawing_skips_pyplot():
    code = (
        "import sys, ranvier, ranvier.descent.paths, ranvier.plot, ranvier.cli.plot, ranvier.cli\n"
        "ranvier.cli.build_parser()\n"
        "assert 'matplotlib' not in sys.modules, 'imported matplotlib'\n"
        "ranvier.plot.plot_activations(['relu'], None, dpi=20)\n"
        "assert 'matplotlib' in sys.modules and 'matplotlib.pyplot' not in sys.modules\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "MPLBACKEND")}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


# -------------------------------------------------------------------- paths
def test_paths_marks_the_start_and_the_minimum_where_the_data_say(tmp_path):
    bowl = get_objective("bowl")
    run = gd(bowl, [-3.0, 1.5], lr=0.05, tol=1e-8, max_iters=300)
    out = tmp_path / "paths.png"
    fig = plot.plot_paths(bowl, {"gd": run}, out, dpi=DPI)
    fig.canvas.draw()
    ax = fig.axes[0]
    arr = _assert_picture(out, fig)
    np.testing.assert_allclose(_pixel_at(arr, ax, (0.0, 0.0)), _hex(plot.MINIMUM_COLOR), atol=12)
    np.testing.assert_allclose(_pixel_at(arr, ax, (-3.0, 1.5)), _hex(_PATH_COLORS[0]), atol=12)
    # a point of the plane away from the markers shows the contours, not a marker colour
    far = _pixel_at(arr, ax, (3.5, -1.7))
    assert np.abs(far - _hex(plot.MINIMUM_COLOR)).max() > 40
    assert ax.get_xlim() == bowl.bounds[0] and ax.get_ylim() == bowl.bounds[1]


def test_paths_of_several_runs_with_surface_and_arrows(tmp_path):
    runs = compare("rosenbrock", ["gd", "momentum", "adam"], steps=60)
    out = tmp_path / "paths.png"
    fig = plot.plot_paths("rosenbrock", runs, out, surface=True, arrows=True, dpi=DPI)
    _assert_picture(out, fig)
    assert any(a.name == "3d" for a in fig.axes)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any(lab.startswith("gd lr=0.001") for lab in labels) and "minimum" in labels
    assert len(fig.axes[0].collections) > 2  # filled contours, lines and the arrows


def test_a_diverging_run_is_labelled_and_ends_in_an_x_on_the_edge(tmp_path):
    runs = compare("bowl", "gd", [0.1, 0.25], steps=500)
    assert runs["gd lr=0.25"].diverged
    fig = plot.plot_paths("bowl", runs, tmp_path / "p.png", dpi=DPI)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert any("gd lr=0.25 (diverged at step" in lab for lab in labels)
    head = [ln for ln in fig.axes[0].lines if ln.get_marker() == "X"]
    assert len(head) == 1
    (x,), (y,) = head[0].get_data()
    (x0, x1), (y0, y1) = get_objective("bowl").bounds
    assert x0 <= x <= x1 and y in (y0, y1)


def test_paths_accept_a_gdresult_and_check_their_input(tmp_path):
    fig = plot.plot_paths("himmelblau", run_optimizer(get_objective("himmelblau"), "adam", [0.0, 0.0], 30), dpi=DPI)
    assert fig.axes[0].get_title() == "One run on Himmelblau's function"
    with pytest.raises(TypeError, match="GDResult"):
        plot.plot_paths("bowl", {"x": [1, 2]})
    with pytest.raises(ValueError, match="unknown function"):
        plot.plot_paths("banana", compare("bowl", steps=2))
    with pytest.raises(ValueError, match="levels"):
        plot.plot_paths("bowl", compare("bowl", steps=2), levels=1)


def test_saddle_without_minimum_and_other_formats(tmp_path):
    runs = compare("saddle", ["gd", "adam"], steps=50)
    plot.plot_paths("saddle", runs, tmp_path / "s.svg", dpi=DPI)
    plot.plot_paths("saddle", runs, tmp_path / "s.pdf", dpi=DPI)
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
    assert (tmp_path / "s.pdf").read_bytes()[:4] == b"%PDF"


# ---------------------------------------------------------------- animation
def test_animation_has_one_frame_per_shown_iteration(tmp_path):
    runs = compare("rosenbrock", ["gd", "adam"], steps=30)
    out = tmp_path / "paths.gif"
    fig = plot.animate_paths("rosenbrock", runs, out, frames=6, fps=5, dpi=30)
    with Image.open(out) as img:
        assert img.n_frames == 6
        assert img.info["duration"] == 200
        frames = [np.asarray(f.convert("RGB"), dtype=np.int16) for f in ImageSequence.Iterator(img)]
    w, h = fig.get_size_inches() * fig.dpi
    assert all(f.shape[:2] == (round(h), round(w)) for f in frames)
    assert all(f.std() > 15 for f in frames)
    assert np.abs(frames[0] - frames[-1]).sum() > 0  # the paths grow
    assert fig.axes[0].get_title().endswith("step 30 of 30")


def test_animation_of_every_iteration(tmp_path):
    run = gd(get_objective("bowl"), [-3.5, 1.5], lr=0.1, tol=0, max_iters=4)
    out = tmp_path / "a.gif"
    plot.animate_paths("bowl", run, out, frames=None, dpi=25)
    with Image.open(out) as img:
        assert img.n_frames == 5


def test_frame_steps_follow_the_recorded_iterations():
    np.testing.assert_array_equal(plot.frame_steps(4, 40), [0, 1, 2, 3, 4])
    steps = plot.frame_steps(500, 40)
    assert len(steps) == 40 and steps[0] == 0 and steps[-1] == 500 and np.all(np.diff(steps) > 0)
    with pytest.raises(ValueError, match="frames"):
        plot.frame_steps(100, 1)


def test_animation_formats(tmp_path):
    runs = compare("bowl", steps=3)
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        plot.animate_paths("bowl", runs, tmp_path / "a.avi")
    from matplotlib import animation

    if not animation.writers.is_available("ffmpeg"):
        with pytest.raises(ValueError, match="needs ffmpeg"):
            plot.animate_paths("bowl", runs, tmp_path / "a.mp4")
    else:  # pragma: no cover - depends on the machine
        plot.animate_paths("bowl", runs, tmp_path / "a.mp4", dpi=30)
        assert (tmp_path / "a.mp4").stat().st_size > 0


# ------------------------------------------------------------ learning rates
def test_learning_rate_curves_show_a_diverging_rate(tmp_path):
    runs = compare("bowl", "gd", [0.01, 0.1, 0.19, 0.25], steps=120)
    out = tmp_path / "costs.png"
    fig = plot.plot_costs(runs, out, objective="bowl", dpi=DPI)
    _assert_picture(out, fig)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:3] == ["gd lr=0.01", "gd lr=0.1", "gd lr=0.19"]
    assert labels[3].startswith("gd lr=0.25: diverged at step")
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "cost - minimum"
    assert len(ax.get_lines()) == 5  # four curves and the X of the diverged one


def test_costs_of_a_function_unbounded_below(tmp_path):
    fig = plot.plot_costs(compare("saddle", ["gd", "adam"], steps=40), tmp_path / "c.png", objective="saddle",
                          dpi=DPI)
    assert fig.axes[0].get_yscale() == "symlog"
    _assert_picture(tmp_path / "c.png", fig)


# ------------------------------------------------------------------ history
def _history(diverged=False) -> History:
    h = History()
    rng = np.random.default_rng(0)
    h.step_loss = list(np.exp(-np.linspace(0, 3, 200)) + 0.05 * rng.random(200))
    for e in range(5):
        h.epoch["loss"].append(1.0 / (e + 1))
        h.epoch["accuracy"].append(0.5 + 0.08 * e)
        h.epoch["val_loss"].append(1.1 / (e + 1))
        h.epoch["val_accuracy"].append(0.45 + 0.08 * e)
        h.epoch["lr"].append(0.1)
        h.epoch["seconds"].append(0.1)
    h.best_epoch = 5
    if diverged:
        h.step_loss += [float("nan"), float("inf")]
        h.diverged = True
    return h


def test_history_curves_keep_the_experiment_signature(tmp_path):
    out = tmp_path / "curves.png"
    fig = plot.plot_history(_history(), out, title="digits: MLP")
    _assert_picture(out, fig)
    assert fig.get_suptitle() == "digits: MLP"
    loss_ax, acc_ax = fig.axes
    assert [t.get_text() for t in acc_ax.get_legend().get_texts()][:2] == ["train (running)", "validation"]
    assert "validation (end of epoch)" in [t.get_text() for t in loss_ax.get_legend().get_texts()]


def test_history_of_a_diverged_run_and_from_a_dict(tmp_path):
    fig = plot.plot_history(_history(diverged=True).to_dict(), tmp_path / "h.png", dpi=DPI)
    assert "diverged" in [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    empty = plot.plot_history(History(), tmp_path / "e.png", dpi=DPI)
    assert empty.axes[1].get_legend() is None


# ----------------------------------------------------------------- boundary
@pytest.fixture(scope="module")
def xor_net():
    return train_xor(8, seed=0, lr=0.1, steps=400).model


def test_boundary_shows_every_hidden_unit(tmp_path, xor_net):
    X, y = make_xor(200, seed=0)
    out = tmp_path / "boundary.png"
    fig = plot.plot_boundary(xor_net, X, y, out, class_names=["even", "odd"], dpi=DPI)
    _assert_picture(out, fig)
    titles = [a.get_title() for a in fig.axes]
    assert sum(t.startswith("h1[") for t in titles) == 8
    assert "accuracy" in titles[0]
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["even", "odd"]
    # the decision regions: a corner where the model says 1 is tinted with class 1's colour
    fig.canvas.draw()
    arr = _pixels(out)
    grid = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0], [-1.0, -1.0]])
    for point, label in zip(grid, xor_net.predict(grid.astype(np.float32))):
        pixel = _pixel_at(arr, fig.axes[0], point + [0.55, 0.55])
        red, blue = pixel[0], pixel[2]
        assert (red > blue) == (label == 1), (point, label, pixel)


def test_boundary_picks_the_units_that_vary_most(tmp_path):
    net = MLP((2, 30, 3), activation="tanh", seed=0)
    X, y = np.random.default_rng(0).normal(size=(50, 2)), np.arange(50) % 3
    fig = plot.plot_boundary(net, X, y, max_units=4, resolution=40, dpi=DPI)
    assert sum(a.get_title().startswith("h1[") for a in fig.axes) == 4
    linear = plot.plot_boundary(LinearClassifier(2, 3, seed=0), X, y, resolution=30, dpi=DPI)
    assert len(linear.axes) == 1


def test_boundary_needs_a_two_input_model():
    X, y = make_xor(20, seed=0)
    with pytest.raises(ValueError, match="2 inputs"):
        plot.plot_boundary(MLP((64, 5, 10), seed=0), X, y)
    with pytest.raises(ValueError, match="layer"):
        plot.plot_boundary(MLP((2, 5, 2), seed=0), X, y, layer=2)


# ---------------------------------------------------------------- templates
def test_cifar_templates_are_hwc_and_scaled_per_template(tmp_path):
    net = LinearClassifier(3072, 10, seed=0)
    net.params["W1"][0] = 0.0
    img = net.params["W1"][0].reshape(32, 32, 3)
    img[:16, :, 0] = 5.0  # class 0: the top half red
    names = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
    out = tmp_path / "t.png"
    fig = plot.plot_templates(net, out, image_shape=(32, 32, 3), class_names=names, dpi=DPI)
    _assert_picture(out, fig)
    shown = [a for a in fig.axes if a.images]
    assert [a.get_title() for a in shown] == names
    data = shown[0].images[0].get_array()
    assert data.shape == (32, 32, 3)
    np.testing.assert_array_equal(data[:16, :, 0], 1.0)
    np.testing.assert_array_equal(data[16:], 0.0)
    for a in shown[1:]:
        d = a.images[0].get_array()
        assert d.min() == 0.0 and d.max() == 1.0


def test_templates_of_mnist_and_digits_shapes_and_of_mlp_units(tmp_path):
    fig = plot.plot_templates(LinearClassifier(784, 10, seed=0), dpi=DPI)
    assert fig.axes[0].images[0].get_array().shape == (28, 28)
    units = plot.plot_templates(MLP((64, 12, 10), seed=0), tmp_path / "u.png", max_templates=6, dpi=DPI)
    assert [a.get_title() for a in units.axes if a.images] == [f"unit {j}" for j in range(6)]
    assert units.axes[0].images[0].get_array().shape == (8, 8)
    curves = plot.plot_templates(LinearClassifier(40, 10, seed=0), dpi=DPI)  # MNIST-1D: curves
    assert curves.axes[0].lines


def test_templates_check_their_input():
    with pytest.raises(ValueError, match="does not fit"):
        plot.plot_templates(LinearClassifier(64, 10, seed=0), image_shape=(7, 7))
    with pytest.raises(ValueError, match="decision boundary"):
        plot.plot_templates(LinearClassifier(2, 2, seed=0))


# -------------------------------------------------------------- activations
def test_activations_and_their_saturation(tmp_path):
    out = tmp_path / "a.png"
    fig = plot.plot_activations(["sigmoid", "tanh", "relu", "identity"], out, dpi=DPI)
    _assert_picture(out, fig)
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["sigmoid", "tanh", "relu", "identity"]
    for a in axes[:3]:
        assert "f' < 10% of its peak" in [t.get_text() for t in a.get_legend().get_texts()]
    assert "f' < 10% of its peak" not in [t.get_text() for t in axes[3].get_legend().get_texts()]
    x, d = axes[0].lines[1].get_data()
    np.testing.assert_allclose(d[np.argmin(np.abs(x))], 0.25)  # sigmoid'(0)
    with pytest.raises(ValueError, match="unknown activation"):
        plot.plot_activations(["rleu"])


# ---------------------------------------------------------------- confusion
def test_confusion_matrix_counts():
    cm = plot.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 4)
    np.testing.assert_array_equal(cm, [[1, 1, 0, 0], [0, 1, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0]])
    with pytest.raises(ValueError, match="same length"):
        plot.confusion_matrix([0, 1], [0])


def test_confusion_picture_with_class_names(tmp_path):
    cm = np.array([[8, 2, 0], [1, 9, 0], [0, 3, 7]])
    out = tmp_path / "cm.png"
    fig = plot.plot_confusion(cm, out, class_names=["cat", "dog", "fox"], dpi=DPI)
    _assert_picture(out, fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["cat", "dog", "fox"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in cm.ravel())
    assert "accuracy 80.0% of 30" in ax.get_title()
    with pytest.raises(ValueError, match="names"):
        plot.plot_confusion(cm, class_names=["a", "b"])
    with pytest.raises(ValueError, match="square"):
        plot.plot_confusion(np.ones((2, 3)))
