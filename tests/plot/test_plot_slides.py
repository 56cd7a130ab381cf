"""Pictures fit for a slide: run colours kept in every GIF frame, text large enough for a
projector, one colour per run everywhere, ax=/fig= on every picture, figures and
animations that a notebook shows."""

import base64
import io
import re

import numpy as np
import pytest
from PIL import Image, ImageSequence

from ranvier import MLP, History, plot
from ranvier.datasets.toy import make_xor
from ranvier.descent.paths import compare


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=np.int16)


def _frames(path) -> list[np.ndarray]:
    with Image.open(path) as img:
        return [np.asarray(f.convert("RGB"), dtype=np.int16) for f in ImageSequence.Iterator(img)]


def _near(arr: np.ndarray, color: np.ndarray, tol: int) -> int:
    """How many pixels of ``arr`` are within ``tol`` (per channel) of ``color``."""
    return int((np.abs(arr - color).max(axis=2) <= tol).sum())


@pytest.fixture(scope="module")
def four_runs():
    return compare("rosenbrock", ["gd", "momentum", "nesterov", "adam"], steps=200)


@pytest.fixture(scope="module")
def movie(tmp_path_factory, four_runs):
    out = tmp_path_factory.mktemp("movie") / "paths.gif"
    fig = plot.animate_paths("rosenbrock", four_runs, out, frames=12, dpi=60)
    return out, fig


def test_every_run_keeps_its_colour_in_the_first_middle_and_last_frames(movie, tmp_path, four_runs):
    out, _ = movie
    frames = _frames(out)
    assert len(frames) == 12
    png = tmp_path / "paths.png"
    plot.plot_paths("rosenbrock", four_runs, png, dpi=60)
    still = _frames(png)[0]
    for i in range(len(four_runs)):
        color = _rgb(plot.run_color(i))
        assert _near(still, color, 0) > 20  # drawn in exactly its colour in the PNG
        for k in (0, len(frames) // 2, len(frames) - 1):
            assert _near(frames[k], color, 2) >= 10, (i, k)  # the legend at least (the starts coincide)


def test_the_old_per_frame_palette_would_fail_that_check(tmp_path, four_runs, monkeypatch):
    """matplotlib's PillowWriter lets Pillow make a palette per frame: colours drift."""
    from matplotlib import animation

    monkeypatch.setattr(plot.animation, "_movie_writer", lambda path: animation.PillowWriter)
    out = tmp_path / "drift.gif"
    plot.animate_paths("rosenbrock", four_runs, out, frames=12, dpi=60)
    frames = _frames(out)
    drifted = [min(np.abs(f - _rgb(plot.run_color(i))).max(axis=2).min() for f in frames)
               for i in range(len(four_runs))]
    exact = [all(_near(f, _rgb(plot.run_color(i)), 2) >= 10 for f in (frames[0], frames[6], frames[-1]))
             for i in range(len(four_runs))]
    assert not all(exact), drifted


def test_no_two_runs_share_a_colour_and_none_is_white_or_grey():
    colors = np.array([_rgb(c) for c in plot.RUN_COLORS], dtype=float)
    assert len(colors) >= 6
    gaps = np.linalg.norm(colors[:, None] - colors[None], axis=2)[np.triu_indices(len(colors), 1)]
    assert gaps.min() > 80
    assert np.linalg.norm(colors - 255, axis=1).min() > 100  # far from the white background
    assert (colors.max(axis=1) - colors.min(axis=1)).min() > 100  # saturated: no grey
    assert np.linalg.norm(colors - _rgb(plot.MINIMUM_COLOR), axis=1).min() > 80


def test_a_run_has_the_same_colour_in_the_paths_and_the_costs(four_runs):
    paths = plot.plot_paths("rosenbrock", four_runs, dpi=40)
    costs = plot.plot_costs(four_runs, objective="rosenbrock", dpi=40)
    legend = [h.get_color() for h in paths.legends[0].legend_handles][:4]
    curves = [ln.get_color() for ln in costs.axes[0].get_lines()][:4]
    assert legend == curves == [plot.run_color(i) for i in range(4)]


def _cap_height_px(text) -> float:
    """Height in pixels of a capital H in the text's font at its figure's dpi."""
    from matplotlib.textpath import TextPath

    size_px = text.get_fontsize() * text.figure.dpi / 72
    ext = TextPath((0, 0), "H", size=size_px, prop=text.get_fontproperties()).get_extents()
    return ext.height


def test_the_movie_text_is_readable_on_a_projector(tmp_path, four_runs):
    fig = plot.animate_paths("rosenbrock", four_runs, tmp_path / "big.gif", frames=2)  # default size
    texts = [*fig.legends[0].get_texts(), fig.axes[0].xaxis.label, fig.axes[0].yaxis.label, fig.axes[0].title]
    heights = [_cap_height_px(t) for t in texts]
    assert min(heights) >= 10, heights
    w, h = _frames(tmp_path / "big.gif")[0].shape[1::-1]
    assert w >= 600 and h >= 600


def test_overlapping_paths_are_drawn_wide_below_and_dashed_above(four_runs):
    fig = plot.plot_paths("rosenbrock", four_runs, dpi=40)
    lines = [ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) > 1]
    widths = [ln.get_linewidth() for ln in lines]
    orders = [ln.get_zorder() for ln in lines]
    assert widths == sorted(widths, reverse=True) and orders == sorted(orders)
    assert lines[0].get_linestyle() == "-" and all(ln.get_linestyle() == "--" for ln in lines[1:])


def test_colour_bar_ticks_are_round(four_runs):
    fig = plot.plot_paths("rosenbrock", four_runs, dpi=40)
    bar = fig.axes[-1]
    labels = [t.get_text() for t in bar.get_yticklabels()]
    assert labels == ["0", "1", "10", "100", "1000"]  # min + 10**k, the minimum being 0


def test_titles_read_as_sentences(four_runs):
    assert plot.plot_paths("rosenbrock", four_runs, dpi=30).axes[0].get_title() == "4 runs on Rosenbrock's function"
    assert plot.plot_costs(four_runs, objective="bowl", dpi=30).axes[0].get_title() == \
        "Cost per iteration on the bowl 0.5 (x² + 10 y²)"


# ------------------------------------------------------------------ notebooks
def test_a_figure_has_a_png_representation():
    fig = plot.plot_activations(["relu"], dpi=20)
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = fig.get_size_inches() * 20
    with Image.open(io.BytesIO(png)) as img:
        assert img.size == (round(w), round(h))


def test_an_animation_without_a_file_shows_the_same_frames_as_the_gif(movie, four_runs):
    from matplotlib.animation import FuncAnimation

    out, _ = movie
    anim = plot.animate_paths("rosenbrock", four_runs, frames=12, dpi=60)
    assert isinstance(anim, FuncAnimation)
    page = anim._repr_html_()
    assert page == anim.to_jshtml() or "<script" in page
    pngs = [base64.b64decode(b.replace("\\\n", "")) for b in re.findall(r'data:image/png;base64,([^"]+)"', page)]
    gif = _frames(out)
    assert len(pngs) == len(gif) == 12
    for k in (0, 6, 11):
        with Image.open(io.BytesIO(pngs[k])) as img:
            frame = np.asarray(img.convert("RGB"), dtype=np.int16)
        assert frame.shape == gif[k].shape
        assert np.abs(frame - gif[k]).mean() < 3  # the same picture, up to the GIF's 256 colours


# ----------------------------------------------------------------- ax= / fig=
def test_every_picture_draws_into_the_callers_axes_or_figure(four_runs, tmp_path):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 8), dpi=30)
    grid = fig.subfigures(2, 3)
    axes = [sf.add_subplot() for sf in grid.flat[:4]]
    assert plot.plot_paths("rosenbrock", four_runs, ax=axes[0]) is fig
    assert plot.plot_costs(four_runs, ax=axes[1]) is fig
    assert plot.plot_confusion(np.eye(3, dtype=int), ax=axes[2]) is fig
    result = {"lrs": [1e-3, 1e-2, 1e-1], "losses": [1.0, 0.5, 2.0], "smoothed": [1.0, 0.6, 1.5],
              "suggestion": 1e-2, "min_loss_lr": 1e-2}
    assert plot.plot_lr_finder(result, ax=axes[3]) is fig
    h = History()
    h.step_loss = [1.0, 0.5]
    h.epoch["loss"].append(0.7)
    h.epoch["accuracy"].append(0.6)
    assert plot.plot_history(h, fig=grid.flat[4]) is fig
    assert plot.plot_activations(["relu"], fig=grid.flat[5], path=tmp_path / "all.png") is fig
    assert (tmp_path / "all.png").is_file()
    assert all(a.figure is not None for a in axes)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        plot.plot_costs(four_runs, ax=fig)
    with pytest.raises(ValueError, match="surface"):
        plot.plot_paths("rosenbrock", four_runs, surface=True, ax=axes[0])


def test_boundary_into_an_axes_or_a_figure_with_test_points():
    from matplotlib.figure import Figure

    X, y = make_xor(80, seed=0)
    Xt, yt = make_xor(40, seed=1)
    net = MLP((2, 6, 2), seed=0, dtype=np.float64)
    fig = Figure(dpi=30)
    ax = fig.add_subplot()
    assert plot.plot_boundary(net, X, y, X_test=Xt, y_test=yt, ax=ax, resolution=20) is fig
    acc = np.mean(net.predict(Xt) == yt)
    assert ax.get_title().endswith(f"accuracy {100 * acc:.1f}% on the 40 test points")
    assert len(fig.axes) == 1  # the regions alone
    whole = plot.plot_boundary(net, X, y, fig=Figure(dpi=30), resolution=20)
    assert len(whole.axes) > 2


def test_boundary_shades_by_confidence_and_units_share_one_scale():
    X, y = make_xor(60, seed=0)
    net = MLP((2, 4, 2), seed=0, dtype=np.float64)
    net.params["W2"][:] = [[3.0, 0, 0, 0], [0, 0, 0, 0]]
    net.params["b2"][:] = 0
    fig = plot.plot_boundary(net, X, y, resolution=30, dpi=30)
    shade = fig.axes[0].images[0].get_array()
    assert shade.min() < shade.max()  # paler where the network is less sure
    maps = [a.images[0] for a in fig.axes if a.images and a is not fig.axes[0]]
    assert len(maps) == 4
    assert len({(im.norm.vmin, im.norm.vmax) for im in maps}) == 1  # one colour scale
    assert any(a.get_ylabel() == "unit output" for a in fig.axes)  # and its colour bar


def test_the_training_curves_title_is_a_sentence_not_a_repr(tmp_path, monkeypatch):
    from ranvier.cli import main

    titles = []
    real = plot.plot_history
    monkeypatch.setattr(plot, "plot_history", lambda h, path, title=None: titles.append(title) or real(h, path, title=title))
    assert main(["train", "--data", "blobs", "--hidden", "8", "--epochs", "1", "--quiet", "--out", str(tmp_path)]) == 0
    assert titles == ["Training 2-8-3 relu on blobs"]
