"""Pictures of the lecture: optimiser paths and their animation, learning-rate
curves, training curves, decision boundaries with the hidden units as features,
learned templates, activation functions and confusion matrices.

matplotlib is imported only when a picture is drawn (``import ranvier`` does not
import it), and without pyplot: every function builds its own figure on the Agg
canvas, so no display is needed and no global figure list grows.  The figure
carries a PNG representation (``ranvier.plot._figure``), so Jupyter shows it when it
is returned or passed to ``display()``, without ``%matplotlib inline``.  Every
function takes ``ax=`` (or ``fig=``, a Figure or SubFigure, for a picture of
several panels) to draw into the caller's own axes instead.  Every function
returns the (top-level) figure and, given a ``path``, writes it there (PNG, PDF,
SVG, ... by the suffix) at the figure's own ``dpi`` and without cropping, so a
point's pixel in the file is ``fig.dpi``-exact: ``ax.transData.transform(point)``
after ``fig.canvas.draw()`` gives its position, measured from the bottom left.
Run ``i`` of a comparison has the colour :func:`run_color(i) <run_color>` in every
picture of it (paths, animation, costs).

* :func:`plot_paths`: optimiser paths on a 2-D function over log-spaced filled
  contours, start, end and minimum marked; optionally the 3-D surface beside
  them and the direction of steepest descent as arrows;
* :func:`animate_paths`: the same drawn step by step as a GIF (one palette for
  every frame, so colours stay exact) or MP4 (ffmpeg), or, without a file, an
  animation a notebook plays; a frame per recorded iteration or an even subset of
  them (:func:`frame_steps`);
* :func:`plot_costs`: cost against iteration for several runs, e.g. learning
  rates, a diverging run shown as such (:func:`growing`);
* :func:`plot_history`: training curves, loss per step and accuracy per epoch;
* :func:`plot_boundary`: decision regions of a classifier of 2-D points beside a
  heat map of each hidden unit's output over the plane;
* :func:`plot_templates`: rows of the first weight matrix as images (class
  templates, or what each first-layer unit looks for);
* :func:`plot_activations`: activations and their derivatives, saturation shaded;
* :func:`plot_confusion`: a confusion matrix (:func:`confusion_matrix`) with class names.

The recorded runs come from :func:`ranvier.gd` or :mod:`ranvier.descent.paths`.

One module per family of pictures: :mod:`~ranvier.plot.paths` (paths),
:mod:`~ranvier.plot.animation` (their animation), :mod:`~ranvier.plot.curves`
(costs, training curves, learning rates), :mod:`~ranvier.plot.boundaries`
(decision regions and hidden units), :mod:`~ranvier.plot.templates`,
:mod:`~ranvier.plot.activations`, :mod:`~ranvier.plot.confusion`, and
:mod:`~ranvier.plot.colors`; every name is also here, ``ranvier.plot.X``.
"""

from __future__ import annotations

from .activations import plot_activations
from .animation import animate_paths, frame_steps
from .boundaries import plot_boundary
from .colors import MINIMUM_COLOR, RUN_COLORS, run_color
from .confusion import confusion_matrix, plot_confusion
from .curves import plot_costs, plot_history, plot_lr_finder
from .paths import growing, plot_paths
from .templates import plot_templates

__all__ = [
    "MINIMUM_COLOR",
    "RUN_COLORS",
    "animate_paths",
    "confusion_matrix",
    "frame_steps",
    "growing",
    "plot_activations",
    "plot_boundary",
    "plot_confusion",
    "plot_costs",
    "plot_history",
    "plot_lr_finder",
    "plot_paths",
    "plot_templates",
    "run_color",
]
