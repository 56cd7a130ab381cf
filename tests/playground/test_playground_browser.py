"""End-to-end tests of the playground page in real headless Chromium (Playwright).

Skipped, with the reason, when the Playwright package or /usr/bin/chromium is
missing.  Set RANVIER_UPDATE_SCREENSHOTS=1 to also write the README's pictures
(docs/playground-classifier.png, docs/playground-optimizer.png).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
DOCS = Path(__file__).resolve().parents[2] / "docs"

sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                               "(pip install playwright; the system's chromium is used, no 'playwright install')")
if not os.path.exists(CHROMIUM):
    pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)", allow_module_level=True)

STATE = "window.ranvierPlayground.state()"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    p = context.new_page()
    errors = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.goto(live_server + "/")
    p.wait_for_function(f"window.ranvierPlayground && {STATE}.epoch === 0", timeout=15000)
    yield p
    context.close()
    assert not errors, errors


def screenshot_variance(p, path: Path, selector: str | None = None) -> float:
    """Save a screenshot and return the variance of its grey levels (0 for a blank picture)."""
    from PIL import Image

    target = p.locator(selector) if selector else p
    target.screenshot(path=str(path))
    pixels = np.asarray(Image.open(path).convert("L"), dtype=np.float64)
    return float(pixels.var())


def keep(path: Path, name: str) -> None:
    if os.environ.get("RANVIER_UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, DOCS / name)


def test_spirals_reach_ninety_percent_test_accuracy(page, tmp_path):
    page.select_option("[data-testid=dataset]", "spirals")
    page.wait_for_function(f"{STATE}.settings.dataset === 'spirals' && {STATE}.points.length === 500")
    page.click("[data-testid=play]")
    page.wait_for_function(f"{STATE}.test_accuracy > 0.9", timeout=30000)
    shown = page.text_content("[data-testid=test-accuracy]")
    assert float(shown.split()[0]) > 90.0
    page.click("[data-testid=pause]")
    page.wait_for_function(f"!{STATE}.playing")
    s = page.evaluate(STATE)
    assert s["epoch"] > 0 and s["step"] > 0 and s["train_loss"] < s["test_loss"] * 5
    assert int(page.text_content("[data-testid=epoch]")) == s["epoch"]
    shot = tmp_path / "classifier.png"
    assert screenshot_variance(page, shot) > 100
    assert screenshot_variance(page, tmp_path / "boundary.png", "[data-testid=boundary]") > 100
    keep(shot, "playground-classifier.png")


def test_click_adds_a_point_and_shift_click_removes_it(page):
    before = page.evaluate(STATE)["points"]
    box = page.locator("[data-testid=boundary]").bounding_box()
    page.select_option("[data-testid=label]", "1")
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_function(f"{STATE}.points.length === {len(before) + 1}")
    added = page.evaluate(STATE)["points"][-1]
    assert added["label"] == 1 and added["train"] and abs(added["x1"]) < 0.05 and abs(added["x2"]) < 0.05
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.keyboard.up("Shift")
    page.wait_for_function(f"{STATE}.points.length === {len(before)}")


def test_step_and_reset_buttons(page):
    page.click("[data-testid=step]")
    page.wait_for_function(f"{STATE}.epoch === 1")
    page.click("[data-testid=reset]")
    page.wait_for_function(f"{STATE}.epoch === 0")


def test_bad_learning_rate_shows_a_message_and_the_page_goes_on(page):
    page.fill("[data-testid=learning-rate]", "fast")
    page.press("[data-testid=learning-rate]", "Enter")
    page.wait_for_function("document.querySelector('[data-testid=message]').textContent.includes('lr must be')")
    assert page.input_value("[data-testid=learning-rate]") == "0.03"
    page.fill("[data-testid=learning-rate]", "0.1")
    page.press("[data-testid=learning-rate]", "Enter")
    page.wait_for_function(f"{STATE}.settings.lr === 0.1")
    page.fill("[data-testid=layers]", "256,256,256")
    page.press("[data-testid=layers]", "Enter")
    page.wait_for_function("document.querySelector('[data-testid=message]').textContent.includes('parameters')")
    page.click("[data-testid=step]")
    page.wait_for_function(f"{STATE}.epoch === 1")


def test_activation_and_layers_controls(page):
    page.fill("[data-testid=layers]", "5,3")
    page.press("[data-testid=layers]", "Enter")
    page.select_option("[data-testid=activation]", "tanh")
    page.wait_for_function(f"{STATE}.settings.activation.join() === 'tanh,tanh'")
    assert page.evaluate(STATE)["settings"]["layers"] == [5, 3]


def test_state_lives_in_the_url_and_hide_hides_controls(browser, live_server):
    context = browser.new_context()
    p = context.new_page()
    p.goto(live_server + "/#dataset=xor&layers=4&lr=0.2&hide=learning-rate,presets")
    p.wait_for_function(f"window.ranvierPlayground && {STATE}.settings && {STATE}.settings.dataset === 'xor'")
    s = p.evaluate(STATE)
    assert s["settings"]["layers"] == [4] and s["settings"]["lr"] == 0.2 and s["hide"] == ["learning-rate", "presets"]
    assert not p.is_visible("[data-testid=learning-rate]") and p.is_visible("[data-testid=layers]")
    assert "lr=0.2" in p.evaluate("location.hash")
    context.close()


def test_preset_applies_its_settings_and_explains(page):
    page.select_option("[data-testid=presets]", "xor-linear")
    page.wait_for_function(f"{STATE}.settings.dataset === 'xor' && {STATE}.settings.layers.length === 0")
    assert "cannot be split by any line" in page.text_content("[data-testid=preset-text]")
    page.select_option("[data-testid=presets]", "xor-hand")
    page.wait_for_function(f"{STATE}.settings.noise === 0 && {STATE}.test_accuracy === 1")


def test_optimizer_view_races_on_rosenbrock(page, tmp_path):
    page.click("[data-testid=view-optimizer]")
    page.select_option("[data-testid=function]", "rosenbrock")
    page.fill("[data-testid=runs]", "gd:0.001, momentum, adam:0.1, gd:0.01")
    page.press("[data-testid=runs]", "Enter")
    page.wait_for_function(f"{STATE}.race && {STATE}.race.runs.length === 4 && !{STATE}.race.animating", timeout=15000)
    race = page.evaluate(STATE)["race"]
    assert race["function"] == "rosenbrock"
    assert [r["diverged"] for r in race["runs"]] == [False, False, False, True]
    assert "DIVERGED" in page.text_content("[data-testid=race-run-3]")
    shot = tmp_path / "optimizer.png"
    assert screenshot_variance(page, shot) > 100
    assert screenshot_variance(page, tmp_path / "contours.png", "[data-testid=contours]") > 100
    keep(shot, "playground-optimizer.png")
    box = page.locator("[data-testid=contours]").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.75)
    page.wait_for_function(f"{STATE}.race.start[0] > 0.9 && !{STATE}.race.animating", timeout=15000)
    assert page.evaluate(STATE)["race"]["runs"][0]["steps"] == 300


def test_bowl_shows_the_two_over_l_bound(page):
    page.select_option("[data-testid=presets]", "lr-bowl")
    page.wait_for_function(f"{STATE}.race && {STATE}.race.function === 'bowl' && !{STATE}.race.animating", timeout=15000)
    assert "lr < 2/L = 0.200" in page.text_content("[data-testid=lr-bound]")
    assert [r["diverged"] for r in page.evaluate(STATE)["race"]["runs"]] == [False, False, False, True]


def test_two_tabs_train_independently(browser, live_server):
    context = browser.new_context()
    a, b = context.new_page(), context.new_page()
    for p in (a, b):
        p.goto(live_server + "/")
        p.wait_for_function(f"window.ranvierPlayground && {STATE}.epoch === 0")
    a.click("[data-testid=play]")
    a.wait_for_function(f"{STATE}.epoch > 3")
    assert b.evaluate(STATE)["epoch"] == 0 and a.evaluate(STATE)["session"] != b.evaluate(STATE)["session"]
    session = live_server.store.sessions[a.evaluate(STATE)["session"]]
    assert session.playing
    a.close()  # closing the tab stops its training
    for _ in range(50):
        if not session.playing:
            break
        b.wait_for_timeout(100)
    assert not session.playing
    epoch = session.epoch
    b.wait_for_timeout(300)
    assert session.epoch == epoch and b.evaluate(STATE)["epoch"] == 0
    context.close()
