"""``ranvier playground``: the command that serves the page on this machine."""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import webbrowser

__all__ = ["add_parser", "run"]

EXTRA_HINT = "the playground needs its extra: pip install 'ranvier[playground]'"


def add_parser(sub) -> None:
    """Add the ``playground`` command to the subparsers ``sub`` of ``ranvier``."""
    pg = sub.add_parser(
        "playground",
        help="the lecture live in the browser: train networks and race optimisers on a local page",
        description="Start the playground's web server on this machine (127.0.0.1 unless --host says "
        "otherwise), print its address and open it in the browser. Training runs here, with ranvier.",
    )
    pg.add_argument("--port", type=_port, default=0, help="port to listen on (default: a free one)")
    pg.add_argument("--host", default="127.0.0.1",
                    help="address to listen on (default 127.0.0.1: this machine only)")
    pg.add_argument("--no-browser", action="store_true", help="do not open a browser")
    pg.set_defaults(handler=run)


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()):  # int() would take other scripts' digits too
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text!r}")
    port = int(text)
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535, got {text!r}")
    return port


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: one the system picks)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ValueError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --port or --host") from None
    sock.listen(64)
    return sock


def _loopback(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def run(args: argparse.Namespace) -> int:
    """Serve the playground until interrupted; exit status 2 when the extra is missing."""
    try:
        import uvicorn

        from .server import create_app
    except ImportError:
        print(f"ranvier: error: {EXTRA_HINT}", file=sys.stderr)
        return 2
    sock = _listen(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"ranvier playground at {url}  (Ctrl-C stops it)", flush=True)
    if not _loopback(host):
        print(f"ranvier: warning: listening on {host}: other machines can reach the playground and run training "
              "on this one", file=sys.stderr, flush=True)
    # Starlette's host check reads no IPv6 literals; off loopback the names are the user's
    hosts = ["127.0.0.1", "localhost"] if _loopback(host) and ":" not in host else None
    config = uvicorn.Config(create_app(allowed_hosts=hosts), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    if not args.no_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    return 0
