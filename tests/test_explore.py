"""The pure helpers behind the model tabs: image preprocessing, grids, GIFs and the model-facing functions.

Models here are tiny and untrained (built on the CPU): the tests check contracts, not image quality.
"""
from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image

from gan_demo import explore, images
from gan_demo.data import load_split
from gan_demo.families.autoencoder import Autoencoder
from gan_demo.families.cgan import ConditionalGenerator
from gan_demo.families.classifier import Classifier
from gan_demo.families.gan import Generator
from gan_demo.images import ImageInputError


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)  # only the tests' own tiny weights; the library never seeds globally
    return dict(ae=Autoencoder(latent_dim=8, width=8).eval(), clf=Classifier(width=8, feature_dim=16).eval(),
                gan=Generator(latent_dim=16, width=8).eval(), cgan=ConditionalGenerator(latent_dim=16, width=8).eval())


def digit_on_paper(h=200, w=300) -> np.ndarray:
    """A dark vertical bar on white paper, off-centre: what a photo of a drawn '1' looks like."""
    a = np.full((h, w), 255, np.uint8)
    a[40:160, 30:60] = 0
    return a


# --- preprocessing -------------------------------------------------------------------------------------------

def test_dark_on_light_is_inverted_cropped_and_centred():
    x = images.preprocess_image(digit_on_paper(), dataset="mnist")
    assert x.shape == (28, 28) and x.dtype == np.uint8
    assert x[0].max() == 0 and x[:, 0].max() == 0  # background is black, as in MNIST
    rows, cols = np.flatnonzero(x.max(1) > 25), np.flatnonzero(x.max(0) > 25)
    assert 18 <= rows[-1] - rows[0] + 1 <= 21  # scaled to MNIST's 20-pixel box
    assert abs((rows[0] + rows[-1]) / 2 - 13.5) <= 1.5 and abs((cols[0] + cols[-1]) / 2 - 13.5) <= 1.5


def test_fashion_framing_fills_the_frame():
    x = images.preprocess_image(digit_on_paper(), dataset="fashion")
    rows = np.flatnonzero(x.max(1) > 25)
    assert rows[-1] - rows[0] + 1 >= 27


def test_a_28x28_image_and_its_upscaled_copy_are_kept_as_they_are():
    a = np.random.default_rng(0).integers(0, 100, (28, 28), dtype=np.uint8)  # dark border: no inversion
    assert np.array_equal(images.preprocess_image(a), a)
    assert np.array_equal(images.preprocess_image(images.upscale(a, 4)), a)  # a downloaded display image


@pytest.mark.parametrize("mode", ["RGBA", "LA", "RGB", "P", "1", "I;16", "I", "F", "CMYK"])
def test_every_pil_mode_gives_the_same_kind_of_image(mode):
    base = Image.fromarray(digit_on_paper())
    x = images.preprocess_image(base.convert(mode))
    assert x.shape == (28, 28) and x.dtype == np.uint8 and x.max() > 200 and x[0].max() < 30


def test_sixteen_bit_images_use_their_full_range():
    a = (np.linspace(0, 65535, 64 * 64).reshape(64, 64)).astype(np.uint16)
    grey = images.to_grey(Image.fromarray(a))
    assert grey.min() == 0 and grey.max() == pytest.approx(1, abs=1e-3)
    assert images.to_grey(a).max() == pytest.approx(1, abs=1e-3)  # the same as a numpy array


def test_transparent_strokes_are_composited_over_white():
    rgba = np.zeros((50, 50, 4), np.uint8)  # fully transparent "black"
    rgba[10:40, 20:25] = (0, 0, 0, 255)  # an opaque black stroke
    x = images.preprocess_image(Image.fromarray(rgba, "RGBA"))
    assert x[0].max() == 0 and x.max() > 200  # the stroke is bright, the transparent background dark


@pytest.mark.parametrize("value", [0, 255])
def test_a_one_pixel_image_does_not_crash(value):
    x = images.preprocess_image(Image.new("L", (1, 1), value))
    assert x.shape == (28, 28) and images.is_blank(x)


def test_a_blank_drawing_is_blank():
    white = np.full((280, 280), 255, np.uint8)
    assert images.is_blank(images.preprocess_image(white, center=True))
    assert not images.is_blank(images.preprocess_image(digit_on_paper(), center=True))


@pytest.mark.parametrize("shape", [(0, 10), (10, 0), (5,), (4, 4, 7)])
def test_empty_or_odd_arrays_are_rejected(shape):
    with pytest.raises(ImageInputError):
        images.preprocess_image(np.zeros(shape, np.uint8))


@pytest.mark.parametrize("size", [(10_000, 5_000), (20_000, 20_000)])  # over our limit; over PIL's bomb limit
def test_huge_images_are_rejected_from_the_header(tmp_path, size):
    path = tmp_path / "huge.png"
    Image.new("1", size).save(path)  # tens of megapixels, a few kB on disk
    with pytest.raises(ImageInputError, match="limit"):
        images.open_image(path)


def test_non_images_are_rejected(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("not a picture")
    with pytest.raises(ImageInputError, match="not an image"):
        images.open_image(path)


# --- pictures ----------------------------------------------------------------------------------------------

def test_labelled_grid_has_room_for_every_cell_and_label():
    cells = [[np.zeros((28, 28), np.uint8)] * 3, [np.zeros((28, 28, 3), np.uint8)] * 3]
    g = images.labelled_grid(cells, col_labels=["a", "b", "c"], row_labels=["r1", "r2"], captions=[["x"] * 3] * 2)
    assert g.ndim == 3 and g.shape[2] == 3 and g.shape[0] > 2 * 28 * 3 and g.shape[1] > 3 * 28 * 3


def test_gif_loops_and_plays_forth_and_back():
    frames = np.stack([np.full((28, 28), v, np.uint8) for v in (0, 100, 200, 255)])
    gif = Image.open(io.BytesIO(images.gif_bytes(frames, scale=2)))
    assert gif.format == "GIF" and gif.size == (56, 56) and gif.n_frames == 6 and gif.info["loop"] == 0


def test_gif_files_are_named_by_content(tmp_path):
    frames = np.zeros((3, 28, 28), np.uint8)
    assert images.write_gif(frames, tmp_path) == images.write_gif(frames, tmp_path)
    assert len(list(tmp_path.iterdir())) == 1


def test_error_heatmap_is_black_where_equal_and_white_where_opposite():
    a, b = np.zeros((2, 2), np.uint8), np.array([[0, 255], [0, 255]], np.uint8)
    h = images.error_heatmap(a, b)
    assert h.shape == (2, 2, 3) and (h[:, 0] == 0).all() and (h[:, 1] == 255).all()


# --- models ------------------------------------------------------------------------------------------------

def test_classify_gives_a_class_and_a_probability(models):
    x = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    labels, conf = explore.classify(models["clf"], x)
    assert labels.shape == conf.shape == (5,) and ((labels >= 0) & (labels < 10)).all()
    assert ((conf >= 0.1) & (conf <= 1)).all()  # the top of 10 probabilities is at least 1/10
    assert explore.verdicts(labels[:1], conf[:1], tuple("abcdefghij"))[0].endswith("%")


def test_reconstruction_scores_and_noise(models):
    x = images.preprocess_image(digit_on_paper())
    clean, noisy = explore.reconstruct(models["ae"], x, 0.0), explore.reconstruct(models["ae"], x, 0.5)
    assert clean.output.shape == (28, 28) and clean.output.dtype == np.uint8 and clean.point.shape == (2,)
    assert np.array_equal(clean.noisy, x) and not np.array_equal(noisy.noisy, x)
    assert clean.mse >= 0 and np.isfinite(clean.psnr) and noisy.noisy_psnr < 20
    again = explore.reconstruct(models["ae"], x, 0.5)  # the corruption is seeded: same slider, same image
    assert np.array_equal(again.noisy, noisy.noisy)


def test_latent_map_and_manifold(models):
    m = explore.latent_map(models["ae"], "fashion", n=300)
    assert m.points.shape == (300, 2) and m.labels.shape == (300,) and m.xlim[0] < m.xlim[1]
    grid = explore.manifold(models["ae"], "fashion", size=4)
    assert grid.shape == (4, 4, 28, 28) and grid.dtype == np.uint8


def test_map_picture_marks_the_point_without_touching_the_cache(models):
    picture = explore.map_picture(models["ae"], "fashion")
    before = picture.image.copy()
    marked = explore.mark_point(picture, np.array([0.0, 0.0]))
    assert marked.shape == before.shape and not np.array_equal(marked, before)
    assert np.array_equal(picture.image, before)
    assert np.array_equal(explore.mark_point(picture, None), before)


def test_interpolations_start_and_end_at_the_ends(models):
    a, b = (images.preprocess_image(digit_on_paper(w=w)) for w in (60, 300))
    frames = explore.interpolate_images(models["ae"], a, b, 5)
    ends = explore.interpolate_images(models["ae"], a, a, 2)
    assert frames.shape == (5, 28, 28) and np.array_equal(ends[0], ends[1])
    seeds = explore.interpolate_seeds(models["gan"], 1, 2, 4)
    first = explore.interpolate_seeds(models["gan"], 1, 1, 2)
    assert seeds.shape == (4, 28, 28) and np.array_equal(first[0], first[1])


def test_same_seed_same_images_whatever_the_global_rng(models):
    a = explore.interpolate_seeds(models["gan"], 3, 4, 3)
    torch.manual_seed(123)
    assert np.array_equal(a, explore.interpolate_seeds(models["gan"], 3, 4, 3))


def test_class_grid_rows_share_noise_and_columns_follow_the_class(models):
    g = explore.class_grid(models["cgan"], seed=5, rows=3)
    assert g.shape == (3, 10, 28, 28)
    z = explore.seed_noise(16, 5)
    assert torch.equal(z, torch.randn(1, 16, generator=torch.Generator().manual_seed(5))[0])


def test_class_interpolation_ends_are_the_pure_classes(models):
    frames = explore.interpolate_classes(models["cgan"], 1, 7, seed=2, steps=4)
    grid = explore.class_grid(models["cgan"], seed=2, rows=1)[0]
    assert frames.shape == (4, 28, 28)
    assert np.abs(frames[0].astype(int) - grid[1]).max() <= 1 and np.abs(frames[-1].astype(int) - grid[7]).max() <= 1


def test_soft_one_hot_labels_equal_index_labels(models):
    g, z = models["cgan"], torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
    y = torch.tensor([0, 3, 5, 9])
    with torch.inference_mode():
        assert torch.allclose(g(z, y), g(z, torch.nn.functional.one_hot(y, 10).float()), atol=1e-6)


def test_nearest_finds_a_training_image_itself():
    train, _ = load_split("mnist", "train")
    idx, dist = explore.nearest("mnist", train[17].numpy(), k=3)
    assert idx[0] == 17 and dist[0] == pytest.approx(0, abs=1e-3) and (np.diff(dist) >= 0).all()
    found, labels = explore.training_images("mnist", idx)
    assert found.shape == (3, 28, 28) and labels.shape == (3,)
    assert 0 < explore.typical_real_distance("mnist") < 1
