"""``ranvier playground``: the lecture live in the browser, trained by ranvier itself.

The server (:mod:`.server`, Starlette; needs the extra ``ranvier[playground]``)
keeps one :class:`~.session.Session` per browser tab, trains it with ranvier's
public API and streams its state as server-sent events; the page
(``static/``, plain JavaScript and Canvas, no build step) is a view of that
state.  This package's modules other than :mod:`.server` and :mod:`.cli` need
NumPy and ranvier only.
"""

__all__ = ["create_app"]


def create_app(*args, **kwargs):
    """The playground's ASGI app (see :func:`.server.create_app`); needs Starlette."""
    from .server import create_app as _create_app

    return _create_app(*args, **kwargs)
