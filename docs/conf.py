"""Sphinx configuration of the ranvier documentation site.

Build it with ``bash docs/build.sh`` from the repository root (warnings are errors).
The lecture pages are MyST markdown notebooks: myst-nb runs their code cells at build
time in a fresh kernel, so every figure on the site is drawn by the code above it.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# document the source tree, not an installed copy (build.sh puts src/ on PYTHONPATH for the kernels)
sys.path.insert(0, str(HERE.parent / "src"))

import ranvier  # noqa: E402

project = "ranvier"
author = "The ranvier developers"
copyright = "the ranvier developers, MIT licence"
release = ranvier.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
    "sphinxarg.ext",
    "sphinx-mathjax-offline",  # ships MathJax 3 into _static/mathjax: the math renders offline
]

exclude_patterns = ["_build", "jupyter_execute", "gallery/make_gallery.sh", "README.md", ".ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
templates_path = ["_templates"]

# ---------------------------------------------------------------- MyST and myst-nb
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # every build runs every code cell: the pictures never go stale
nb_execution_timeout = 120
nb_execution_raise_on_error = False  # a failing cell is a warning, and -W fails the build after reporting all of them
nb_execution_show_tb = True
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# ---------------------------------------------------------------- API reference
autosummary_generate = True
autosummary_ignore_module_all = False
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections give the types in words
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# ---------------------------------------------------------------- HTML
html_theme = "furo"
html_title = f"ranvier {release}"
html_static_path = []
html_show_sourcelink = False
mathjax3_config = {"tex": {"macros": {"R": r"\mathbb{R}"}}}

nitpicky = False


# ---------------------------------------------------------------- what the API pages list
def _public_modules() -> list[str]:
    """Every public submodule of ranvier (no leading underscore at any level).

    A module whose name is also a flat name of the package (``ranvier.gradcheck`` the
    module and ``ranvier.gradcheck`` the function) is left out: every public name of such
    a module is re-exported flat, and one page cannot stand for both.
    """
    import pkgutil

    flat = set(ranvier.__all__)
    names = []
    for info in pkgutil.walk_packages(ranvier.__path__, prefix="ranvier."):
        parts = info.name.split(".")[1:]
        if any(p.startswith("_") for p in parts) or (len(parts) == 1 and parts[0] in flat):
            continue
        if parts[-1] == "__main__":
            continue
        names.append(info.name)
    return sorted(names)


def _constants() -> list[tuple[str, str]]:
    """The names of ``ranvier.__all__`` that are data, with what they hold."""
    import inspect

    rows = []
    for name in ranvier.__all__:
        obj = getattr(ranvier, name)
        if inspect.isclass(obj) or callable(obj):
            continue
        if isinstance(obj, dict):
            what = "registry of names: " + ", ".join(f"``{k}``" for k in obj)
        elif isinstance(obj, tuple):
            what = "names: " + ", ".join(f"``{k}``" for k in obj)
        else:
            what = f"``{obj!r}``"
        rows.append((name, what))
    return rows


def _packages() -> list[str]:
    """Subpackages: their pages document what they define, not what their modules define
    and they re-export (that is on the modules' own pages)."""
    import importlib

    return [m for m in _public_modules() if hasattr(importlib.import_module(m), "__path__")]


autosummary_context = {
    "ranvier_modules": _public_modules(),
    "ranvier_constants": _constants(),
    "ranvier_packages": _packages(),
}


def _skip_foreign(app, what, name, obj, skip, options):
    # scikit-learn adds set_*_request methods to every estimator class; their docstrings
    # point into scikit-learn's own documentation, which is not part of this site
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklearn"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign)
smartquotes = False  # "--out" stays two hyphens in the CLI reference

# nbclient logs "Executing notebook with kernel" for every page: keep the build output to warnings
import logging  # noqa: E402

logging.getLogger("traitlets").setLevel(logging.WARNING)
