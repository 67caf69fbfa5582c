"""Every endpoint of the "What came next" tab through gradio_client: seeded results (bad values: test_bad_input.py)."""
from __future__ import annotations

import json

import pytest
from gradio_client import handle_file
from PIL import Image

from ui.components import example_paths

pytestmark = pytest.mark.e2e

FASHION = [str(p) for p in example_paths("fashion")]
MNIST = [str(p) for p in example_paths("mnist")]


def png(path) -> Image.Image:
    image = Image.open(path)
    assert image.format == "PNG"
    return image


def test_text_to_image_is_seeded_and_shows_the_denoising(client):
    gallery, live, story, gif, status, frames = client.predict("a photo of a 7", 4, 3, 10, 3.0, "mnist",
                                                               api_name="/text_to_image")
    assert len(json.loads(frames)["frames"]) == 10  # the scrubber: every step
    assert len(gallery) == 4 and all(item["caption"] for item in gallery)
    assert "4 images" in status and "20 decoder network evaluations" in status
    assert png(live).height > 2 * 28 * 3 and png(story).width > 2 * 28 * 3
    assert Image.open(gif).format == "GIF" and Image.open(gif).n_frames >= 10
    again, *_ = client.predict("a photo of a 7", 4, 3, 10, 3.0, "mnist", api_name="/text_to_image")
    assert [png(a["image"]).tobytes() for a in again] == [png(g["image"]).tobytes() for g in gallery]


def test_guidance_sweep_gives_a_row_per_scale(client):
    image, table, _ = client.predict("a photo of a sneaker", 3, 0, 8, ["0", "3"], "fashion", api_name="/guidance_sweep")
    assert png(image).height > 2 * 28 * 3 and table.count("\n| ") == 2 and "| 3 |" in table


def test_clip_scores_are_probabilities_over_the_prompts(client):
    result = client.predict(handle_file(MNIST[7]), "a photo of a 7\na photo of a 1\nan even number", "mnist",
                            api_name="/clip_scores")
    confidences = {c["label"]: c["confidence"] for c in result["confidences"]}
    assert set(confidences) == {"a photo of a 7", "a photo of a 1", "an even number"}
    assert sum(confidences.values()) == pytest.approx(1, abs=1e-3)


def test_clip_retrieve_finds_the_prompted_class(client):
    found = client.predict("a photo of a sneaker", 8, "fashion", api_name="/clip_retrieve")
    assert len(found) == 8 and sum(item["caption"].startswith("Sneaker") for item in found) >= 6


def test_variations_of_an_image(client):
    varied, frames = client.predict(handle_file(FASHION[3]), 4, 0, 8, 3.0, "fashion", api_name="/variations")
    assert len(varied) == 4 and len(json.loads(frames)["frames"]) == 8


def test_every_decoder_side_by_side_at_the_chosen_steps(client):
    picture, table = client.predict("a photo of a sneaker", 3, 0, 2, "fashion", api_name="/compare_decoders")
    assert png(picture).height > 3 * 28 * 3  # a row per decoder and sampler: DDIM, Euler, Heun
    assert all(row in table for row in ("DDPM decoder, DDIM | 4 |", "flow-matching decoder, Euler | 4 |",
                                        "flow-matching decoder, Heun | 8 |"))
    _, digits = client.predict("a photo of a 7", 3, 0, 2, "mnist", api_name="/compare_decoders")
    assert "DDPM decoder, DDIM | 2 |" in digits and "Only Fashion-MNIST has a flow-matching decoder" in digits


def test_gan_vs_diffusion_side_by_side(client):
    picture, table = client.predict("Sneaker", 4, 1, "fashion", api_name="/gan_vs_diffusion")
    assert png(picture).width > 4 * 28 * 3 and "conditional GAN" in table and "Frechet" in table
