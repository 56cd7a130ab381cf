"""The example notebooks run from start to end in a real Jupyter kernel (nbclient):
no error, nothing on stderr (no warning, no progress line in a red box), figures shown
as pictures without any magic, the animation as an HTML player, a live progress bar."""

import os
import time
from pathlib import Path

import pytest

if os.environ.get("CI"):  # CI installs the test extra: a missing package is a failure there, not a skip
    import ipykernel  # noqa: F401
    import nbclient
    import nbformat
else:
    nbformat = pytest.importorskip("nbformat", reason="the notebooks run through nbclient (pip install '.[test]'); CI fails instead of skipping")
    nbclient = pytest.importorskip("nbclient", reason="the notebooks run through nbclient (pip install '.[test]')")
    pytest.importorskip("ipykernel", reason="the notebooks need a Python kernel (pip install '.[test]')")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "examples").rglob("*.ipynb"))


def _run(path: Path, cwd: Path, monkeypatch):
    # the kernel imports ranvier from this source tree, installed or not
    src = str(ROOT / "src")
    monkeypatch.setenv("PYTHONPATH", src + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    tic = time.perf_counter()
    client.execute()  # raises CellExecutionError on the first cell that fails
    return nb, time.perf_counter() - tic


def _outputs(nb):
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_there_are_example_notebooks():
    names = {p.name for p in NOTEBOOKS}
    assert {"lecture.ipynb", "your_own_data.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_without_error_or_stderr(path, tmp_path, monkeypatch):
    nb, seconds = _run(path, tmp_path, monkeypatch)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr
    shown = [o for o in outputs if o.output_type in ("execute_result", "display_data")]
    as_text = [o for o in shown if o.data.get("text/plain", "").startswith("<Figure size") and "image/png" not in o.data]
    assert not as_text  # a figure shown as "<Figure size 1000x400 with 2 Axes>" text
    figures = [o for o in shown if "image/png" in o.data]
    expected = sum("plot." in "".join(c.source.splitlines()[-3:]) for c in nb.cells if c.cell_type == "code")
    assert len(figures) >= expected - 1 > 0  # every cell that ends in a picture shows it (the animation is HTML)
    assert seconds < 60, f"{path.name} took {seconds:.0f} s"


def test_the_lecture_shows_the_animation_the_progress_and_html_tables(tmp_path, monkeypatch):
    nb, _ = _run(ROOT / "examples" / "notebooks" / "lecture.ipynb", tmp_path, monkeypatch)
    outputs = _outputs(nb)
    html = [o.data["text/html"] for o in outputs if o.output_type == "execute_result" and "text/html" in o.data]
    assert any("<script" in h and "frames[14]" in h for h in html)  # the 15-frame player
    assert any("<caption>3 epochs" in h for h in html)  # the History as a table
    assert any("<caption>gradient check" in h for h in html)
    widget = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    text_bar = [o for o in outputs if o.output_type == "stream" and "%|" in o.text]
    assert widget or text_bar  # tqdm's widget where ipywidgets is installed, else its text bar on stdout
    plain = [o.data["text/plain"] for o in outputs if o.output_type == "execute_result"]
    assert all(len(p) < 600 for p in plain), max(plain, key=len)[:200]
