"""The colours of the pictures: one per run, the same in every picture of it, and the marker of a minimum.
"""

from __future__ import annotations


__all__ = ["MINIMUM_COLOR", "RUN_COLORS", "run_color"]


# One colour per run, the same in every picture of that run (paths, animation, costs): saturated
# colours that stand out on viridis (dark purple at the minimum, yellow far away) and on white,
# none white, grey or near the background, none the magenta of the minimum marker.
RUN_COLORS = ("#ff3b30", "#ff9f0a", "#00e5ff", "#b880ff", "#ff80c0", "#3050ff", "#a0522d")
"""The colour of run ``i`` is ``RUN_COLORS[i % len(RUN_COLORS)]`` in :func:`plot_paths`,
:func:`animate_paths` and :func:`plot_costs`."""
_PATH_COLORS = RUN_COLORS
MINIMUM_COLOR = "#ff00ff"
"""Face colour of the star that marks a function's minimum in :func:`plot_paths`."""
# Names of the test functions in titles that read as sentences.
_FUNCTION_NAMES = {"bowl": "the bowl 0.5 (x² + 10 y²)", "rosenbrock": "Rosenbrock's function",
                   "beale": "Beale's function", "himmelblau": "Himmelblau's function", "saddle": "the saddle x² - y²"}


def run_color(i: int) -> str:
    """The colour of the ``i``-th run (from 0) in every picture of it."""
    return RUN_COLORS[i % len(RUN_COLORS)]


def _function_name(objective) -> str:
    return _FUNCTION_NAMES.get(objective.name, f"the function {objective.name}")


_CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22")
