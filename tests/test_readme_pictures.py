"""The README's picture commands are the gallery's own (docs/gallery/make_gallery.sh), so
they make the pictures shown beside them; and no example names a developer's path."""

import re
import shlex
from pathlib import Path

import numpy as np
from PIL import Image

from ranvier.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _pictures_section() -> str:
    return README.split("## Pictures", 1)[1].split("\n## ", 1)[0]


def _commands(text: str) -> list[list[str]]:
    block = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1).replace("\\\n", " ")
    return [shlex.split(line) for line in block.splitlines() if line.strip()]


def _gallery_commands() -> dict[str, list[str]]:
    """The gallery script's commands by the picture (or run folder) they write."""
    script = (ROOT / "docs" / "gallery" / "make_gallery.sh").read_text()
    out = {}
    for line in script.splitlines():
        if line.startswith("$RANVIER "):
            words = shlex.split(line.replace("$RANVIER", "ranvier").replace("$G/", "").replace("$RUNS", "runs"))
            out[Path(words[words.index("--out") + 1]).name] = words
    return out


def test_the_readme_picture_commands_are_the_gallerys():
    gallery = _gallery_commands()
    commands = _commands(_pictures_section())
    assert len(commands) == 3
    for words in commands:
        made = Path(words[words.index("--out") + 1]).name
        assert made in gallery, made
        # the gallery script redraws into its own folders, so it replaces its earlier runs there
        expected = [w.replace("runs/gallery", "runs") for w in gallery[made] if w != "--overwrite"]
        assert words == expected
    shown = re.findall(r"!\[[^\]]*\]\(docs/gallery/([^)]+)\)", _pictures_section())
    assert shown == ["paths_rosenbrock.png", "boundary_spirals.png"]
    assert {Path(w[w.index("--out") + 1]).name for w in commands} >= set(shown)


def test_the_readme_paths_command_makes_the_picture_beside_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    words = _commands(_pictures_section())[0]
    assert main(words[1:]) == 0
    with Image.open(tmp_path / "paths_rosenbrock.png") as made, \
            Image.open(ROOT / "docs" / "gallery" / "paths_rosenbrock.png") as shown:
        assert made.size == shown.size
        a = np.asarray(made.convert("RGB"), dtype=np.int16)
        b = np.asarray(shown.convert("RGB"), dtype=np.int16)
    assert np.mean(np.abs(a - b).max(axis=2) > 40) < 0.01  # the same picture, up to font rendering


def test_no_example_names_a_path_of_a_developers_machine():
    texts = [README, (ROOT / "docs" / "gallery.md").read_text(), (ROOT / "docs" / "gallery" / "make_gallery.sh").read_text()]
    texts += [p.read_text() for p in (ROOT / "examples").rglob("*") if p.suffix in (".toml", ".ipynb", ".py")]
    for text in texts:
        for bad in ("/tmp/", "/home/", "/Users/", "/work/", "../shared"):
            assert bad not in text, bad
