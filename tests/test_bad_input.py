"""Bad input through the API (and a few through the page): each gets a gr.Error that names what was wrong
and what is allowed, and the server keeps serving. The one home of the API's bad-input cases: each control's
checks once here, the handlers' own checks in the handler tests, the live settings' in test_live.py.

Every case lists words the message must contain: the control or value at fault, and the allowed range or
choices. NaN and infinity are sent as hand-written JSON, because gradio_client refuses to encode them.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from servers import call_raw
from ui.components import example_paths

pytestmark = pytest.mark.e2e

EXAMPLE = str(example_paths("fashion")[0])


def make_files(folder: Path) -> dict[str, str]:
    """Broken and odd uploads, each tiny on disk."""
    files = {"one_pixel.png": None, "huge.png": None, "empty.png": b"", "notes.txt": b"certainly not a picture",
             "fake.png": b"this is text with a .png name", "truncated.png": Path(EXAMPLE).read_bytes()[:120]}
    for name, data in files.items():
        if data is not None:
            (folder / name).write_bytes(data)
    Image.new("L", (1, 1), 255).save(folder / "one_pixel.png")
    Image.new("1", (10_000, 10_000)).save(folder / "huge.png")  # 100 megapixels in a few kB
    return {name: str(folder / name) for name in files}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    return make_files(tmp_path_factory.mktemp("bad_uploads"))


def upload(name: str):
    return ("FILE", name)


# (endpoint, args, words the message must contain)
API_CASES = [
    # uploads: wrong sizes, non-images, truncated files, a missing image
    ("/reconstruct", (upload("one_pixel.png"), 0.0, "fashion"), ["1x1 pixels", "at least 8x8"]),
    ("/reconstruct", (upload("huge.png"), 0.0, "fashion"), ["10000x10000", "limit is 8192 pixels"]),
    ("/latent_map", (upload("huge.png"), 0.0, "mnist"), ["10000x10000", "limit is 8192 pixels"]),
    ("/reconstruct", (upload("empty.png"), 0.0, "fashion"), ["could not read empty.png", "Upload a PNG, JPEG"]),
    ("/reconstruct", (upload("notes.txt"), 0.0, "fashion"), ["could not read notes.txt", "Upload a PNG, JPEG"]),
    ("/reconstruct", (upload("fake.png"), 0.0, "fashion"), ["could not read fake.png", "Upload a PNG, JPEG"]),
    ("/reconstruct", (upload("truncated.png"), 0.0, "fashion"), ["could not read truncated.png", "Upload a PNG"]),
    ("/reconstruct", (None, 0.0, "fashion"), ["Give an image first", "upload a picture"]),
    ("/interpolate_ae", (EXAMPLE, None, 5, "fashion"), ["image B", "upload a picture"]),
    ("/interpolate_ae", (upload("notes.txt"), upload("one_pixel.png"), 5, "fashion"), ["A (or upload)", "notes.txt"]),
    # numbers: negative, huge, non-integer, the wrong type
    ("/reconstruct", (EXAMPLE, -0.5, "fashion"), ["Noise", "-0.5", "minimum value 0"]),
    ("/sample", (1, -3, 1.0, "fashion"), ["Number of samples", "-3", "minimum value 1"]),
    ("/sample", (1, 10_000, 1.0, "fashion"), ["Number of samples", "10000", "maximum value 64"]),
    ("/sample", (1, 2.5, 1.0, "fashion"), ["Number of samples", "2.5", "whole number between 1 and 64"]),
    ("/sample", (1, "7", 1.0, "fashion"), ["Number of samples", "'7'", "between 1 and 64"]),
    ("/sample", (-1, 4, 1.0, "fashion"), ["Seed", "-1", "minimum value 0"]),
    ("/sample", (2**31, 4, 1.0, "fashion"), ["Seed", "2147483648", "maximum value 2147483647"]),
    ("/sample", (1, 4, 0.0, "fashion"), ["Noise scale", "minimum value 0.1"]),
    ("/nearest", (1, 4, 4, 1.0, "fashion"), ["Sample index", "between 0 and 3", "got 4"]),
    ("/interpolate_gan", (1, 2, 1000, 1.0, "mnist"), ["Frames", "maximum value 32"]),
    ("/class_grid", (0, 0, "mnist"), ["Rows", "minimum value 1"]),
    ("/judge_round", (-1, "fashion"), ["Round seed", "-1", "minimum value 0"]),
    ("/judge_check", (["Image 9"],), ["The images I think are real", "Image 9"]),
    # unknown names
    ("/sample", (1, 4, 1.0, "cifar10"), ["Dataset", "cifar10", "fashion", "mnist"]),
    ("/sample_conditional", ("Unicorn", 4, 0, "fashion"), ["Unknown class 'Unicorn'", "Choose one of", "Sneaker"]),
    ("/sample_conditional", ("sneaker", 4, 0, "fashion"), ["Unknown class 'sneaker'", "Sneaker"]),
    ("/sample_conditional", ("Sneaker", 4, 0, "mnist"), ["Unknown class 'Sneaker' for MNIST", "0, 1, 2"]),
    ("/interpolate_classes", ("Bag", "Dragon", 0, 5, "fashion"), ["'Dragon'", "Ankle boot"]),
    # the autoencoder vs VAE part
    ("/vae_elbo", (upload("one_pixel.png"), "fashion"), ["1x1 pixels", "at least 8x8"]),
    ("/vae_elbo", (None, "mnist"), ["Give an image first", "upload a picture"]),
    ("/vae_latent_maps", (upload("notes.txt"), "mnist"), ["could not read notes.txt"]),
    ("/vae_random_codes", (0, 100, "fashion"), ["Codes", "100", "maximum value 16"]),
    ("/vae_random_codes", (0, 4, "svhn"), ["Dataset", "svhn", "fashion"]),
    ("/vae_traverse", (EXAMPLE, 0, 3.0, 9, "fashion"), ["Axis", "minimum value 1"]),
    ("/vae_traverse", (EXAMPLE, 1.5, 3.0, 9, "fashion"), ["Axis", "whole number"]),
    ("/vae_traverse", (EXAMPLE, 1, 40.0, 9, "fashion"), ["Span", "maximum value 4"]),
    # what came next: prompts, sampling settings, work caps, uploads
    ("/text_to_image", ("a photo of a unicorn", 4, 0, 10, 3.0, "fashion"), ["unknown word 'unicorn'", "sneaker", "footwear"]),
    ("/text_to_image", ("a photo of a 7", 4, 0, 10, 3.0, "fashion"), ["unknown word '7'"]),
    ("/text_to_image", ("   ", 4, 0, 10, 3.0, "mnist"), ["prompt is empty"]),
    ("/text_to_image", ("a sneaker", 99, 0, 10, 3.0, "fashion"), ["Number of images", "99", "maximum value"]),
    ("/text_to_image", ("a sneaker", 4, 0, 1000, 3.0, "fashion"), ["Sampling steps", "maximum value 100"]),
    ("/text_to_image", ("a sneaker", 4, 0, 10, 50.0, "fashion"), ["Guidance scale", "maximum value 15"]),
    ("/text_to_image", ("a sneaker", 16, 0, 100, 3.0, "fashion"), ["too much work", "800"]),
    ("/text_to_image", ("a sneaker", 4, 0, 10, 3.0, "cifar"), ["Dataset", "cifar", "fashion"]),
    ("/guidance_sweep", ("an odd number", 3, 0, 8, [], "mnist"), ["at least one guidance scale"]),
    ("/clip_scores", (upload("notes.txt"), "a sneaker", "fashion"), ["could not read notes.txt"]),
    ("/clip_scores", (EXAMPLE, "a sneaker\n" * 30, "fashion"), ["At most 20 prompts"]),
    ("/clip_scores", (EXAMPLE, "", "fashion"), ["at least one prompt"]),
    ("/clip_scores", (EXAMPLE, "a sneaker\na dragon", "fashion"), ["unknown word 'dragon'"]),
    ("/clip_retrieve", ("a bag", 100, "fashion"), ["Images", "maximum value 32"]),
    ("/variations", (upload("one_pixel.png"), 4, 0, 10, 3.0, "fashion"), ["1x1 pixels", "at least 8x8"]),
    ("/gan_vs_diffusion", ("Unicorn", 4, 0, "fashion"), ["Unknown class 'Unicorn'"]),
    ("/compare_decoders", ("a sneaker", 4, 0, 51, "fashion"), ["Sampling steps", "maximum value 50"]),
    # the live tab's race of the GAN and the flow: its own setting (the others are the diffusion run's, below)
    ("/race_gan_flow", ("ring", 600, 8, 0), ["seconds", "600", "maximum value 60"]),
    # the live tab's canvas: nothing drawn, an unknown GAN mode
    ("/draw_dataset", ({"background": None, "layers": [], "composite": None}, "2d"), ["canvas is empty", "draw a few"]),
    ("/draw_dataset", ({"background": None, "layers": [], "composite": None}, "video"), ["mode", "'video'", "2d"]),
]

TRAIN = dict(mode="2d", dataset="ring", preset="balanced", steps=5, seed=1, hidden=32, batch_size=64)
TRAIN_CASES = [  # out-of-range learning rates and step counts, unknown names (one change to a valid run)
    (dict(lr_d=0.0), ["lr_d", "1e-05"]),
    (dict(lr_g=1e6), ["lr_g", "10"]),
    (dict(steps=0), ["steps", "minimum value 1"]),
    (dict(steps=10**6), ["steps", "5000"]),
    (dict(steps=2.5), ["steps", "whole number"]),
    (dict(batch_size=4096), ["batch_size", "1024"]),
    (dict(mode="video"), ["mode", "'video'", "2d", "images"]),
    (dict(dataset="cifar"), ["dataset", "'cifar'", "ring, grid, spiral, moons"]),
    (dict(mode="images", dataset="spiral"), ["dataset for images mode", "fashion, mnist"]),
    (dict(g_loss="hinge"), ["g_loss", "'hinge'", "non-saturating"]),
    (dict(optimizer="rmsprop"), ["optimizer", "'rmsprop'", "adam", "sgd"]),
    (dict(preset="turbo"), ["preset", "turbo", "balanced"]),
]

DIFFUSION = dict(dataset="ring", objective="flow-matching", steps=5, sampling_steps=2, seed=0)
DIFFUSION_CASES = [  # one bad value per /train_diffusion argument
    (dict(dataset="cifar"), ["dataset", "'cifar'", "ring, grid, spiral, moons"]),
    (dict(objective="gan"), ["objective", "'gan'", "flow-matching", "ddpm"]),
    (dict(steps=20000), ["steps", "20000", "maximum value 10000"]),
    (dict(sampling_steps=0), ["sampling_steps", "minimum value 1"]),
    (dict(seed=-1), ["seed", "-1", "minimum value 0"]),
    (dict(objective="ddpm", sampler="heun"), ["sampler", "'heun'", "ddpm samples with one of ancestral"]),
]

# Hand-written JSON: what a script or curl can send (positional, in the endpoint's input order).
TRAIN_ORDER = '"2d", "ring", "balanced", 1, "non-saturating", "adam", {lr_d}, 0.001, 64, 2, 32, {steps}, 0, "mlp", "default"'
RAW_CASES = [
    ("sample", "[0, NaN, 1.0, \"fashion\"]", ["Number of samples", "nan", "between 1 and 64"]),
    ("sample", "[0, 1e400, 1.0, \"fashion\"]", ["Number of samples", "inf", "maximum value 64"]),
    ("sample", "[Infinity, 4, 1.0, \"fashion\"]", ["Seed", "inf", "maximum value 2147483647"]),
    ("sample", "[0, 4, -Infinity, \"fashion\"]", ["Noise scale", "-inf", "minimum value 0.1"]),
    ("class_grid", "[0, NaN, \"mnist\"]", ["Rows", "nan", "between 1 and 8"]),
    ("text_to_image", "[\"a sneaker\", 4, 0, 10, NaN, \"fashion\"]", ["Guidance scale", "nan"]),
    ("text_to_image", "[\"a sneaker\", 4, 0, Infinity, 3.0, \"fashion\"]", ["Sampling steps", "inf"]),
    ("train", "[" + TRAIN_ORDER.format(lr_d="NaN", steps=5) + "]", ["lr_d", "nan", "between 1e-05 and 10"]),
    ("train", "[" + TRAIN_ORDER.format(lr_d=0.001, steps="Infinity") + "]", ["steps", "inf", "5000"]),
    ("train_diffusion", '["ring", "flow-matching", NaN, 8, 0, "default"]', ["steps", "nan", "10000"]),
]


def resolve(args: tuple, files: dict[str, str]) -> tuple:
    """('FILE', name) -> an upload of that test file; an example path -> an upload of it."""
    out = []
    for a in args:
        if isinstance(a, tuple) and a[0] == "FILE":
            a = handle_file(files[a[1]])
        elif a == EXAMPLE:
            a = handle_file(a)
        out.append(a)
    return tuple(out)


def assert_mentions(message: str, words: list[str]) -> None:
    missing = [w for w in words if w.lower() not in message.lower()]
    assert not missing, f"the error {message!r} should mention {missing}"
    assert "Traceback" not in message and not re.search(r"\berror\b$", message.strip(), re.I)


def assert_still_serving(client) -> None:
    grid = client.predict(0, 1, "mnist", api_name="/class_grid")
    assert Image.open(grid).format == "PNG"


@pytest.mark.parametrize("endpoint, args, words", API_CASES, ids=[f"{e}-{w[0][:20]}" for e, _, w in API_CASES])
def test_api_bad_input_gets_a_clear_error(client, files, endpoint, args, words):
    with pytest.raises(AppError) as err:
        client.predict(*resolve(args, files), api_name=endpoint)
    assert_mentions(str(err.value), words)
    assert_still_serving(client)


@pytest.mark.parametrize("change, words", TRAIN_CASES, ids=[w[0] + "-" + str(next(iter(c.values())))[:10]
                                                             for c, w in TRAIN_CASES])
def test_train_bad_settings_get_a_clear_error(client, change, words):
    with pytest.raises(AppError) as err:
        client.predict(**{**TRAIN, **change}, api_name="/train")
    assert_mentions(str(err.value), words)
    assert_still_serving(client)


@pytest.mark.parametrize("change, words", DIFFUSION_CASES, ids=[w[0] for _, w in DIFFUSION_CASES])
def test_train_diffusion_bad_settings_get_a_clear_error(client, change, words):
    with pytest.raises(AppError) as err:
        client.predict(**{**DIFFUSION, **change}, api_name="/train_diffusion")
    assert_mentions(str(err.value), words)
    assert_still_serving(client)


@pytest.mark.parametrize("api_name, data, words", RAW_CASES, ids=[f"{a}-{w[1]}" for a, _, w in RAW_CASES])
def test_nan_and_infinity_get_a_clear_error(app_server, client, api_name, data, words):
    event, payload = call_raw(app_server[0], api_name, '{"data": ' + data + "}")
    assert event == "error", payload
    assert_mentions(payload["error"], words)
    assert_still_serving(client)


def test_continue_without_a_run_says_to_start_first(app_server):
    fresh = Client(app_server[0], verbose=False)  # a session of its own: the shared client may have trained already
    with pytest.raises(AppError) as err:
        fresh.predict(5, api_name="/continue_training")
    assert_mentions(str(err.value), ["no run to continue", "press Start"])


def test_unusual_but_valid_images_are_converted_not_refused(client, tmp_path):
    """RGBA with transparency, 16-bit grey, palette and CMYK are real pictures: they are converted and used."""
    x = np.zeros((56, 56), np.uint8)
    x[10:46, 20:36] = 255
    pictures = {"rgba.png": Image.fromarray(np.dstack([255 - x] * 3 + [x])).convert("RGBA"),
                "grey16.png": Image.fromarray(x.astype(np.uint16) * 257),
                "palette.png": Image.fromarray(x).convert("P"),
                "cmyk.jpg": Image.fromarray(x).convert("CMYK")}
    for name, picture in pictures.items():
        picture.save(tmp_path / name)
        comparison, scores = client.predict(handle_file(str(tmp_path / name)), 0.0, "mnist", api_name="/reconstruct")
        assert "PSNR" in scores and Image.open(comparison).format == "PNG", name


# -- the same errors reach a person using the page ---------------------------------------------------------
@pytest.mark.browser
@pytest.mark.slow
def test_page_shows_an_unknown_class_error(page):
    page.get_by_role("tab", name="Conditional GAN").click()
    box = page.get_by_label("Class", exact=True)
    box.fill("Unicorn")
    box.press("Enter")
    page.locator("#cgan-run").click()
    page.get_by_text("Unknown class 'Unicorn'").first.wait_for(timeout=30_000)
    page.locator("#cgan-grid-run").click()  # the page still works after the error
    page.wait_for_function("document.querySelectorAll('#cgan-grid img').length >= 1", timeout=30_000)


@pytest.mark.browser
@pytest.mark.slow
def test_page_shows_an_out_of_range_seed_error(page):
    page.get_by_role("tab", name="GAN", exact=True).click()
    seed = page.get_by_label("Seed", exact=True).first
    seed.fill("-5")
    page.locator("#gan-run").click()
    page.get_by_text("Seed").and_(page.get_by_text("minimum value 0")).first.wait_for(timeout=30_000)
