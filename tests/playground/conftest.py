"""A live playground server (uvicorn in a thread on 127.0.0.1) for the stream and browser tests."""

from __future__ import annotations

import threading
import time

import pytest


@pytest.fixture(scope="module")
def live_server():
    """The URL of a playground served by uvicorn from this process; its session store as ``.store``."""
    uvicorn = pytest.importorskip("uvicorn", reason="the playground extra (uvicorn) is not installed")
    pytest.importorskip("starlette", reason="the playground extra (starlette) is not installed")
    from ranvier.playground.cli import _listen
    from ranvier.playground.server import SessionStore, create_app

    store = SessionStore()
    sock = _listen("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the playground server did not start within 10 s"

    class Live(str):
        pass

    url = Live(f"http://127.0.0.1:{port}")
    url.store = store
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
