"""Data drawn on a canvas: a few strokes or clicks become a 2-D mixture with an exact density, one mode per
piece of ink, that the live GAN and diffusion runs accept as their dataset and measure like the built-in toys."""
from __future__ import annotations

import math

import gradio as gr
import numpy as np
import pytest
import torch
from gradio_client import handle_file
from PIL import Image

from gan_demo import live
from gan_demo.data import drawn, toy
from gan_demo.live import diffusion as dl
from ui.tabs.live.drawing import use_drawing

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def canvas(size: int = 200) -> np.ndarray:
    """Two dots and a stroke, black on white, as a greyscale canvas sends them."""
    picture = np.full((size, size), 255, np.uint8)
    picture[30:42, 30:42] = 0  # a dot at the top left
    picture[150:162, 40:52] = 0  # a dot at the bottom left
    picture[90:96, 100:180] = 0  # a horizontal stroke on the right
    return picture


def test_a_drawing_becomes_a_mixture_with_one_mode_per_piece_of_ink():
    dist = drawn.from_mask(drawn.ink_mask(canvas()))
    assert dist.mode_coverage(dist.sample(4000, torch.Generator().manual_seed(0))) == (3, 3)
    assert dist.centers.abs().max() <= drawn.EXTENT and len(dist.centers) <= drawn.MAX_CENTRES
    top_left = dist.centers[dist.groups == dist.groups[dist.centers[:, 1].argmax()]]
    assert (top_left[:, 1] > 0).all()  # y up: the canvas's top row is the top of the map
    grid, cell = toy.eval_grid(3.0, 120)
    assert dist.density(grid).sum() * cell == pytest.approx(1.0, abs=0.02)  # an exact density on the maps' grid


def test_points_on_one_piece_only_cover_one_mode():
    dist = drawn.from_mask(drawn.ink_mask(canvas()))
    stroke = dist.centers[dist.groups == dist.groups[dist.centers[:, 0].argmax()]]
    assert dist.mode_coverage(stroke.repeat(10, 1)) == (1, 3)


def test_rgba_and_rgb_canvases_read_the_same_ink():
    grey = canvas()
    rgb = np.dstack([grey] * 3)
    rgba = np.dstack([np.zeros_like(grey)] * 3 + [255 - grey])  # strokes opaque, the rest transparent
    for picture in (rgb, rgba):
        assert np.array_equal(drawn.ink_mask(picture), drawn.ink_mask(grey))


@pytest.mark.parametrize("picture, words", [
    (np.full((100, 100), 255, np.uint8), "the canvas is empty"),
    (np.where((np.indices((100, 100)) % 10 == 0).all(0), 0, 255).astype(np.uint8), "at most 50 are allowed"),
])
def test_an_empty_or_scattered_canvas_is_refused_with_what_to_do(picture, words):
    with pytest.raises(drawn.DrawingError, match=words):
        drawn.register(picture)


def test_a_registered_drawing_is_a_dataset_of_both_runs():
    name = drawn.register(canvas())
    assert name.startswith("drawn-") and drawn.register(canvas()) == name  # the same drawing, the same name
    assert toy.toy_distribution(name).name == name
    assert live.make_settings("balanced", dataset=name).dataset == name
    assert dl.DiffusionSettings(dataset=name).dataset == name
    with pytest.raises(ValueError, match="dataset='drawn-0000000000' is not allowed.*registered drawing"):
        dl.DiffusionSettings(dataset="drawn-0000000000")
    with pytest.raises(ValueError, match="dataset='drawn-0000000000' is not allowed.*ring, grid, spiral, moons"):
        live.make_settings("balanced", dataset="drawn-0000000000")


def test_short_gan_and_flow_runs_on_a_drawing_are_measured_like_the_toys():
    name = drawn.register(canvas())
    gan = list(live.stream(live.make_settings("balanced", dataset=name, steps=10, hidden=32, batch_size=64),
                           device="cpu", frame_seconds=0.0))
    flow = list(dl.stream(dl.DiffusionSettings(dataset=name, steps=10, sampling_steps=4), frame_seconds=0.0))
    for last in (gan[-1], flow[-1]):
        assert 0 <= last.jsd <= math.log(2) + 1e-6 and last.modes[1] == 3 and last.jsd_floor < 0.05
    assert gan[-1].heatmap.ndim == 3 and flow[-1].field.ndim == 3


@pytest.mark.slow
def test_flow_matching_learns_a_drawing():
    name = drawn.register(canvas())
    frames = list(dl.stream(dl.DiffusionSettings(dataset=name, steps=1500), frame_seconds=0.05))
    ending = [f for f in frames if f.jsd is not None and f.step > 0.8 * frames[-1].step]
    assert all(f.modes == (3, 3) for f in ending) and np.median([f.jsd for f in ending]) < 0.1


# -- the tab's canvas ---------------------------------------------------------------------------------------------
def test_use_drawing_selects_it_in_both_runs_and_previews_its_density():
    note, picture, gan, flow = use_drawing({"composite": canvas(), "background": None, "layers": []})
    name = drawn.register(canvas())
    assert f"`{name}`" in note and "3 modes" in note and picture.ndim == 3
    assert gan["value"] == flow["value"] == name and ("Your drawing", name) in flow["choices"]
    _, _, gan, flow = use_drawing({"composite": canvas()}, mode="images")
    assert "value" not in gan and flow["value"] == name  # an image-mode GAN keeps its dataset


def test_use_drawing_refuses_an_empty_canvas_with_what_to_do():
    for empty in (None, {"composite": None}, {"composite": np.full((50, 50), 255, np.uint8)}):
        with pytest.raises(gr.Error, match="canvas is empty"):
            use_drawing(empty)


@pytest.mark.e2e
def test_draw_then_train_both_runs_through_the_api(client, tmp_path):
    path = tmp_path / "drawing.png"
    Image.fromarray(canvas()).save(path)
    drawing = {"background": None, "layers": [], "composite": handle_file(str(path))}
    note, preview, gan_menu, flow_menu = client.predict(drawing, "2d", api_name="/draw_dataset")
    name = drawn.register(canvas())
    assert f"`{name}`" in note and gan_menu["value"] == flow_menu["value"] == name
    status, *_ = client.predict(dataset=name, steps=20, sampling_steps=4, seed=0, api_name="/train_diffusion")
    assert "Finished 20 steps" in status and "/ 3" in status
    status, *_ = client.predict(dataset=name, steps=10, hidden=32, batch_size=64, api_name="/train")
    assert "Finished 10 steps" in status and "/ 3" in status
