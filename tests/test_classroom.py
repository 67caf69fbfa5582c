"""Ready for a classroom, in headless Chromium: a link opens its view with the same pictures, a bad link says what it
ignored, projector mode enlarges the page without breaking it, and axe-core finds no serious or critical violation
that the app's own theme, text or pictures cause.

Screenshots (every tab, projector mode off and on, 1280x720 and a phone) go to artifacts/screenshots/classroom/,
the accessibility report to artifacts/axe.json: look at them, a passing test cannot tell an ugly page.
"""
from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import ARTIFACTS
from PIL import Image

from gan_demo import judge
from gan_demo.data.captions import vocabulary
from gan_demo.sampling import sample
from ui import plot_lines
from ui.common import display, get_model
from ui.components import held_out_split
from ui.deeplink import TABS

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

TIMEOUT = 60_000  # ms: a link's dataset reloads every tab's models before its own settings apply
AXE = Path(__file__).resolve().parent.parent / "data" / "npm" / "axe-core-4.14.1.tgz"  # `make setup-test` fetches it
SHOTS = ARTIFACTS / "screenshots" / "classroom"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Serious or critical violations inside Gradio's own components, which no theme, CSS or text of the app can fix
# (listed with their upstream reports in docs/classroom.md): rule -> the component's markup they sit in.
UPSTREAM = {
    "label-content-name-mismatch": ("thumbnail-item",),  # a gallery thumbnail named "Thumbnail 1 of 16"
    "aria-prohibited-attr": ('aria-label="Empty value"',),  # an empty output's placeholder: a div with a label
    "svg-img-alt": ("hover_marks",),  # the native plot's (Vega's) hover layer
    "button-name": ("upload-container",),  # an upload box holding a picture: its button has no name
}


@pytest.fixture
def open_page(browser, app_server, one_browser_at_a_time):
    """open_page(query, width, height) -> a fresh page on the app at ``query``, ready (its tabs drawn)."""
    contexts = []

    def opener(query: str = "", width: int = 1280, height: int = 720):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.goto(app_server[0] + query)
        page.wait_for_selector("button[role='tab']", timeout=30_000)
        return page

    yield opener
    for context in contexts:
        context.close()


def gallery_pictures(page, selector: str) -> list[np.ndarray]:
    return [np.asarray(Image.open(io.BytesIO(page.request.get(src).body())).convert("L"))
            for src in page.eval_on_selector_all(f"{selector} img", "els => els.map(i => i.src)")]


def value_of(page, elem_id: str) -> str:
    return page.locator(f"#{elem_id} input, #{elem_id} textarea").first.input_value()


def test_a_link_opens_its_view_with_the_package_s_own_pictures(open_page):
    """Tab, dataset and settings from the address; the gallery equals the package's samples for them, pixel for
    pixel (the link's dataset is not the default, so its settings must survive the dataset's reload)."""
    page = open_page("?tab=gan&dataset=mnist&seed=7&n=4&scale=0.8&round=5")
    page.wait_for_function("() => document.querySelectorAll('#gan-gallery img').length === 4", timeout=TIMEOUT)
    assert page.get_by_role("tab", name="GAN", exact=True).get_attribute("aria-selected") == "true"
    assert (value_of(page, "gan-seed"), value_of(page, "gan-n"), value_of(page, "gan-scale")) == ("7", "4", "0.8")
    with torch.inference_mode():
        expected = [display(x) for x in sample(get_model("gan-mnist"), 4, 7, scale=0.8).numpy()]
        dealt = [display(x) for x in judge.deal(get_model("gan-mnist"), held_out_split("mnist")[0], 5).images]
    shown = gallery_pictures(page, "#gan-gallery")
    assert len(shown) == 4 and all(np.array_equal(a, b) for a, b in zip(shown, expected))
    # and Be the discriminator's round: the same eight pictures a student gets from round 5 by hand
    page.wait_for_function("() => (document.querySelector('#judge-result')?.innerText || '').startsWith('Round 5:')",
                           timeout=TIMEOUT)
    assert value_of(page, "judge-seed") == "5"
    shown = gallery_pictures(page, "#judge-gallery")
    assert len(shown) == len(dealt) and all(np.array_equal(a, b) for a, b in zip(shown, dealt))
    assert not page.locator("#link-notice").is_visible()


def test_a_link_to_what_came_next_scrubs_its_example_on_the_example_s_dataset_only(open_page):
    """The tab's opening example's frames (and retrieved images) come when the tab opens, a link's opening included;
    a link to the other dataset empties the example's results, and its frames must not come back over the empty
    gallery."""
    frame = "document.getElementById('dalle-scrub')?.dataset.frame"
    page = open_page("?tab=next")
    page.wait_for_function(f"{frame} !== undefined", timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelectorAll('#dalle-found img').length === 16", timeout=TIMEOUT)
    page = open_page("?tab=next&dataset=mnist")
    prompt = f"a photo of a dark {vocabulary('mnist').nouns[7][0]}"  # the tab's opening prompt for MNIST
    page.wait_for_function("p => document.querySelector('#dalle-prompt textarea')?.value === p", arg=prompt,
                           timeout=TIMEOUT)
    page.wait_for_timeout(3000)  # the switch's other events
    assert page.evaluate(frame) is None


def test_a_class_from_a_link_survives_the_dataset_s_reload(open_page):
    page = open_page("?tab=cgan&dataset=mnist&class=3&n=4&seed=5")
    page.wait_for_function("() => document.querySelectorAll('#cgan-gallery img').length === 4", timeout=TIMEOUT)
    assert value_of(page, "cgan-class") == "3"
    assert "3" in page.locator("#cgan-agreement").inner_text()


def test_a_malformed_link_opens_the_defaults_and_names_what_it_ignored(open_page):
    page = open_page("?tab=gan&seed=abc&n=4&colour=red&projector=maybe")
    page.wait_for_function("() => document.querySelectorAll('#gan-gallery img').length === 4", timeout=TIMEOUT)
    notice = page.locator("#link-notice").inner_text()
    for named in ("seed='abc'", "colour='red'", "projector='maybe'"):
        assert named in notice, notice
    assert (value_of(page, "gan-seed"), value_of(page, "gan-n")) == ("0", "4")  # the default seed, the good n
    assert page.evaluate("document.documentElement.className") == ""


def test_copy_link_writes_the_view_s_address(open_page):
    page = open_page()
    page.get_by_role("tab", name="Conditional GAN").click()
    page.locator("#cgan-seed input").fill("42")
    page.locator("#cgan-link-button").click()
    page.wait_for_function("() => document.querySelector('#cgan-link textarea, #cgan-link input').value"
                           ".startsWith('http')", timeout=TIMEOUT)
    link = value_of(page, "cgan-link")
    assert link.startswith(page.url.split("?")[0]) and "tab=cgan" in link and "seed=42" in link, link
    assert "class=Sneaker" in link and "dataset=fashion" in link


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (390, 844)], ids=["1280x720", "phone"])
def test_projector_mode_enlarges_every_tab_without_breaking_it(open_page, width, height):
    """Each tab opened by its link with projector=1 (on a phone most tabs sit behind the tab bar's menu), then the
    Projector mode box unticked on the same page: both ways in, both modes looked at, one page load per tab."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for tab in TABS:
        page = open_page(f"?tab={tab}&projector=1", width, height)
        for projector in (True, False):
            if not projector:
                page.locator("#projector input").uncheck()
            page.wait_for_function("on => document.documentElement.classList.contains('projector') === on",
                                   arg=projector, timeout=TIMEOUT)
            page.wait_for_timeout(1500)
            # nothing wider than the window: a page that scrolls sideways has lost its layout
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{tab}: the page is {overflow} px wider than the window"
            box = page.locator("#projector").bounding_box()["width"]
            assert box >= min(240, width - 80), f"the projector box is squeezed to {box} px"
            size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.prose p, .md p'))"
                                 ".fontSize)")
            assert size >= 20 if projector else size < 20, f"{tab}: body text {size} px"
            page.screenshot(path=str(SHOTS / f"{tab}-{'projector' if projector else 'plain'}-{width}x{height}.png"),
                            full_page=width > 1000)
            if tab == "train" and projector:  # the live plots' lines are drawn thicker
                page.wait_for_selector("#live-losses .mark-line path", state="attached", timeout=TIMEOUT)
                widths = page.eval_on_selector_all("#live-losses .mark-line path",
                                                   "ps => ps.map(p => parseFloat(getComputedStyle(p).strokeWidth))")
                assert widths and min(widths) >= 4, widths


def test_the_live_plots_tell_their_curves_apart_by_line_style_legends_included(open_page):
    """Colour alone is not enough (red-green colour blindness, a grey projector): every curve of the live plots is
    solid, dashed or dotted, and its legend entry is a piece of the same line rather than a coloured ring."""
    page = open_page("?tab=train")
    page.wait_for_selector("#live-d .role-legend-symbol path", state="attached", timeout=TIMEOUT)
    page.wait_for_function("() => document.querySelector('#live-d .role-legend-symbol path').getAttribute('d')"
                           f" === '{plot_lines.SYMBOL}'", timeout=TIMEOUT)
    for plot in ("#live-losses", "#live-d"):
        entries = page.eval_on_selector_all(f"{plot} .role-legend-label text", """ts => ts.map(t => [t.textContent,
            t.closest('.role-legend-label').previousElementSibling.querySelector('path').getAttribute('d'),
            t.closest('.role-legend-label').previousElementSibling.querySelector('path')
             .getAttribute('stroke-dasharray')])""")
        assert entries and all(d == plot_lines.SYMBOL for _, d, _ in entries), entries
        styles = {name: dash or "none" for name, _, dash in entries}
        assert len(set(styles.values())) > 1, styles  # the legend itself shows solid and dashed
        for name, dash in styles.items():
            assert (dash == "none") == (plot_lines.DASHES[name] == "none"), (name, dash)
    # the opening plot's lines (the optima) are dashed in the plot as in the legend
    lines = page.eval_on_selector_all("#live-d .mark-line path",
                                      "ps => ps.map(p => [p.getAttribute('aria-label'), getComputedStyle(p).strokeDasharray])")
    assert any("1/2 (optimum)" in (label or "") and dash == "4px, 4px" for label, dash in lines), lines


def _upstream(rule: str, node: dict) -> bool:
    return any(part in node["html"] or part in " ".join(map(str, node["target"])) for part in UPSTREAM.get(rule, ()))


def test_no_serious_accessibility_violation_of_the_app_s_own(open_page):
    """axe-core's WCAG 2.1 A and AA rules on every tab: the app's own serious and critical violations are none;
    those inside Gradio's components are counted in artifacts/axe.json and listed in docs/classroom.md."""
    if not AXE.exists():
        pytest.skip(f"{AXE.name} not fetched: `make setup-test` (or `make test-all`) gets it with npm pack")
    with tarfile.open(AXE) as package:
        script = package.extractfile("package/axe.min.js").read().decode()
    page = open_page()
    page.add_script_tag(content=script)
    report, own = {}, {}
    for tab, name in TABS.items():
        page.get_by_role("tab", name=name, exact=True).click()
        page.wait_for_timeout(2000)
        result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
                               " resultTypes: ['violations']})", WCAG)
        found = [(v["id"], n) for v in result["violations"] if v["impact"] in ("serious", "critical")
                 for n in v["nodes"]]
        report[tab] = {"serious_or_critical": len(found),
                       "upstream": sum(_upstream(rule, n) for rule, n in found),
                       "rules": {rule: sum(r == rule for r, _ in found) for rule in {r for r, _ in found}}}
        own[tab] = [(rule, n["target"], n.get("failureSummary", "")[:160]) for rule, n in found if not _upstream(rule, n)]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps({"counts": report, "own": own}, indent=1))
    assert not any(own.values()), json.dumps(own, indent=1)[:3000]


def test_a_keyboard_alone_picks_an_example_instead_of_drawing(open_page):
    """The drawing canvas needs a mouse or a finger; its keyboard alternative is the example gallery (each
    thumbnail is a button: Tab to it, press Enter) or the upload box."""
    page = open_page()
    before = page.eval_on_selector("#ae-input img", "i => i.src")
    thumbnail = page.locator("#ae-gallery button.thumbnail-item").nth(5)
    thumbnail.focus()
    assert page.evaluate("() => document.activeElement.classList.contains('thumbnail-item')")
    page.keyboard.press("Enter")
    page.wait_for_function("b => document.querySelector('#ae-input img')?.src !== b", arg=before, timeout=TIMEOUT)
    # or any test image, by class and index, with keys alone
    before = page.eval_on_selector("#ae-input img", "i => i.src")
    page.get_by_role("tab", name="Any test image").first.focus()
    page.keyboard.press("Enter")
    page.locator("#ae-test-index input").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("17")
    page.locator("#ae-use-test").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("b => document.querySelector('#ae-input img')?.src !== b", arg=before, timeout=TIMEOUT)


def test_every_output_picture_says_what_it_shows(open_page):
    for tab in TABS:
        page = open_page(f"?tab={tab}")
        page.wait_for_timeout(1500)
        missing = page.eval_on_selector_all(".image-frame img", "is => is.filter(i => !i.alt)"
                                            ".map(i => i.closest('[id]')?.id || i.closest('.block')?.className)")
        assert not missing, f"{tab}: pictures without alt text: {missing}"


# Galleries of generated images: Gradio makes each caption its image's alt text, so the caption names the model and
# the seed (after the classifier's verdict). The judge's round is named after Check only: before, it must not say.
GALLERIES = {"gan": ("#gan-gallery", "gan-fashion, seed 0"), "cgan": ("#cgan-gallery", "cgan-fashion asked for"),
             "next": ("#dalle-gallery", "text-fashion, seed 0")}
# A picture drawn by a button gets alt text from the settings that made it: (tab, button, picture, words it names).
DRAWN = [("gan", "#gan-interpolate", "#gan-strip", ("gan-fashion", "seed 0", "seed 1")),
         ("cgan", "#cgan-interpolate", "#cgan-strip", ("cgan-fashion", "T-shirt/top", "Sneaker", "seed 0")),
         ("ae", "#ae-interpolate", "#ae-strip", ("autoencoder-fashion",)),
         ("next", "#dalle-versus", "#dalle-versus-image", ("cgan-fashion", "text-fashion", "Sneaker", "seed 0"))]


def alts(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} img", "is => is.map(i => i.alt)")


def test_every_generated_picture_names_its_model_and_seed(open_page):
    for tab, (gallery, named) in GALLERIES.items():
        page = open_page(f"?tab={tab}")
        page.wait_for_function("s => document.querySelectorAll(s + ' img').length > 0", arg=gallery, timeout=TIMEOUT)
        found = alts(page, gallery)
        assert all(named in a and "%" in a for a in found), (tab, found)  # the model, the seed and the verdict
    page = open_page("?tab=gan")
    page.wait_for_function("() => document.querySelectorAll('#judge-gallery img').length === 8", timeout=TIMEOUT)
    assert not any("real: " in a or "generated: " in a for a in alts(page, "#judge-gallery"))
    page.locator("#judge-check").click()
    page.wait_for_function("() => document.querySelector('#judge-result').innerText.includes('You:')", timeout=TIMEOUT)
    revealed = alts(page, "#judge-gallery")
    assert sum("real: " in a for a in revealed) == 4 and all("%" in a for a in revealed), revealed
    assert all("gan-fashion, seed 0" in a for a in revealed if "generated: " in a), revealed
    for tab, button, picture, words in DRAWN:
        page = open_page(f"?tab={tab}")
        page.locator(button).click()
        page.wait_for_function("([s, w]) => (document.querySelector(s + ' img')?.alt || '').includes(w)",
                               arg=[picture, words[0]], timeout=TIMEOUT)
        alt = alts(page, picture)[0]
        assert all(w in alt for w in words), (tab, alt)


def test_a_view_s_pictures_download_as_captioned_pngs_twice_the_size(open_page):
    page = open_page("?tab=gan&seed=7&n=4")
    page.wait_for_function("() => document.querySelectorAll('#gan-gallery img').length === 4", timeout=TIMEOUT)
    page.locator("#gan-download").click()
    page.wait_for_selector("#gan-files a[href]", timeout=TIMEOUT)
    hrefs = page.eval_on_selector_all("#gan-files a[href]", "as => as.map(a => a.href)")
    assert any("gan-gallery-fashion.png" in h for h in hrefs), hrefs
    assert any("judge-gallery-fashion.png" in h for h in hrefs), hrefs  # the round, for a slide: "which are real?"
    sheet = Image.open(io.BytesIO(page.request.get(next(h for h in hrefs if "gan-gallery" in h)).body()))
    assert sheet.width >= 2 * 4 * 112 and sheet.height > 2 * 112 + 40, sheet.size  # 4 samples of 112 px, twice
    caption = sheet.info["Description"].splitlines()  # the caption's lines, also as the PNG's text
    assert caption[1].endswith("model gan-fashion; Seed 7, Number of samples 4, Noise scale (truncation) 1"), caption
    assert caption[2].startswith("Reopen this view: ?tab=gan&dataset=fashion&seed=7&n=4"), caption
    # the live tab's plots too: drawn again from the tables the page holds, twice the page's size
    page = open_page("?tab=train")
    page.wait_for_selector("#live-d .role-legend", state="attached", timeout=TIMEOUT)
    page.locator("#train-download").click()
    page.wait_for_selector("#train-files a[href]", timeout=TIMEOUT)
    hrefs = page.eval_on_selector_all("#train-files a[href]", "as => as.map(a => a.href)")
    assert any("live-d-fashion.png" in h for h in hrefs) and any("live-losses-fashion.png" in h for h in hrefs), hrefs
    plot = Image.open(io.BytesIO(page.request.get(next(h for h in hrefs if "live-d-" in h)).body()))
    assert plot.width == 1200 and plot.height > 600, plot.size
