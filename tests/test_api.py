"""Every endpoint of the autoencoder, GAN and conditional GAN tabs through gradio_client (bad values: test_bad_input.py)."""
from __future__ import annotations

import numpy as np
import pytest
from gradio_client import handle_file
from PIL import Image

from ui.components import example_paths
from ui.widgets.scrubber import unpack_frames

pytestmark = pytest.mark.e2e

FASHION = [str(p) for p in example_paths("fashion")]
MNIST = [str(p) for p in example_paths("mnist")]


def png(path) -> Image.Image:
    image = Image.open(path)
    assert image.format == "PNG"  # lossless: webp would smear 28x28 pixels
    return image


def gallery_captions(gallery) -> list[str]:
    return [item["caption"] for item in gallery]


def test_reconstruct(client):
    comparison, scores = client.predict(handle_file(FASHION[2]), 0.2, "fashion", api_name="/reconstruct")
    assert png(comparison).width > 4 * 28 * 4 and "PSNR" in scores and "noisy input" in scores


def test_latent_map(client):
    map_path, manifold_path = client.predict(handle_file(MNIST[6]), 0.0, "mnist", api_name="/latent_map")
    assert png(map_path).width >= 400 and png(manifold_path).size == (12 * 28 * 2, 12 * 28 * 2)


def test_latent_map_without_an_image(client):
    map_path, _ = client.predict(None, 0.0, "fashion", api_name="/latent_map")
    assert png(map_path).width >= 400


def test_interpolate_ae(client):
    strip, gif, walk = client.predict(handle_file(FASHION[0]), handle_file(FASHION[15]), 6, "fashion",
                                      api_name="/interpolate_ae")
    assert len(unpack_frames(walk)) == 6  # the scrubber's frames come with the strip
    assert png(strip).width > 8 * 28 * 3
    assert Image.open(gif).format == "GIF" and Image.open(gif).n_frames == 10  # 6 frames, there and back


def test_vae_random_codes_are_seeded(client):
    picture = client.predict(3, 8, "mnist", api_name="/vae_random_codes")
    assert png(picture).width > 8 * 28 * 3  # two rows of eight: the autoencoder's and the VAE's decodes
    again = client.predict(3, 8, "mnist", api_name="/vae_random_codes")
    assert png(again).tobytes() == png(picture).tobytes()


def test_vae_latent_maps_side_by_side(client):
    ae_map, vae_map = client.predict(handle_file(FASHION[4]), "fashion", api_name="/vae_latent_maps")
    assert png(ae_map).size == png(vae_map).size and png(ae_map).width >= 400


def elbo_of(text: str) -> float:
    return float(text.split("**ELBO** ", 1)[1].split(" nats", 1)[0])


def test_vae_elbo_of_a_noisy_input_is_far_lower(client, tmp_path):
    real = client.predict(handle_file(MNIST[6]), "mnist", api_name="/vae_elbo")
    image = np.asarray(Image.open(MNIST[6]).convert("L").resize((28, 28)), np.float64)
    noise = np.random.default_rng(0).normal(0, 0.3 * 255, image.shape)
    Image.fromarray(np.clip(image + noise, 0, 255).astype(np.uint8)).save(tmp_path / "noisy.png")
    noisy = client.predict(handle_file(str(tmp_path / "noisy.png")), "mnist", api_name="/vae_elbo")
    assert "reconstruction" in real and "KL" in real and "bits per pixel" in real
    assert elbo_of(real) > elbo_of(noisy) + 300, (real, noisy)


def test_vae_traverse(client):
    strip, gif = client.predict(handle_file(FASHION[7]), 1, 3.0, 7, "fashion", api_name="/vae_traverse")
    assert png(strip).width > 8 * 28 * 3
    assert Image.open(gif).format == "GIF" and Image.open(gif).n_frames == 12  # 7 frames, there and back


def test_sample(client):
    gallery, summary = client.predict(7, 12, 0.8, "fashion", api_name="/sample")
    assert len(gallery) == 12 and all("%" in c for c in gallery_captions(gallery))
    assert png(gallery[0]["image"]).size == (112, 112) and "classifier" in summary
    again, _ = client.predict(7, 12, 0.8, "fashion", api_name="/sample")
    assert gallery_captions(again) == gallery_captions(gallery)  # same seed, same samples


def test_nearest(client):
    gallery, text = client.predict(7, 12, 3, 0.8, "mnist", api_name="/nearest")
    assert len(gallery) == 9 and gallery[0]["caption"].startswith("sample #3 ") and "distance" in text
    assert "gan-mnist, seed 7" in gallery[0]["caption"]


def test_interpolate_gan(client):
    strip, gif, walk = client.predict(1, 2, 5, 1.0, "mnist", api_name="/interpolate_gan")
    assert png(strip).width > 5 * 28 * 3 and Image.open(gif).n_frames == 8 and len(unpack_frames(walk)) == 5


def test_be_the_discriminator_keeps_the_key_on_the_server(client):
    """The round's pictures come without the answer; Check (the same client session) scores the marks."""
    gallery, marks, text = client.predict(5, "mnist", api_name="/judge_round")
    assert len(gallery) == 8 and not any("real: " in c or "generated: " in c for c in gallery_captions(gallery))
    assert marks == [] and "4 real and 4 generated" in text
    revealed, result = client.predict(["Image 1", "Image 2"], api_name="/judge_check")
    assert sum("real: " in c for c in gallery_captions(revealed)) == 4 and "**You:" in result


def test_sample_conditional(client):
    gallery, agreement = client.predict("Sneaker", 8, 3, "fashion", api_name="/sample_conditional")
    assert len(gallery) == 8 and "of 8" in agreement
    digits, agreement = client.predict("7", 4, 3, "mnist", api_name="/sample_conditional")
    assert len(digits) == 4 and "*7*" in agreement


def test_class_grid(client):
    grid = png(client.predict(0, 3, "mnist", api_name="/class_grid"))
    assert grid.width > 10 * 28 * 2 and grid.height > 3 * 28 * 2


def test_interpolate_classes(client):
    strip, gif, walk = client.predict("T-shirt/top", "Sneaker", 4, 7, "fashion", api_name="/interpolate_classes")
    assert png(strip).width > 7 * 28 * 3 and Image.open(gif).format == "GIF" and len(unpack_frames(walk)) == 7


def test_odd_uploads_are_converted(client, tmp_path):
    rgba = tmp_path / "photo.png"
    Image.new("RGBA", (640, 480), (255, 255, 255, 255)).save(rgba)
    Image.open(FASHION[4]).resize((200, 200)).save(tmp_path / "big.png")
    for path in (rgba, tmp_path / "big.png"):
        comparison, scores = client.predict(handle_file(str(path)), 0.0, "fashion", api_name="/reconstruct")
        assert "PSNR" in scores
