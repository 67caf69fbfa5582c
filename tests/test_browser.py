"""Headless Chromium opens the autoencoder, GAN and conditional GAN tabs and performs their main actions.

Every tab opens on finished examples (computed once at start-up), so each action here is checked by what it
changes: the pictures it replaces and the text it rewrites, never by pictures that were already there.

Screenshots go to artifacts/screenshots/: look at them, a passing test cannot tell an ugly page.
"""
from __future__ import annotations

import io
import re

import numpy as np
import pytest
from conftest import ARTIFACTS
from page_checks import least_opacity
from PIL import Image

from gan_demo.families.text.generate import generate
from ui.common import get_model
from ui.tabs import latent

pytestmark = [pytest.mark.browser, pytest.mark.e2e, pytest.mark.slow]

TIMEOUT = 30_000  # ms: the first request of a dataset loads models and builds the latent map


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / "screenshots" / f"{name}.png"), full_page=True)


def text_of(page, selector: str) -> str:
    return page.locator(selector).inner_text()


def wait_for_text(page, selector: str, needle: str, before: str | None = None) -> None:
    """Wait until the text of ``selector`` contains ``needle`` (and, given ``before``, is no longer that text)."""
    page.wait_for_function("([s, n, b]) => { const t = document.querySelector(s)?.innerText || '';"
                           " return t.includes(n) && t !== b; }", arg=[selector, needle, before], timeout=TIMEOUT)


def sources(page, selector: str) -> list[str]:
    """The addresses of the pictures under ``selector`` now (a picture's address follows its content)."""
    return page.eval_on_selector_all(f"{selector} img", "els => els.map(i => i.src)")


def wait_for_images(page, selector: str, count: int = 1, before: list[str] = ()) -> None:
    """Wait until ``selector`` shows at least ``count`` pictures, none of them one of ``before``."""
    page.wait_for_function("([s, n, b]) => { const src = [...document.querySelectorAll(s + ' img')].map(i => i.src);"
                           " return src.length >= n && src.every(x => !b.includes(x)); }",
                           arg=[selector, count, list(before)], timeout=TIMEOUT)


def test_the_page_opens_on_finished_examples(page):
    """Nothing to press first: each tab's main results were computed when the app started."""
    assert "PSNR" in text_of(page, "#ae-scores")
    for selector in ("#ae-comparison", "#ae-map", "#ae-manifold", "#vae-random", "#vae-ae-map", "#vae-map"):
        assert_pictures(page, selector, min_side=100)
    assert "bits per pixel" in text_of(page, "#vae-elbo")
    page.get_by_role("tab", name="GAN", exact=True).click()
    assert_pictures(page, "#gan-gallery", 16)
    assert "classifier sees" in text_of(page, "#gan-summary")
    # every verdict readable in full (Gradio cut captions at 80% of a tile), no blank box under two rows of samples
    captions = page.locator("#gan-gallery .caption-label")
    assert captions.count() == 16 and all("%" in c for c in captions.all_inner_texts())
    assert not page.eval_on_selector_all("#gan-gallery .caption-label", "els => els.some(e => e.scrollWidth > e.clientWidth)")
    covered = page.eval_on_selector_all("#gan-gallery .caption-label",
                                        "els => Math.max(...els.map(e => e.offsetHeight / e.parentElement.offsetHeight))")
    assert covered <= 0.3, f"a caption covers {covered:.0%} of its sample"
    wrap, rows = (page.locator(f"#gan-gallery {part}").bounding_box() for part in (".grid-wrap", ".grid-container"))
    assert wrap["height"] <= rows["height"] + 40, (wrap, rows)
    page.get_by_role("tab", name="Conditional GAN").click()
    assert_pictures(page, "#cgan-gallery", 16)
    assert_pictures(page, "#cgan-grid", min_side=200)
    page.get_by_role("tab", name="What came next").click()
    assert "8 images" in text_of(page, "#dalle-status")
    # the retrieval example comes with the tab's first opening (as its scrubbers' frames), not with the page
    page.wait_for_function("() => document.querySelectorAll('#dalle-found img').length >= 16", timeout=TIMEOUT)
    for selector, count in (("#dalle-gallery", 8), ("#dalle-live", 1), ("#dalle-story", 1), ("#dalle-gif", 1),
                            ("#dalle-sweep-image", 1), ("#dalle-found", 16), ("#dalle-varied", 8),
                            ("#dalle-versus-image", 1)):
        assert_pictures(page, selector, count)
    assert "a photo of a" in text_of(page, "#dalle-scores")
    shot(page, "opening_page_what_came_next")


def test_example_galleries_fit_their_column_on_a_projector(page):
    """At 1024 px Gradio's 100-px minimum tiles made the 4-column example galleries wider than their column (they
    scrolled sideways); they take 3 columns there, and each example's name stays on one line."""
    page.set_viewport_size({"width": 1024, "height": 900})
    for tab, selector in (("Autoencoder", "#ae-gallery"), ("What came next", "#dalle-examples")):
        page.get_by_role("tab", name=tab, exact=True).click()
        page.locator(selector).scroll_into_view_if_needed()
        wide, shown = page.eval_on_selector(f"{selector} .grid-wrap", "g => [g.scrollWidth, g.clientWidth]")
        assert wide <= shown, f"{selector} scrolls sideways: {wide} px in {shown}"
        lines = page.eval_on_selector_all(f"{selector} .caption-label", "els => els.map(e => e.offsetHeight)")
        assert lines and max(lines) < 2 * min(lines), f"{selector}: a name wraps ({lines} px tall)"
    shot(page, "example_galleries_1024px")


def loaded_sizes(page, selector: str) -> list[tuple[int, int]]:
    """(naturalWidth, naturalHeight) of every picture under ``selector``, after each has finished loading
    (scrolled into view first: Gradio's pictures load lazily)."""
    page.locator(selector).scroll_into_view_if_needed()
    page.wait_for_function("s => [...document.querySelectorAll(s + ' img')].every(i => i.complete)", arg=selector,
                           timeout=TIMEOUT)
    sizes = page.eval_on_selector_all(f"{selector} img", "els => els.map(i => [i.naturalWidth, i.naturalHeight])")
    return [tuple(wh) for wh in sizes]


def assert_pictures(page, selector: str, count: int = 1, min_side: int = 28) -> None:
    """At least ``count`` pictures under ``selector``, every one decoded and at least ``min_side`` pixels a side."""
    sizes = loaded_sizes(page, selector)
    assert len(sizes) >= count, f"{selector}: {len(sizes)} pictures, expected {count}"
    assert all(min(w, h) >= min_side for w, h in sizes), f"{selector}: broken or tiny pictures {sizes}"


def click_and_see(page, button: str, output: str, count: int = 1, min_side: int = 28) -> None:
    """Press ``button`` and check that ``output`` shows ``count`` new decoded pictures."""
    before = sources(page, output)
    page.locator(button).click()
    wait_for_images(page, output, count, before)
    assert_pictures(page, output, count, min_side)


def number_after(text: str, label: str) -> float:
    match = re.search(rf"{label}\D*?(-?\d+(?:\.\d+)?)", text)
    assert match, f"no number after {label!r} in {text!r}"
    return float(match.group(1))


def test_autoencoder_example_and_reconstruction(page):
    comparison, latent_map, scores = sources(page, "#ae-comparison"), sources(page, "#ae-map"), text_of(page, "#ae-scores")
    page.locator("#ae-gallery img").nth(9).click()  # the 10th example: Coat #2
    wait_for_text(page, "#ae-scores", "PSNR", before=scores)
    wait_for_images(page, "#ae-comparison", before=comparison)
    wait_for_images(page, "#ae-map", before=latent_map)  # the new input's point
    wait_for_images(page, "#ae-manifold")
    assert number_after(text_of(page, "#ae-scores"), "PSNR") > 15  # a real test image reconstructs well
    for selector in ("#ae-comparison", "#ae-map", "#ae-manifold"):
        assert_pictures(page, selector, min_side=100)
    shot(page, "autoencoder_example")


def draw_a_seven(page, sketch: str) -> None:
    """Pick the sketchpad's brush and draw a '7' with the mouse."""
    page.locator(f"{sketch} button[aria-label='Brush']").click()
    box = page.locator(f"{sketch} canvas").last.bounding_box()
    x0, y0, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x0 + 0.3 * w, y0 + 0.25 * h)
    page.mouse.down()
    for fx, fy in ((0.7, 0.25), (0.45, 0.8)):
        page.mouse.move(x0 + fx * w, y0 + fy * h, steps=12)
    page.mouse.up()


def test_autoencoder_drawing(page):
    page.get_by_role("tab", name="Draw", exact=True).click()
    page.locator("#ae-use-drawing").click()  # nothing drawn yet: a friendly message, not a crash
    page.get_by_text("Nothing drawn yet").first.wait_for(timeout=TIMEOUT)
    draw_a_seven(page, "#ae-sketch")
    shot(page, "autoencoder_drawing_before")
    comparison, scores = sources(page, "#ae-comparison"), text_of(page, "#ae-scores")
    page.locator("#ae-use-drawing").click()
    wait_for_text(page, "#ae-scores", "PSNR", before=scores)
    wait_for_images(page, "#ae-comparison", before=comparison)
    page.locator("#ae-comparison").scroll_into_view_if_needed()
    assert number_after(text_of(page, "#ae-scores"), "PSNR") > 0
    assert_pictures(page, "#ae-comparison", min_side=100)
    shot(page, "autoencoder_drawing")


def test_clip_scores_a_drawing(page):
    """What came next has the Autoencoder tab's picker: a drawing, with its instructions, scored by CLIP at once."""
    page.get_by_role("tab", name="What came next").click()
    page.get_by_role("tab", name="Draw", exact=True).click()
    assert page.get_by_text("draw one large item in the middle").first.is_visible()
    page.locator("#dalle-use-drawing").click()
    page.get_by_text("Nothing drawn yet").first.wait_for(timeout=TIMEOUT)
    draw_a_seven(page, "#dalle-sketch")
    image, scores = sources(page, "#dalle-image"), text_of(page, "#dalle-scores")
    page.locator("#dalle-use-drawing").click()
    wait_for_images(page, "#dalle-image", before=image)
    wait_for_text(page, "#dalle-scores", "a photo of a", before=scores)
    page.locator("#dalle-scores").scroll_into_view_if_needed()
    shot(page, "what_came_next_drawing")


def test_autoencoder_interpolation(page):
    page.locator("#ae-interpolate").click()
    wait_for_images(page, "#ae-strip")
    wait_for_images(page, "#ae-gif")
    assert page.locator("#ae-gif img").first.get_attribute("src").endswith(".gif")
    assert_pictures(page, "#ae-strip", min_side=28)
    assert_pictures(page, "#ae-gif", min_side=28)
    shot(page, "autoencoder_interpolation")


def test_gan_samples_and_memorisation_check(page):
    page.get_by_role("tab", name="GAN", exact=True).click()
    samples, summary = sources(page, "#gan-gallery"), text_of(page, "#gan-summary")
    page.locator("#gan-seed input").fill("5")
    page.locator("#gan-run").click()
    wait_for_images(page, "#gan-gallery", 16, before=samples)
    wait_for_text(page, "#gan-summary", "classifier sees", before=summary)
    assert "%" in text_of(page, "#gan-gallery")  # the verdict under each sample
    page.locator("#gan-gallery img").nth(3).click()
    wait_for_images(page, "#gan-nearest", 9)
    wait_for_text(page, "#gan-memorisation", "Nearest training image")
    assert "sample #3" in text_of(page, "#gan-nearest")
    assert_pictures(page, "#gan-nearest", 9)
    click_and_see(page, "#gan-interpolate", "#gan-strip")
    shot(page, "gan")


def test_conditional_gan_samples_and_grid(page):
    page.get_by_role("tab", name="Conditional GAN").click()
    samples = sources(page, "#cgan-gallery")
    page.locator("#cgan-seed input").fill("5")
    page.locator("#cgan-run").click()
    wait_for_images(page, "#cgan-gallery", 16, before=samples)
    wait_for_text(page, "#cgan-agreement", "Agreement")
    assert number_after(text_of(page, "#cgan-agreement"), r"samples \(") >= 50  # "... in 15 of 16 samples (94%)."
    assert_pictures(page, "#cgan-gallery", 16)
    page.locator("#cgan-grid-seed input").fill("3")
    click_and_see(page, "#cgan-grid-run", "#cgan-grid", min_side=200)  # ten classes across
    click_and_see(page, "#cgan-interpolate", "#cgan-strip")
    shot(page, "conditional_gan")


def test_dataset_switch_reaches_the_tabs(page):
    click_and_see(page, "#ae-interpolate", "#ae-strip")  # a Fashion-MNIST result that must not outlive the switch
    scores, grid = text_of(page, "#ae-scores"), sources(page, "#cgan-grid")
    page.get_by_role("radio", name="MNIST digits").check()
    wait_for_text(page, "#ae-gallery", "9 #2")
    wait_for_text(page, "#ae-scores", "PSNR", before=scores)
    page.get_by_role("tab", name="Conditional GAN").click()
    wait_for_text(page, "#cgan-agreement", "sees 7 in")
    wait_for_images(page, "#cgan-grid", before=grid)  # digits now: no garment left from the opening page
    page.get_by_role("tab", name="What came next").click()
    wait_for_text(page, "#dalle-status", "Press Generate")  # Fashion-MNIST's results cleared, not left standing
    assert page.locator("#dalle-prompt textarea").input_value() == "a photo of a dark 7"  # the tab's rows all render
    # emptied by an event of its own beside the one that writes the status: it may land a moment after
    page.wait_for_function("!document.querySelector('#dalle-gallery img') && !document.querySelector('#dalle-found img')",
                           timeout=30_000)
    # MNIST's pipeline redraws the decoder's strays: the status says how many, as the package counts them
    page.locator("#dalle-prompt textarea").fill("a photo of a 4")
    page.locator("#dalle-run").click()
    wait_for_text(page, "#dalle-status", "8 images for a photo of a 4")
    model = get_model("text-mnist")
    made = generate(model, ["a photo of a 4"] * 8, 0, 25, model.guidance)
    decodes = made.decodes
    strays = int((decodes > 1).sum())
    assert strays > 0 and f"{strays} strayed" in text_of(page, "#dalle-status")
    calls = 25 * (1 if model.guidance == 1 else 2) * decodes.float().mean().item()
    assert f"({calls:.3g} evaluations per image with the redraws;" in text_of(page, "#dalle-status")
    assert_pictures(page, "#dalle-gallery", count=8, min_side=100)
    replaced = int(made.redrawn.sum())  # the kept decodes that are redraws, not the first decodes
    assert replaced > 0 and text_of(page, "#dalle-gallery").count("redrawn") == replaced
    page.locator("#dalle-status").scroll_into_view_if_needed()
    shot(page, "what_came_next_mnist_redraws")
    page.get_by_role("tab", name="Autoencoder").click()
    page.wait_for_function("() => document.querySelectorAll('#ae-strip img, #ae-gif img').length === 0",
                           timeout=TIMEOUT)
    shot(page, "dataset_switch_mnist")


def test_autoencoder_vs_vae(page):
    """The VAE part: random codes decoded by both models, the ELBO of the input, both maps, a traversal."""
    elbo, ae_map, vae_map = text_of(page, "#vae-elbo"), sources(page, "#vae-ae-map"), sources(page, "#vae-map")
    page.locator("#ae-gallery img").nth(14).click()  # Sneaker #1: the input follows into the VAE part
    wait_for_text(page, "#vae-elbo", "bits per pixel", before=elbo)
    assert number_after(text_of(page, "#vae-elbo"), "ELBO") < 0  # a log-probability bound, in nats
    wait_for_images(page, "#vae-ae-map", before=ae_map)
    wait_for_images(page, "#vae-map", before=vae_map)
    assert_pictures(page, "#vae-ae-map", min_side=300)
    assert_pictures(page, "#vae-map", min_side=300)
    page.locator("#vae-seed input").fill("4")
    click_and_see(page, "#vae-random-run", "#vae-random", min_side=150)  # two rows of decodes
    page.locator("#vae-traverse-run").click()
    wait_for_images(page, "#vae-traverse")
    wait_for_images(page, "#vae-gif")
    assert_pictures(page, "#vae-traverse", min_side=28)
    page.locator("#vae-random").scroll_into_view_if_needed()
    shot(page, "autoencoder_vs_vae")


def test_latent_diffusion_three_ways(page):
    """The latent diffusion part: the same seed's noise four ways and both maps with the codes marked; the grid
    the page paints is the package's own for that seed, pixel for pixel."""
    grid, status = sources(page, "#latent-grid"), text_of(page, "#latent-status")
    page.locator("#latent-seed input").fill("5")
    page.locator("#latent-run").click()
    wait_for_images(page, "#latent-grid", before=grid)
    wait_for_text(page, "#latent-status", "Seed 5", before=status)
    assert "20 network evaluations per image" in text_of(page, "#latent-status")
    for selector in ("#latent-ae-map", "#latent-vae-map"):
        assert_pictures(page, selector, min_side=300)
    painted = page.request.get(sources(page, "#latent-grid")[0]).body()
    expected = latent.three_ways(5, 8, latent.ANY, 10, 2.0, "fashion")[0]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(painted)).convert("RGB")), expected)
    page.locator("#latent-grid").scroll_into_view_if_needed()
    shot(page, "latent_diffusion")
    # every class side by side: the dropdown's "each code its own class", at w = 1
    status = text_of(page, "#latent-status")
    page.locator("#latent-class input").click()
    page.get_by_role("option", name=latent.EACH).click()
    page.locator("#latent-run").click()
    wait_for_text(page, "#latent-status", latent.EACH, before=status)
    shot(page, "latent_diffusion_each_class")


def test_what_came_next_text_to_image(page):
    """Type a prompt, see the denoising and the images appear; an unknown word gets a message naming it."""
    page.get_by_role("tab", name="What came next").click()
    prompt = page.locator("#dalle-prompt textarea")
    prompt.fill("a photo of a unicorn")
    page.locator("#dalle-run").click()
    page.get_by_text("unknown word 'unicorn'").first.wait_for(timeout=TIMEOUT)
    live, story = sources(page, "#dalle-live"), sources(page, "#dalle-story")
    gallery = sources(page, "#dalle-gallery")
    prompt.fill("a photo of a small dark sneaker")
    page.locator("#dalle-run").click()
    assert least_opacity(page, "#dalle-status .prose", seconds=1) == 1  # readable while it denoises (Gradio fades it)
    wait_for_text(page, "#dalle-status", "8 images for a photo of a small dark sneaker")
    wait_for_images(page, "#dalle-gallery", 8, before=gallery)
    wait_for_images(page, "#dalle-live", before=live)
    wait_for_images(page, "#dalle-story", before=story)
    assert_pictures(page, "#dalle-gallery", count=8, min_side=100)
    assert_pictures(page, "#dalle-live", min_side=150)  # x_t and the predicted x_0 rows
    assert_pictures(page, "#dalle-story", min_side=150)
    page.locator("#dalle-live").scroll_into_view_if_needed()
    shot(page, "what_came_next_text_to_image")
    scores = text_of(page, "#dalle-scores")
    page.locator("#dalle-prompts textarea").fill("a photo of a trousers\na photo of a sneaker\na photo of a bag")
    page.locator("#dalle-score").click()  # the example image against three class prompts: CLIP's label bars
    wait_for_text(page, "#dalle-scores", "a photo of a bag", before=scores)
    page.locator("#dalle-query textarea").fill("a photo of a large sneaker")
    click_and_see(page, "#dalle-retrieve", "#dalle-found", count=16, min_side=100)
    page.locator("#dalle-found").scroll_into_view_if_needed()
    shot(page, "what_came_next_clip")
    # a new image is scored at once, and the previous image's variations go; its own are a click away
    assert len(sources(page, "#dalle-varied")) == 8  # the opening example's
    scores = text_of(page, "#dalle-scores")
    page.locator("#dalle-examples img").nth(10).click()  # the 11th example: Sandal #1
    wait_for_text(page, "#dalle-scores", "a photo of a", before=scores)
    page.wait_for_function("() => !document.querySelector('#dalle-varied img')", timeout=TIMEOUT)
    click_and_see(page, "#dalle-variations", "#dalle-varied", count=8, min_side=28)
    assert "sandal" in " ".join(page.locator("#dalle-varied").all_inner_texts()).lower()
    page.locator("#dalle-varied").scroll_into_view_if_needed()
    shot(page, "what_came_next_variations")
