"""The Live training tab in headless Chromium: start a run, watch the plot update, stop it.

Screenshots go to artifacts/screenshots/live_*.png: look at them, a passing test cannot tell an ugly page.
"""
from __future__ import annotations

import io
import re
import time

import numpy as np
import pytest
from conftest import ARTIFACTS
from page_checks import least_opacity
from PIL import Image

from gan_demo import live

pytestmark = [pytest.mark.usefixtures("one_torch_thread"), pytest.mark.browser, pytest.mark.e2e]


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"live_{name}.png"), full_page=True)


def current_step(page) -> int:
    match = re.search(r"Step (\d+) /", page.locator("#live-status").inner_text())
    return int(match.group(1)) if match else -1


def legend(page, plot: str) -> list[str]:
    """The plot's legend labels that are drawn inside its box (Vega draws SVG; a clipped legend is useless)."""
    box = page.locator(plot).bounding_box()
    labels = page.locator(f"{plot} .role-legend-label text")
    inside = []
    for i in range(labels.count()):
        b = labels.nth(i).bounding_box()
        if b and b["x"] + b["width"] <= box["x"] + box["width"] and b["y"] + b["height"] <= box["y"] + box["height"]:
            inside.append(labels.nth(i).text_content())
    return inside


def progress_and_status(page, timeout: float = 20) -> tuple[dict, dict]:
    """The boxes of the live status's progress bar (with its text) and of its lines, once the bar is drawn (Gradio
    redraws it between progress updates, so it may be gone a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        bar = page.locator("#live-status .progress-level").first
        box = bar.bounding_box() if bar.count() else None
        if box:
            return box, page.locator("#live-status .prose").first.bounding_box()
        assert time.monotonic() < deadline, "no progress bar on the status during the run"
        time.sleep(0.1)


def picture_of(page, selector: str) -> np.ndarray:
    """The RGB picture the page shows under ``selector``, as the browser fetched it."""
    img = page.locator(f"{selector} img").first
    img.scroll_into_view_if_needed()
    page.wait_for_function("el => el.complete && el.naturalWidth > 0", arg=img.element_handle(), timeout=20_000)
    body = page.request.get(img.evaluate("img => img.src")).body()
    return np.asarray(Image.open(io.BytesIO(body)).convert("RGB"))


def orange(picture: np.ndarray) -> np.ndarray:
    """Where an RGB map shows D near 1 ("real"): the orange end of its purple-white-orange ramp."""
    r, g, b = (picture[..., i].astype(int) for i in range(3))
    return (r > 200) & (b < 120) & (r - g > 60)


def purple(picture: np.ndarray) -> np.ndarray:
    """Where an RGB map shows D near 0 ("fake"): the purple end of the ramp."""
    r, g, b = (picture[..., i].astype(int) for i in range(3))
    return (b > 140) & (b - g > 30) & (b - r > 20)


def test_the_tab_opens_on_step_0_of_the_default_run(page):
    """Before Start the tab already shows the data, G's first points, the untrained D and the optimal D*."""
    page.get_by_role("tab", name="Live training").click()
    status = page.locator("#live-status")
    status.get_by_text("The default run at step 0, before any training").wait_for(timeout=10_000)
    assert "JSD ≈ 0.693" in status.inner_text()  # the default G starts away from the ring: disjoint supports
    heat, optimal = picture_of(page, "#live-heatmap"), picture_of(page, "#live-optimal")
    assert heat.shape == optimal.shape and heat.shape[0] > heat.shape[1]  # the map, with its key strip below
    # D* is 1 (orange) on the data and 0 (purple) on the generated points (on the square map, not its key)
    square = optimal[: optimal.shape[1]]
    real, fake = orange(square), purple(square)
    assert real.mean() > 0.05 and fake.mean() > 0.005, (real.mean(), fake.mean())
    # the plots open on the equilibrium lines (straight, two points each), not as empty boxes
    page.wait_for_function("[...document.querySelectorAll('#live-losses .mark-line path')]"
                           ".filter(e => e.getAttribute('d')).length >= 3", timeout=10_000)
    assert len(lines(page, "#live-losses")) == 3 and len(lines(page, "#live-d")) == 1
    shot(page, "opening")
    before = lines(page, "#live-losses")
    page.get_by_label("non-saturating").check()  # the G loss's optimum moves from -log 2 to log 2
    page.wait_for_function("([sel, old]) => [...document.querySelectorAll(sel)].map(e => e.getAttribute('d'))"
                           ".filter(d => d).join() !== old", arg=["#live-losses .mark-line path", ",".join(before)],
                           timeout=10_000)
    after = lines(page, "#live-losses")
    assert len(after) == 3 and len(set(after) - set(before)) == 1  # one line moved, the other two stayed
    page.get_by_role("radio", name="Images").check()  # before any run, the status follows the mode
    status.get_by_text("decodes the same 64 noise vectors").wait_for(timeout=10_000)


def lines(page, plot: str) -> list[str]:
    """The SVG paths of the lines ``plot`` draws (a series with no points has an empty path)."""
    return page.eval_on_selector_all(f"{plot} .mark-line path",
                                     "els => els.map(e => e.getAttribute('d') || '').filter(d => d)")


def curves(page, plot: str) -> int:
    """How many lines of more than two points ``plot`` draws: the run's curves, not the straight reference lines."""
    return page.eval_on_selector_all(f"{plot} .mark-line path",
                                     "els => els.filter(e => ((e.getAttribute('d') || '').match(/L/g) || []).length > 1).length")


def test_start_watch_and_stop_a_run(page):
    page.get_by_role("tab", name="Live training").click()
    steps = page.locator("#live-steps input[type='number']")
    steps.fill("5000")  # the longest run allowed, so Stop always lands mid-run
    steps.press("Enter")
    page.locator("#live-start").click()
    page.wait_for_function(
        "() => /Step \\d+ \\//.test(document.querySelector('#live-status')?.innerText ?? '')", timeout=60_000)
    first = current_step(page)
    deadline = time.monotonic() + 30
    while current_step(page) <= first + 20:  # the status and plot keep updating during the run
        assert time.monotonic() < deadline, "the live view stopped updating"
        time.sleep(0.2)
    # the status text is cheap, the Vega plot takes a moment to redraw from its opening lines: wait for the run's
    # curves (more than two points) in both plots, with a deadline
    for plot in ("#live-losses", "#live-d"):
        page.wait_for_function(f"[...document.querySelectorAll('{plot} .mark-line path')]"
                               ".some(e => ((e.getAttribute('d') || '').match(/L/g) || []).length > 1)", timeout=20_000)
    assert legend(page, "#live-losses") == ["V(D, G)", "2 JSD - 2 log 2 (theory)", "D loss (summed BCE)",
                                            "G loss log(1 - D(G(z)))"]  # Balanced plays the minimax game
    assert legend(page, "#live-d") == ["D(x), real", "D(G(z)), generated", "1/2 (optimum)"]
    # the curves themselves, not only their legend: V, D loss and G loss (the theory curve has fewer points), D(x)
    # and D(G(z)); a plot that kept the series of an earlier value drew the reference lines alone
    deadline = time.monotonic() + 20
    while curves(page, "#live-losses") < 3 or curves(page, "#live-d") < 2:
        assert time.monotonic() < deadline, (curves(page, "#live-losses"), curves(page, "#live-d"))
        time.sleep(0.2)
    # drawn in their colours: a series missing from the plot's first value would be a path with no colour
    for plot in ("#live-losses", "#live-d"):
        strokes = page.eval_on_selector_all(f"{plot} .mark-line path", "els => els.filter(e => e.getAttribute('d'))"
                                            ".map(e => (e.getAttribute('stroke') || '').toLowerCase())")
        assert strokes and set(strokes) <= {c.lower() for c in live.COLORS.values()}, strokes
    assert page.get_by_text("Faint lines: the optima").is_visible()  # the conventions, not cut off
    # the progress bar and its text sit below the status's lines, not over the step count and the JSD
    bar, text = progress_and_status(page)
    assert bar["y"] >= text["y"] + text["height"] - 1, (bar, text)
    # and its lines stay solid between frames (Gradio fades a pending Markdown to 20%)
    assert least_opacity(page, "#live-status .prose") == 1
    shot(page, "running")

    # Stop from the keyboard, as a keyboard user would: focus and Enter need no animation frame, where a mouse
    # click waits for two with the button unmoved (once, in a loaded CI run, the page drew none for 30 s); the
    # waits poll on a timer for the same reason
    stop = page.locator("#live-stop")
    stop.focus()
    assert stop.evaluate("b => b === document.activeElement && !b.disabled")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('#live-status')?.innerText ?? '').includes('Stopped at step')",
        timeout=10_000, polling=100)
    stopped = page.locator("#live-status").inner_text()
    time.sleep(2)
    assert page.locator("#live-status").inner_text() == stopped, "a stopped run must not keep updating"
    assert int(re.search(r"Stopped at step (\d+)", stopped).group(1)) < 5000
    page.wait_for_timeout(500)
    shot(page, "stopped")


def test_mode_and_preset_fill_their_controls(page):
    """Switching to images resets the settings that suit the mode; a preset fills the ones it is about."""
    page.get_by_role("tab", name="Live training").click()
    page.get_by_role("radio", name="Images").check()
    steps = page.locator("#live-steps input[type='number']")
    default_steps = str(live.mode_defaults("images")["steps"])
    page.wait_for_function(f"() => document.querySelector(\"#live-steps input[type='number']\")?.value === '{default_steps}'",
                           timeout=10_000)
    assert steps.get_attribute("max") == "5000"
    assert page.get_by_label("Dataset", exact=True).input_value() == "MNIST digits"
    assert page.get_by_label("DCGAN").is_visible()  # the model choice appears in image mode
    assert page.get_by_text("Fixed-noise samples").is_visible() and not page.get_by_text("Optimal D*(x)").is_visible()
    page.get_by_label("Preset").click()
    page.get_by_role("option", name="Learning rate too large").click()
    lr_d = page.get_by_label("lr_d")
    page.wait_for_function("(el) => el.value === '1'", arg=lr_d.element_handle(), timeout=10_000)
    assert page.get_by_text("Plain SGD with learning rate 1").is_visible()
    shot(page, "images_preset")


def test_a_demonstration_preset_runs_and_draws_its_maps(page):
    """Disjoint supports in the page: G's points stay in one spot, its gradient plot drops, and the maps carry
    their colour key and the points."""
    page.get_by_role("tab", name="Live training").click()
    page.get_by_label("Preset").click()
    page.get_by_role("option", name="Disjoint supports").click()
    page.get_by_text("G starts with all its points in one spot").wait_for(timeout=10_000)
    page.get_by_text("Why practice does not reach").first.click()  # open the accordion that explains the presets
    page.locator("#live-practice").wait_for(timeout=10_000)
    assert page.get_by_label("In one spot, far").is_checked() and page.get_by_label("minimax").is_checked()
    steps = page.locator("#live-steps input[type='number']")
    steps.fill("200")
    steps.press("Enter")
    page.locator("#live-start").click()
    page.wait_for_function(
        "() => (document.querySelector('#live-status')?.innerText ?? '').includes('Finished 200 steps')",
        timeout=90_000)
    status = page.locator("#live-status").inner_text()
    assert "V(D*, G) − V(D, G)" in status and "floor" in status
    page.locator("#live-grad .role-legend-label text, #live-grad svg").first.wait_for(state="attached", timeout=20_000)
    maps = page.locator("img[src*='picture_']")  # the D(x) and D*(x) maps, as PNG files the tab wrote
    assert maps.count() >= 2
    page.wait_for_timeout(500)
    shot(page, "disjoint_supports")
    # the D(x) map as the page shows it: purple round the generated points, orange over the data, and the key below
    assert page.locator("#live-heatmap img[src*='picture_']").count() == 1  # the run's map, not the opening one
    picture = picture_of(page, "#live-heatmap")
    assert picture.shape[0] > picture.shape[1]  # the key strip under the square map
    assert purple(picture).any() and orange(picture).any()


@pytest.mark.slow
def test_race_the_gan_and_the_flow_side_by_side(page):
    """The side-by-side button trains both for the same wall time and draws both runs' JSD against it, with the
    cost of one sample each in the status. Screenshot: live_race.png."""
    page.get_by_role("tab", name="Live training").click()
    seconds = page.locator("#race-seconds input[type='number']")
    seconds.fill("6")
    seconds.press("Enter")
    page.locator("#race-start").click()
    status = page.locator("#race-status")
    status.get_by_text("Done: 6 s of wall time each").wait_for(timeout=90_000)
    text = status.inner_text()
    assert "costs 1 network evaluation." in text and "costs 32 network evaluations" in text, text
    page.wait_for_function("[...document.querySelectorAll('#race-jsd .mark-line path')]"
                           ".filter(e => ((e.getAttribute('d') || '').match(/L/g) || []).length > 1).length >= 2",
                           timeout=20_000)
    assert picture_of(page, "#race-gan").ndim == 3 and picture_of(page, "#race-flow").ndim == 3
    page.locator("#race-jsd").scroll_into_view_if_needed()
    shot(page, "race")


@pytest.mark.slow
def test_train_the_flow_and_move_the_time_slider(page):
    """A short flow-matching run streams its plots and pictures; after it, the t slider redraws the field.
    Screenshot: live_diffusion.png."""
    page.get_by_role("tab", name="Live training").click()
    steps = page.locator("#diffusion-steps input[type='number']")
    steps.fill("600")
    steps.press("Enter")
    page.locator("#diffusion-train").click()
    status = page.locator("#diffusion-status")
    status.get_by_text("Finished 600 steps").wait_for(timeout=90_000)
    assert "32 network evaluations" in status.inner_text() and "modes covered" in status.inner_text()
    for plot in ("#diffusion-loss", "#diffusion-jsd"):
        page.wait_for_function(f"[...document.querySelectorAll('{plot} .mark-line path')]"
                               ".some(e => ((e.getAttribute('d') || '').match(/L/g) || []).length > 1)", timeout=20_000)
    before = picture_of(page, "#diffusion-field")
    t = page.locator("#diffusion-t input[type='number']")
    t.fill("0.9")
    t.press("Enter")
    deadline = time.monotonic() + 20
    while np.array_equal(picture_of(page, "#diffusion-field"), before):
        assert time.monotonic() < deadline, "the field picture did not follow the time slider"
        time.sleep(0.3)
    page.locator("#diffusion-field").scroll_into_view_if_needed()
    shot(page, "diffusion")


def draw_strokes(page, sketch: str) -> None:
    """Pick the canvas's brush, draw an arc, and click two dots."""
    page.locator(f"{sketch} button[aria-label='Brush']").click()
    box = page.locator(f"{sketch} canvas").last.bounding_box()
    # the canvas element is wider than the paper drawn on it: stay inside a square around its centre
    side = 0.6 * min(box["width"], box["height"])
    x0, y0 = box["x"] + box["width"] / 2 - side / 2, box["y"] + box["height"] / 2 - side / 2
    page.mouse.move(x0 + 0.15 * side, y0 + 0.65 * side)
    page.mouse.down()
    for fx, fy in ((0.3, 0.8), (0.5, 0.85), (0.7, 0.8), (0.85, 0.65)):
        page.mouse.move(x0 + fx * side, y0 + fy * side, steps=10)
    page.mouse.up()
    for fx in (0.3, 0.7):
        page.mouse.click(x0 + fx * side, y0 + 0.25 * side)


@pytest.mark.slow
def test_draw_your_own_data_and_train_the_flow_on_it(page):
    """A smile drawn on the canvas becomes the dataset of both runs; a short flow run learns it. Screenshot:
    live_drawing.png."""
    page.get_by_role("tab", name="Live training").click()
    page.locator("#draw").get_by_text("Draw your own data").click()
    draw_strokes(page, "#draw-canvas")
    page.locator("#draw-use").click()
    note = page.locator("#draw-note")
    note.get_by_text("Your drawing is the dataset").wait_for(timeout=30_000)
    page.locator("#draw-canvas").scroll_into_view_if_needed()
    shot(page, "drawing_used")
    assert "3 modes" in note.inner_text(), note.inner_text()
    assert picture_of(page, "#draw-preview").ndim == 3
    steps = page.locator("#diffusion-steps input[type='number']")
    steps.fill("800")
    steps.press("Enter")
    page.locator("#diffusion-train").click()
    page.locator("#diffusion-status").get_by_text("Finished 800 steps").wait_for(timeout=90_000)
    assert "/ 3" in page.locator("#diffusion-status").inner_text()
    page.locator("#draw-canvas").scroll_into_view_if_needed()
    shot(page, "drawing")
