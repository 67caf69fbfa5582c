"""Headless Chromium drives each scrubber with the keyboard and the mouse: the frame it paints (data-frame and the
picture itself) is the package's frame for the same seed, and no request leaves the page while scrubbing.

Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from conftest import ARTIFACTS
from PIL import Image

from gan_demo import explore
from gan_demo.data import to_uint8
from gan_demo.families.text.generate import stream
from ui.common import DEFAULT_DATASET as DATASET
from ui.common import get_model
from ui.components import example_paths, load_upload
from ui.tabs.autoencoder import INTERP_DEFAULTS
from ui.tabs.diffusion.inputs import pipeline

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

TIMEOUT = 60_000  # ms: a first request loads its models


def painted(page, elem_id: str) -> tuple[int, np.ndarray, str]:
    """The widget's data-frame, the picture it shows (decoded from the page) and its alt text."""
    frame = int(page.get_attribute(f"#{elem_id}", "data-frame"))
    picture = page.locator(f"#{elem_id} img.scrub-frame")
    data = picture.get_attribute("src").split(",", 1)[1]
    return frame, np.asarray(Image.open(io.BytesIO(base64.b64decode(data)))), picture.get_attribute("alt")


def fill_and_wait(page, button: str, elem_id: str) -> None:
    """Click ``button`` and wait for the scrubber to paint a new set of frames (its data-frame set afresh)."""
    page.evaluate(f"document.getElementById('{elem_id}')?.removeAttribute('data-frame')")
    page.locator(button).click()
    page.wait_for_function(f"document.getElementById('{elem_id}')?.dataset.frame !== undefined", timeout=TIMEOUT)
    settle(page)


def settle(page, quiet_ms: int = 500, limit_ms: int = 15_000) -> None:
    """Wait until the page has sent no request for ``quiet_ms``: the answer's other pictures (the strip, the GIF)
    load from the server after the scrubber is filled, and must not be counted as the scrubber's requests."""
    seen = []

    def note(request):
        seen.append(request.url)
    page.on("request", note)
    try:
        for _ in range(limit_ms // quiet_ms):
            before = len(seen)
            page.wait_for_timeout(quiet_ms)
            if len(seen) == before:
                return
    finally:
        page.remove_listener("request", note)


def scrub(page, elem_id: str, expected: list[np.ndarray] | None, crop=lambda x: x, count: int = 0) -> None:
    """Keyboard (Home, arrows, End) and a mouse click on the track: each paints the package's frame (``expected``;
    None: only the ``count`` frames' indices are checked), the slider has its label and the frames their alt texts,
    and nothing is sent to the server meanwhile."""
    sent = []
    def note(request):
        sent.append(request.url)
    page.on("request", note)
    slider = page.locator(f"#{elem_id}-range")
    assert page.locator(f"label[for='{elem_id}-range']").inner_text().strip()
    slider.focus()
    last = (len(expected) if expected is not None else count) - 1
    for key, want in (("Home", 0), ("ArrowRight", 1), ("End", last), ("ArrowLeft", last - 1)):
        page.keyboard.press(key)
        frame, image, alt = painted(page, elem_id)
        assert frame == want and (expected is None or np.array_equal(crop(image), expected[want])), key
        assert alt and str(want + 1) in alt
    box = slider.bounding_box()
    page.mouse.click(box["x"] + 2, box["y"] + box["height"] / 2)  # the track's start
    assert painted(page, elem_id)[0] == 0
    page.mouse.click(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)  # its end
    assert painted(page, elem_id)[0] == last
    page.remove_listener("request", note)
    assert not sent, sent


def shot(page, elem_id: str) -> None:
    page.locator(f"#{elem_id}").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"scrubber_{elem_id}.png"))


def test_gan_walk_scrubber(page):
    page.get_by_role("tab", name="GAN", exact=True).click()
    fill_and_wait(page, "#gan-interpolate", "gan-walk-scrub")
    assert painted(page, "gan-walk-scrub")[0] == 0  # a walk opens on its start
    expected = explore.interpolate_seeds(get_model(f"gan-{DATASET}"), 0, 1, 10, 1.0)
    scrub(page, "gan-walk-scrub", list(expected))
    shot(page, "gan-walk-scrub")


def test_conditional_gan_walk_scrubber(page):
    page.get_by_role("tab", name="Conditional GAN").click()
    fill_and_wait(page, "#cgan-interpolate", "cgan-walk-scrub")
    expected = explore.interpolate_classes(get_model(f"cgan-{DATASET}"), 0, 7, 0, 10)
    scrub(page, "cgan-walk-scrub", list(expected))
    shot(page, "cgan-walk-scrub")


def test_autoencoder_walk_scrubber(page):
    fill_and_wait(page, "#ae-interpolate", "ae-walk-scrub")
    a, b = (load_upload(str(example_paths(DATASET)[i]), DATASET) for i in INTERP_DEFAULTS)
    expected = explore.interpolate_images(get_model(f"autoencoder-{DATASET}"), a, b, 10)
    scrub(page, "ae-walk-scrub", list(expected))
    shot(page, "ae-walk-scrub")


# filled with the opening examples' frames when their tab opens: how many frames each (25 steps, 4 scales)
OPENING = {"dalle-scrub": 25, "dalle-sweep-scrub": 4, "dalle-variations-scrub": 25}


def open_what_came_next(page) -> None:
    """Open the What came next tab and wait for its opening example's frames, so that they cannot land after a
    test has pressed a button and be taken for that button's frames."""
    page.get_by_role("tab", name="What came next").click()
    for elem_id in OPENING:
        page.wait_for_function(f"document.getElementById('{elem_id}')?.dataset.frame !== undefined", timeout=TIMEOUT)


def test_the_opening_example_s_scrubbers_fill_when_their_tab_opens(page):
    """Not with the page (0.7 MB a visit): the first opening of the tab sends the frames of the examples it shows."""
    for elem_id in OPENING:  # the tab not yet opened: nothing to show (its blocks are drawn when it opens)
        assert page.evaluate(f"document.getElementById('{elem_id}')?.dataset.frame") is None
    open_what_came_next(page)
    for elem_id, want in OPENING.items():
        count = int(page.get_attribute(f"#{elem_id}-range", "max")) + 1
        assert count == want, (elem_id, count)
    for elem_id in ("dalle-scrub", "dalle-variations-scrub"):  # (their alt texts number the steps: scrub checks it)
        page.locator(f"#{elem_id}").scroll_into_view_if_needed()
        settle(page)
        scrub(page, elem_id, None, count=OPENING[elem_id])


def test_denoising_scrubber_and_its_play_button(page):
    """After Generate: a frame per sampling step, the top row of each the package's x_t for that step; Play walks
    through the steps by itself, still without a request."""
    open_what_came_next(page)
    page.locator("#dalle-prompt textarea").fill("a photo of a dark sneaker")
    page.locator("#dalle-seed input").fill("4")
    fill_and_wait(page, "#dalle-run", "dalle-scrub")
    steps = int(page.get_attribute("#dalle-scrub-range", "max")) + 1
    made = [s for s in stream(pipeline(DATASET), ["a photo of a dark sneaker"] * 8, 4, steps, pipeline(DATASET).guidance)
            if hasattr(s, "x_t")]
    expected = [np.hstack(list(to_uint8(s.x_t).numpy())) for s in made]
    scrub(page, "dalle-scrub", expected, crop=lambda x: x[:28])
    assert "noise" in page.locator("#dalle-scrub .scrub-caption").inner_text()
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    page.keyboard.press("Home")
    page.locator("#dalle-scrub .scrub-play").click()
    page.wait_for_function("Number(document.getElementById('dalle-scrub').dataset.frame) >= 3", timeout=10_000)
    page.locator("#dalle-scrub .scrub-play").click()  # pause
    assert not sent
    shot(page, "dalle-scrub")


def test_guidance_sweep_scrubber(page):
    open_what_came_next(page)
    page.locator("#dalle-seed input").fill("6")  # not the opening example's seed: a new value, new frames
    fill_and_wait(page, "#dalle-sweep", "dalle-sweep-scrub")
    assert painted(page, "dalle-sweep-scrub")[2].startswith("Guidance scale w = 0")
    page.locator("#dalle-sweep-scrub-range").focus()
    page.keyboard.press("End")
    assert "w = 8" in page.locator("#dalle-sweep-scrub .scrub-caption").inner_text()
    shot(page, "dalle-sweep-scrub")


def test_the_other_dataset_empties_the_scrubbers(page):
    assert DATASET == "fashion"
    page.get_by_role("tab", name="GAN", exact=True).click()
    fill_and_wait(page, "#gan-interpolate", "gan-walk-scrub")
    page.get_by_role("radio", name="MNIST digits").check()  # the app opens on Fashion-MNIST
    page.wait_for_function("document.getElementById('gan-walk-scrub').dataset.frame === undefined", timeout=TIMEOUT)
    assert page.locator("#gan-walk-scrub-range").is_disabled()


def test_live_replay_after_a_run(page):
    """After a run finishes: its recorded frames on the scrubber, each labelled with its step, and the cursor on
    the curves moving right with the step."""
    page.get_by_role("tab", name="Live training").click()
    steps = page.locator("#live-steps input[type='number']")
    steps.fill("300")
    steps.press("Enter")
    fill_and_wait(page, "#live-start", "live-replay")
    assert "Finished 300 steps" in page.locator("#live-status").inner_text()
    count = int(page.get_attribute("#live-replay-range", "max")) + 1
    assert count >= 3 and page.locator("#live-replay .scrub-caption").inner_text() == "step 300"
    page.locator("#live-replay").scroll_into_view_if_needed()
    scrub(page, "live-replay", None, count=count)
    cursor = []
    for key in ("Home", "ArrowRight", "End"):
        page.keyboard.press(key)
        cursor.append(page.eval_on_selector("#live-replay .scrub-cursor", "e => e.getBoundingClientRect().x"))
    assert cursor[0] < cursor[1] < cursor[2]
    assert "training step" in painted(page, "live-replay")[2]
    shot(page, "live-replay")
