"""The playground's web server: a Starlette app over :class:`.session.Session`.

Routes (all JSON unless said; errors are ``{"error": text, "field": name}``
with status 400, or 404 for an unknown session):

* ``GET /`` the page; ``/static/...`` its scripts and styles.
* ``GET /api/meta`` names the page offers (data sets, activations, ...), presets.
* ``POST /api/sessions`` ``{"settings": {...}}`` a new session: ``{"id", "frame"}``.
* ``GET /api/sessions/{id}/events`` the event stream (server-sent events): a
  ``frame`` whenever the state changes, trained ahead while playing.  The
  session trains only while a stream is open: closing the tab stops it.
* ``GET /api/sessions/{id}/state`` the current frame.
* ``POST /api/sessions/{id}/settings|play|pause|step|reset|points|csv|preset|close``.
* ``GET /api/sessions/{id}/model.npz|command.sh|train.py`` the downloads.
* ``POST /api/optimizer`` an optimiser race (:func:`.optview.race`).
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .._archive import json_safe
from ..nn.activations import ACTIVATIONS
from ..descent.functions import OBJECTIVES
from ..descent.paths import PATH_OPTIMIZERS
from . import export, optview
from .model import capabilities
from .presets import PRESETS
from .session import Session
from .settings import DATASETS, DEFAULTS, FEATURES, LIMITS, SettingsError

__all__ = ["SessionStore", "create_app"]

STATIC = Path(__file__).with_name("static")
TRAIN_SECONDS = 0.04  # training per frame while playing: about 20 frames a second with drawing
_MAX_BODY = 1 << 20
_IDLE = 0.03  # seconds between looks at a paused session


class SessionStore:
    """The sessions by id; the oldest ones without a stream go when there are too many."""

    def __init__(self, max_sessions: int = 32) -> None:
        self.max_sessions = max_sessions
        self.sessions: dict[str, Session] = {}

    def new(self, settings: dict | None) -> Session:
        session = Session(settings)
        self.sessions[session.id] = session
        idle = sorted((s for s in self.sessions.values() if not s.streams), key=lambda s: s.last_seen)
        for old in idle[: max(0, len(self.sessions) - self.max_sessions)]:
            self.sessions.pop(old.id, None)
        return session

    def get(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise KeyError(session_id)
        session.last_seen = time.monotonic()
        return session


def _error(exc: Exception, status: int = 400) -> JSONResponse:
    field = getattr(exc, "field", None)
    text = str(exc) if not isinstance(exc, KeyError) else "unknown session; reload the page"
    return JSONResponse({"error": text, "field": field}, status_code=status)


async def _body(request: Request):
    raw = await request.body()
    if len(raw) > _MAX_BODY:
        raise SettingsError("body", f"request body larger than {_MAX_BODY >> 10} KiB")
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SettingsError("body", "request body is not valid JSON") from None


def _summary(session: Session) -> dict:
    return {"ok": True, "epoch": session.epoch, "step": session.step, "playing": session.playing,
            "message": session.message, "settings": session.settings}


def _store(request: Request) -> SessionStore:
    return request.app.state.store


# ------------------------------------------------------------ session actions
# Each takes the session and the request's body (parsed JSON, the text of a CSV
# upload, or None) and runs in a worker thread: a session's lock may be held by
# its stream's training.

def _settings(s: Session, body) -> Response:
    if not isinstance(body, dict):
        raise SettingsError("settings", "settings must be a JSON object")
    s.update(body)
    return JSONResponse(_summary(s))


def _play(s: Session, body) -> Response:
    s.set_playing(True)
    return JSONResponse(_summary(s))


def _pause(s: Session, body) -> Response:
    s.set_playing(False)
    return JSONResponse(_summary(s))


def _step(s: Session, body) -> Response:
    s.set_playing(False)
    s.train(0.0, max_epochs=1)
    return JSONResponse(_summary(s))


def _reset(s: Session, body) -> Response:
    s.set_playing(False)
    s.message = ""
    s.reset()
    return JSONResponse(_summary(s))


def _points(s: Session, body) -> Response:
    if not isinstance(body, dict):
        raise SettingsError("points", "send {x1, x2, label} or {x1, x2, remove: true}")
    x1, x2 = (_coordinate(body.get(k), k) for k in ("x1", "x2"))
    if body.get("remove"):
        removed = s.remove_point(x1, x2)
        return JSONResponse({**_summary(s), "removed": removed, "n_points": len(s.points.y)})
    label = body.get("label", 0)
    if isinstance(label, bool) or not isinstance(label, int):
        raise SettingsError("label", f"label must be a whole number, got {label!r}")
    s.add_point(x1, x2, label)
    return JSONResponse({**_summary(s), "n_points": len(s.points.y)})


def _csv(s: Session, text: str) -> Response:
    s.load_csv(text)
    return JSONResponse({**_summary(s), "n_points": len(s.points.y)})


def _preset(s: Session, body) -> Response:
    wanted = body.get("id") if isinstance(body, dict) else None
    found = next((p for p in PRESETS if p["id"] == wanted and p["view"] == "classifier"), None)
    if found is None:
        names = ", ".join(p["id"] for p in PRESETS if p["view"] == "classifier")
        raise SettingsError("preset", f"unknown classifier preset {wanted!r}; known: {names}")
    s.apply_preset(found)
    return JSONResponse(_summary(s))


def _state(s: Session, body) -> Response:
    return JSONResponse(json_safe(s.frame()))


_DOWNLOADS = {
    "model.npz": (export.model_bytes, "playground-model.npz", "application/octet-stream"),
    "command.sh": (lambda s: export.train_command(s).encode(), "train-command.sh", "text/plain"),
    "train.py": (lambda s: export.python_code(s).encode(), "playground_train.py", "text/x-python"),
}


def _download(kind: str):
    make, name, media = _DOWNLOADS[kind]

    def action(s: Session, body) -> Response:
        with s.lock:
            data = make(s)
        return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return action


def _with_session(action, *, body: str = "json"):
    """An endpoint that finds the session, reads the body (``json``, ``text`` or ``none``) and runs ``action``."""
    async def endpoint(request: Request) -> Response:
        try:
            session = _store(request).get(request.path_params["sid"])
            if body == "text":
                data = _text(await request.body())
            else:
                data = await _body(request) if body == "json" else None
            return await run_in_threadpool(action, session, data)
        except KeyError as exc:
            return _error(exc, 404)
        except (SettingsError, ValueError, TypeError) as exc:
            return _error(exc)
    return endpoint


def _text(raw: bytes) -> str:
    if len(raw) > _MAX_BODY:
        raise ValueError(f"CSV file is larger than {_MAX_BODY >> 10} KiB; the playground takes small files")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("CSV file is not UTF-8 text") from None


def _close(request: Request):
    def action(s: Session, body) -> Response:
        s.set_playing(False)
        _store(request).sessions.pop(s.id, None)
        return JSONResponse({"ok": True})
    return action


async def _close_endpoint(request: Request) -> Response:
    return await _with_session(_close(request), body="none")(request)


# ------------------------------------------------------------ other endpoints
def _index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def _meta(request: Request) -> JSONResponse:
    return JSONResponse({
        "datasets": list(DATASETS), "features": list(FEATURES), "activations": list(ACTIVATIONS),
        "optimizers": [o for o in PATH_OPTIMIZERS if o != "gd"], "path_optimizers": list(PATH_OPTIMIZERS),
        "functions": optview.functions(), "defaults": DEFAULTS, "limits": LIMITS,
        "capabilities": capabilities(), "presets": PRESETS, "objectives": list(OBJECTIVES),
    })


async def _new_session(request: Request) -> JSONResponse:
    store = _store(request)
    try:
        body = await _body(request)
        settings = body.get("settings") if isinstance(body, dict) else None
        session = await run_in_threadpool(store.new, settings)
    except SettingsError as exc:
        # a bad link still opens the page: the defaults, and the message on the page
        session = await run_in_threadpool(store.new, None)
        session.message = f"the link's settings were not used: {exc}"
    frame = await run_in_threadpool(session.frame)
    return JSONResponse(json_safe({"id": session.id, "frame": frame}))


async def _race(request: Request) -> Response:
    try:
        body = await _body(request)
        return JSONResponse(json_safe(await run_in_threadpool(optview.race, body)))
    except (SettingsError, ValueError, TypeError) as exc:
        return _error(exc)


async def _events(request: Request) -> Response:
    try:
        session = _store(request).get(request.path_params["sid"])
        limit = int(request.query_params.get("frames", "0"))
    except KeyError as exc:
        return _error(exc, 404)
    except ValueError:
        return _error(SettingsError("frames", "frames must be a whole number"))
    return StreamingResponse(_stream(request, session, limit), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def create_app(store: SessionStore | None = None, *, allowed_hosts: list[str] | None = None) -> Starlette:
    """The playground's ASGI application (serve it with uvicorn, test it with Starlette's TestClient).

    Parameters
    ----------
    store : SessionStore, optional
        Where the sessions live (a new one by default).
    allowed_hosts : list of str, optional
        The ``Host`` names requests may carry (others get status 400): ``ranvier
        playground`` on 127.0.0.1 allows only the loopback names, so that a web
        page elsewhere cannot reach the server by rebinding a DNS name to 127.0.0.1.
    """
    S = "/api/sessions/{sid}"
    post = {"methods": ["POST"]}
    routes = [
        Route("/", _index),
        Route("/api/meta", _meta),
        Route("/api/sessions", _new_session, **post),
        Route(f"{S}/events", _events),
        Route(f"{S}/state", _with_session(_state, body="none")),
        Route(f"{S}/settings", _with_session(_settings), **post),
        Route(f"{S}/play", _with_session(_play), **post),
        Route(f"{S}/pause", _with_session(_pause), **post),
        Route(f"{S}/step", _with_session(_step), **post),
        Route(f"{S}/reset", _with_session(_reset), **post),
        Route(f"{S}/points", _with_session(_points), **post),
        Route(f"{S}/csv", _with_session(_csv, body="text"), **post),
        Route(f"{S}/preset", _with_session(_preset), **post),
        Route(f"{S}/close", _close_endpoint, **post),
        *(Route(f"{S}/{kind}", _with_session(_download(kind), body="none")) for kind in _DOWNLOADS),
        Route("/api/optimizer", _race, **post),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    middleware = [] if allowed_hosts is None else [Middleware(TrustedHostMiddleware, allowed_hosts=allowed_hosts)]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.store = store or SessionStore()
    return app


def _coordinate(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or abs(value) > 1e6:
        raise SettingsError(name, f"{name} must be a finite number, got {value!r}")
    return float(value)


async def _stream(request: Request, session: Session, limit: int = 0):
    """Server-sent events of ``session``: a frame after each change; trains while playing.

    The points travel only when they change (``data_version``).  When the
    stream ends (the tab closed), the session stops playing.
    """
    session.streams += 1
    sent_version, sent_data, frames, last = -1, -1, 0, time.monotonic()
    try:
        while not (limit and frames >= limit):
            if session.playing:
                await run_in_threadpool(session.train, TRAIN_SECONDS)
            if session.version != sent_version:
                with_points = session.data_version != sent_data
                frame = await run_in_threadpool(session.frame, with_points=with_points)
                sent_version, frames, last = frame["version"], frames + 1, time.monotonic()
                sent_data = frame["data_version"] if with_points else sent_data
                yield f"data: {json.dumps(json_safe(frame), allow_nan=False)}\n\n"
            else:
                if time.monotonic() - last > 10:
                    last = time.monotonic()
                    yield ": keep-alive\n\n"
                if await request.is_disconnected():
                    break
                await asyncio.sleep(_IDLE)
    finally:
        session.streams -= 1
        if session.streams <= 0:
            session.playing = False  # nobody is watching: training stops
