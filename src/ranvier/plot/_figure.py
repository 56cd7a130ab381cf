"""The figure class of :mod:`ranvier.plot`: a matplotlib figure that shows itself in a notebook.

ranvier draws on figures of its own, outside pyplot (no global figure list, no
display needed).  Jupyter shows a figure as a picture only through a display
formatter that matplotlib's inline backend registers when *pyplot* is imported;
a notebook that never imports pyplot prints ``<Figure size 1000x400 with 2 Axes>``
instead.  :class:`Figure` carries its own ``_repr_png_``, which IPython's
display machinery asks for whether or not pyplot was imported, so a returned
figure, or one passed to ``display()``, shows as a picture without any magic.

This module imports matplotlib: only the pictures of :mod:`ranvier.plot` import it, when they draw.
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as _MplFigure

__all__ = ["Figure", "new_figure"]


class Figure(_MplFigure):
    """A :class:`matplotlib.figure.Figure` on the Agg canvas with a PNG representation."""

    def _repr_png_(self) -> bytes:
        """The picture as PNG bytes at the figure's own dpi, as ``savefig`` writes it."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=self.dpi)
        return buffer.getvalue()


def new_figure(figsize: tuple[float, float], dpi: float, layout: str | None) -> Figure:
    """A new :class:`Figure` on an Agg canvas: headless, outside pyplot's figure list."""
    fig = Figure(figsize=figsize, dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)
    return fig
