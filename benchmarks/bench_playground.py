"""How often the playground redraws a 2-8-8-3 network on 500 points (the bar: 10 times a second).

Two measurements, each a few seconds long:

* server: a :class:`ranvier.playground.session.Session` (spirals, 3 classes, 500
  points, hidden layers 8, 8) trains for the stream's share of a frame
  (``TRAIN_SECONDS``), builds the frame and encodes it as JSON, in a loop: frames a
  second, and the milliseconds of building and encoding alone;
* browser (when Playwright and /usr/bin/chromium are there): the page in headless
  Chromium, playing, counts the frames it draws for ``--seconds``; also the median
  time it spends drawing one.

Run:

    python benchmarks/bench_playground.py [--seconds 3] [--out report.md]
"""

from __future__ import annotations

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

from ranvier.playground.server import TRAIN_SECONDS  # noqa: E402
from ranvier.playground.session import Session  # noqa: E402

SETTINGS = {"dataset": "spirals", "classes": 3, "points": 500, "layers": [8, 8]}
BAR = 10.0
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def server_rate(seconds: float) -> dict:
    """Frames a second of train + build + encode, and the build/encode time alone."""
    s = Session(SETTINGS)
    build, frames, size = [], 0, 0
    tic = time.perf_counter()
    while time.perf_counter() - tic < seconds:
        s.train(TRAIN_SECONDS)
        t0 = time.perf_counter()
        text = json.dumps(s.frame(with_points=False))
        build.append(time.perf_counter() - t0)
        frames, size = frames + 1, len(text)
    elapsed = time.perf_counter() - tic
    return {"fps": frames / elapsed, "build_ms": 1000 * statistics.median(build), "bytes": size, "epochs": s.epoch}


def browser_rate(seconds: float) -> dict | str:
    """Frames a second the page draws while playing, or why it was not measured."""
    try:
        import uvicorn
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        return f"not measured: {exc.name} is not installed"
    if not os.path.exists(CHROMIUM):
        return f"not measured: no {CHROMIUM}"
    from ranvier.playground.cli import _listen
    from ranvier.playground.server import create_app

    sock = _listen("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(create_app(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    query = "&".join(f"{k}={','.join(map(str, v)) if isinstance(v, list) else v}" for k, v in SETTINGS.items())
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"http://127.0.0.1:{sock.getsockname()[1]}/#{query}")
            page.wait_for_function("window.ranvierPlayground && window.ranvierPlayground.state().points.length === 500")
            page.click("[data-testid=play]")
            page.wait_for_timeout(1000)
            before, tic = page.evaluate("window.ranvierPlayground.state()"), time.perf_counter()
            page.wait_for_timeout(1000 * seconds)
            after, elapsed = page.evaluate("window.ranvierPlayground.state()"), time.perf_counter() - tic
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    return {"fps": (after["frames"] - before["frames"]) / elapsed, "draw_ms": after["draw_ms"],
            "epochs": after["epoch"], "sizes": after["settings"]["layers"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="length of each measurement (default 3)")
    ap.add_argument("--out", help="write a markdown report here")
    args = ap.parse_args()
    srv = server_rate(args.seconds)
    web = browser_rate(args.seconds)
    rows = [["server: train + frame + JSON", f"{srv['fps']:.1f}", f"{srv['build_ms']:.1f} ms to build and encode a frame "
             f"({srv['bytes'] // 1024} KiB), {srv['epochs']} epochs"]]
    if isinstance(web, dict):
        rows.append(["browser: frames drawn", f"{web['fps']:.1f}", f"{web['draw_ms']:.1f} ms median to draw a frame"])
    lines = [f"# Playground redraw rate: 2-8-8-3 network, 500 spiral points (bar: {BAR:g} a second)", "",
             f"CPU: {_machine.cpu()}; BLAS: {_machine.blas()}", "",
             *_machine.markdown_table(["measured", "frames / s", "detail"], rows)]
    if isinstance(web, str):
        lines += ["", f"browser: {web}"]
    print("\n".join(lines))
    _machine.save_report(lines, args.out)
    worst = min(srv["fps"], web["fps"]) if isinstance(web, dict) else srv["fps"]
    return 0 if worst >= BAR else 1


if __name__ == "__main__":
    raise SystemExit(main())
