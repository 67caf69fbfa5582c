"""A view's pictures as PNG: twice the size, crisp, with a caption that makes them again (no server)."""
from __future__ import annotations

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from gan_demo.images import captioned
from ui.downloads import caption_lines, shared_note_dropped, sheet


def test_a_download_is_twice_the_picture_with_its_caption_below():
    picture = np.random.default_rng(0).integers(0, 256, (112, 560), dtype=np.uint8)
    out = captioned(picture, ["first line", "second line"], scale=2)
    assert out.shape[1] == 1120 and out.shape[0] > 224 and out.shape[2] == 3
    assert np.array_equal(out[:224:2, :1120:2, 0], picture)  # each pixel a crisp 2x2 block
    assert (out[226:, :, :] < 128).any()  # text in the strip below


def test_a_long_caption_wraps_inside_a_narrow_picture():
    out = captioned(np.zeros((28, 28), np.uint8), ["word " * 100], scale=2)
    assert out.shape[1] == 480 and out.shape[0] > 56 + 5 * 20


def test_the_caption_names_the_tab_the_models_the_picture_s_settings_and_the_link():
    lines = caption_lines("gan", "gan-strip", "Interpolation", "mnist", {"Seed A": 3, "Seed B": 9, "Frames": 8,
                          "Noise scale (truncation)": 1.0}, "?tab=gan&dataset=mnist&seed=7&n=4")
    assert lines == ["gan_demo, GAN tab: Interpolation",
                     "MNIST digits, model gan-mnist; Seed A 3, Seed B 9, Frames 8, Noise scale (truncation) 1",
                     "Reopen this view: ?tab=gan&dataset=mnist&seed=7&n=4"]
    assert "models autoencoder-fashion, vae-fashion, latent-ae-fashion, latent-vae-fashion;" in caption_lines(
        "ae", "latent-grid", "Codes", "fashion", {}, "?tab=ae")[1]
    assert "model text-mnist;" in caption_lines("next", "dalle-decoders-image", "Decoders", "mnist", {}, "?")[1]
    assert caption_lines("train", "live-d", "D", "fashion", {"Dataset": "ring", "lr_d": 0.0002, "Guidance scales w":
                         [0.0, 3]}, "?")[1] == "a model trained in the page; Dataset ring, lr_d 0.0002, Guidance scales w 0, 3"


def test_a_gallery_becomes_one_sheet_with_its_captions(tmp_path):
    paths = []
    for i in range(10):
        paths.append(str(tmp_path / f"{i}.png"))
        Image.fromarray(np.full((112, 112), 25 * i, np.uint8)).save(paths[-1])
    out = sheet([(p, f"#{i}") for i, p in enumerate(paths)], gr.Gallery(render=False))
    assert out.ndim == 3 and out.shape[1] >= 8 * 112 and out.shape[0] >= 2 * 112
    assert sheet(None, gr.Gallery(render=False)) is None


def test_a_gallery_sheet_names_its_model_once_not_under_every_picture():
    captions = [f"#{i} Sneaker 64% (gan-fashion, seed 3)" for i in range(8)]
    assert shared_note_dropped(captions) == [f"#{i} Sneaker 64%" for i in range(8)]
    for kept in (["#0 (a)", "#1 (b)"], ["#0 7 (seed 3)"], ["#0 (seed 3)", "#1 plain"]):  # notes that differ, one picture
        assert shared_note_dropped(kept) == kept
    wide = sheet([(np.zeros((112, 112), np.uint8), c) for c in captions], gr.Gallery(render=False))
    assert wide.shape[1] < 8 * 200  # the pictures set the width, not eight copies of the note


def test_a_live_plot_is_drawn_again_from_its_table_in_its_colours_and_line_styles():
    """A native plot (Vega, in the page) comes back to the server as its table: the download draws it again at
    twice the page's 600 x 300 pixels, each series in the page's colour; the dashed ones with gaps."""
    from gan_demo import live  # noqa: PLC0415
    from ui.plot_lines import COLORS  # noqa: PLC0415

    cols = live.history_columns([dict(step=s, value=-1.0, loss_d=1.4 - s / 200, loss_g=0.7 + s / 300, d_real=0.6,
                                      d_fake=0.4, grad_g=1.0, jsd=0.5, theory=None) for s in range(1, 101)])
    table = live.d_table(cols)
    plot = gr.LinePlot(x="step", y="value", color="series", title="What the discriminator says",
                       y_title="probability", render=False)
    value = {"columns": list(table.columns), "data": table.astype(object).where(table.notna(), None).values.tolist()}
    out = sheet(value, plot)
    assert out.shape == (600, 1200, 3)
    for name in live.D_SERIES:
        rgb = np.array([int(COLORS[name][i:i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(out.astype(int) - rgb).sum(-1) < 30).sum() > 200, name  # the series is drawn, in its colour
    assert sheet({"columns": ["step", "value", "series"], "data": [[0, None, "D(x), real"]]}, plot) is None


def test_every_picture_and_plot_of_the_page_downloads_with_its_tab(app_page):
    """*Pictures as PNG*: every image, gallery and plot of a tab is among its downloads (a new picture cannot be
    left out unnoticed), except the pickers and the GIFs."""
    from ui.downloads import PICTURES  # noqa: PLC0415

    kinds = (gr.Image, gr.Gallery, gr.LinePlot)
    shown = {b.elem_id for b in app_page.blocks.values() if isinstance(b, kinds) and b.elem_id}
    # pickers (examples, uploads, the drawn data's preview) and retrieval's thumbnails are inputs, not results; a GIF
    # downloads as itself, and its frames are the strip beside it
    inputs = {"ae-gallery", "ae-input", "ae-draw", "dalle-found", "dalle-examples", "dalle-image", "draw-preview"}
    listed = {elem_id for ids in PICTURES.values() for elem_id in ids}
    missing = {e for e in shown - listed - inputs if not e.endswith("-gif")}
    assert not missing, " ".join(sorted(missing))


def test_each_picture_is_captioned_with_the_controls_that_made_it(app_page):
    """A picture's settings are the controls its events take in, not the tab's link settings: an interpolation
    names its seeds A and B (not the gallery's seed), the VAE part its own seed, the field its time t."""
    from ui.downloads import made_by  # noqa: PLC0415

    blocks = {b.elem_id: b for b in app_page.blocks.values() if getattr(b, "elem_id", None)}
    dataset = next(b for b in app_page.blocks.values() if isinstance(b, gr.Radio) and b.label == "Dataset")

    def labels(elem_id):
        return [c.label for c in made_by(app_page, blocks[elem_id], exclude=(dataset,))]

    assert labels("gan-strip") == ["Seed A", "Seed B", "Frames", "Noise scale (truncation)"]
    assert labels("gan-gallery") == ["Seed", "Number of samples", "Noise scale (truncation)"]
    assert labels("vae-random") == ["Seed of the codes", "Codes"]
    assert labels("latent-grid") == ["Seed of the noise", "Codes", "Class of the flow", "Steps", "Guidance w"]
    assert labels("cgan-strip") == ["Class A", "Class B", "Seed", "Frames"]
    assert labels("judge-gallery")[0] == "Round seed"
    assert "t" in labels("diffusion-field") and "t" not in labels("diffusion-paths")
    assert "Prompts, one per line" not in labels("dalle-varied")  # a new image only clears the variations
    assert labels("dalle-diagram") == []  # captioned with the tab's link settings instead


@pytest.fixture(scope="module")
def app_page():
    import app  # noqa: PLC0415 - importing builds the page (after conftest has set Gradio's temp dir)

    return app.demo
