"""Headless Chromium explores both latent maps with the mouse and the keyboard: the decode shown for a point is the
package's decode there, a click shows that point's nearest test images, and no request leaves the page meanwhile.
Each explorer opens empty, in a closed accordion: opening it fills it, and a switch of dataset while it is open
fills it again with the other dataset's map.

Screenshots go to artifacts/screenshots/.
"""
from __future__ import annotations

import base64
import io
import json
import time

import numpy as np
import pytest
from conftest import ARTIFACTS
from PIL import Image

from gan_demo import explore
from gan_demo.data import DATASETS
from ui.common import get_model
from ui.widgets.explorer import NEIGHBOURS, SIZE, map_explorer

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

TIMEOUT = 60_000  # ms: the other dataset's models and maps load on the switch
DATASET = "mnist"  # the test switches to it: the switch must fill the open explorer with its map
MIDDLE = f"{SIZE // 2},{SIZE // 2}"  # the cell an explorer shows when it is filled


def shown_decode(page, elem_id: str) -> np.ndarray:
    """The decode the page shows: its cell of the sprite sheet, cut where background-position points."""
    style = page.eval_on_selector(f"#{elem_id} .explorer-decode",
                                  "e => [e.style.backgroundImage, e.style.backgroundPosition]")
    sheet = np.asarray(Image.open(io.BytesIO(base64.b64decode(style[0].split(",", 1)[1].rstrip('")')))))
    x, y = (float(p.rstrip("%")) / 100 for p in style[1].split())
    j, i = round(x * (SIZE - 1)), round(y * (SIZE - 1))
    return sheet[i * 28:(i + 1) * 28, j * 28:(j + 1) * 28]


def settle(page, quiet_s: float = 2.0, timeout_s: float = 60) -> None:
    """Wait until the page has sent no request for ``quiet_s``: the switch's other events (maps, examples) are done,
    so a request seen afterwards would be the explorer's."""
    seen = []
    page.on("request", lambda request: seen.append(time.monotonic()))
    start = time.monotonic()
    while time.monotonic() - max(seen or [start]) < quiet_s:
        assert time.monotonic() - start < timeout_s, "the page kept sending requests"
        page.wait_for_timeout(250)


@pytest.mark.parametrize("family", ["autoencoder", "vae"])
def test_latent_map_explorer(page, family):
    elem_id = {"autoencoder": "ae-explorer", "vae": "vae-explorer"}[family]
    cell = f"document.getElementById('{elem_id}')?.dataset.cell"
    assert page.evaluate(cell) is None  # the page opens without the explorer's data
    page.locator(f"#{elem_id}-accordion .label-wrap").first.click()
    page.wait_for_function(f"{cell} === '{MIDDLE}'", timeout=TIMEOUT)
    opened = page.get_attribute(f"#{elem_id} .explorer-picture", "src")
    page.get_by_role("radio", name="MNIST digits").check()  # open: emptied, then filled with the other map
    page.wait_for_function(f"([id, before]) => {cell} === '{MIDDLE}' && document.querySelector("
                           "`#${id} .explorer-picture`).src !== before", arg=[elem_id, opened], timeout=TIMEOUT)
    model = get_model(f"{family}-{DATASET}")
    decodes = explore.manifold(model, DATASET, SIZE)
    neighbours = explore.grid_neighbours(model, DATASET, SIZE, NEIGHBOURS)
    left, top, right, bottom = json.loads(map_explorer(family, DATASET))["box"]
    area = page.locator(f"#{elem_id} .explorer-map")
    area.scroll_into_view_if_needed()  # before listening: scrolling lets the page load its lazy pictures
    settle(page)
    sent = []
    page.on("request", lambda request: sent.append(request.url))
    rect = page.locator(f"#{elem_id} .explorer-picture").bounding_box()
    for i, j in ((3, 4), (15, 12), (0, SIZE - 1)):  # hover: the decode at that grid point, at once
        x = rect["x"] + (left + (j + 1) / (SIZE + 1) * (right - left)) * rect["width"]
        y = rect["y"] + (top + (i + 1) / (SIZE + 1) * (bottom - top)) * rect["height"]
        page.mouse.move(x, y)
        assert page.get_attribute(f"#{elem_id}", "data-cell") == f"{i},{j}"
        assert np.array_equal(shown_decode(page, elem_id), decodes[i, j])
    page.mouse.click(x, y)  # the nearest test images of that point, nearest first, with their classes
    assert page.get_attribute(f"#{elem_id}", "data-near") == f"0,{SIZE - 1}"
    m = explore.latent_map(model, DATASET)
    want = [DATASETS[DATASET].classes[int(k)] for k in m.labels[neighbours[0, SIZE - 1]]]
    assert page.locator(f"#{elem_id} .explorer-near figcaption").all_inner_texts() == want

    area.focus()  # the keyboard path: arrows move the cursor, Enter shows the neighbours
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute(f"#{elem_id}", "data-cell") == f"1,{SIZE - 2}"
    assert np.array_equal(shown_decode(page, elem_id), decodes[1, SIZE - 2])
    page.keyboard.press("Enter")
    assert page.get_attribute(f"#{elem_id}", "data-near") == f"1,{SIZE - 2}"
    assert "decode at map point" in page.get_attribute(f"#{elem_id} .explorer-decode", "aria-label")
    assert not sent, sent
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"explorer_{elem_id}.png"))
