"""The handlers of the autoencoder, GAN and conditional GAN tabs, called directly (no server)."""
from __future__ import annotations

import copy
import inspect
import os
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from PIL import Image

from gan_demo import explore
from gan_demo.data import to_uint8
from gan_demo.families.text.generate import stream
from gan_demo.images import labelled_grid, upscale
from ui.common import SCRATCH_MAX_AGE, display, get_model, scratch_dir
from ui.components import (
    example_caption,
    example_gallery,
    example_paths,
    gif_file,
    initial,
    load_upload,
    pick_example,
    random_seed,
    use_drawing,
)
from ui.tabs import autoencoder as ae
from ui.tabs import cgan, diffusion, gan
from ui.tabs.diffusion import handlers
from ui.tabs.diffusion.outputs import Outputs
from ui.widgets.scrubber import unpack_frames

FASHION = [str(p) for p in example_paths("fashion")]


def select(index: int) -> gr.SelectData:
    return gr.SelectData(None, {"index": index, "value": None})


def test_examples_cover_every_class_twice():
    for dataset in ("fashion", "mnist"):
        paths = example_paths(dataset)
        assert len(paths) == 20
        assert all(Image.open(p).size == (28, 28) and Image.open(p).mode == "L" for p in paths)
    assert example_caption(FASHION[19], "fashion") == "Ankle boot #2"
    assert [c for _, c in example_gallery("mnist")][:2] == ["0 #1", "0 #2"]


def test_reconstruct_shows_four_panels_with_noise_and_three_without():
    with_noise, text = ae.reconstruct(FASHION[4], 0.3, "fashion")
    without, _ = ae.reconstruct(FASHION[4], 0.0, "fashion")
    assert with_noise.shape[1] > without.shape[1] > 3 * 28 * 4 and with_noise.dtype == np.uint8
    assert "PSNR" in text and "noisy input" in text


@pytest.mark.parametrize("args, message", [
    ((None, 0.0, "fashion"), "pick an example"),
    ((FASHION[0], -0.1, "fashion"), "Noise"),
    ((FASHION[0], float("nan"), "fashion"), "Noise"),
    ((FASHION[0], 0.0, "svhn"), "Unknown dataset 'svhn'"),
])
def test_reconstruct_refuses_bad_input(args, message):
    with pytest.raises(gr.Error, match=message):
        ae.reconstruct(*args)


def test_reconstruct_refuses_a_text_file(tmp_path):
    path = tmp_path / "x.png"
    path.write_text("not really a png")
    with pytest.raises(gr.Error, match="not an image"):
        ae.reconstruct(str(path), 0.0, "fashion")


def test_latent_map_marks_the_input():
    plain, manifold = ae.latent_map(None, 0.0, "mnist")
    marked, _ = ae.latent_map(str(example_paths("mnist")[0]), 0.0, "mnist")
    assert plain.shape == marked.shape and not np.array_equal(plain, marked)
    assert manifold.shape == (12 * 28 * 2, 12 * 28 * 2)


def test_interpolate_ae_gives_a_strip_and_a_gif():
    strip, gif, walk = ae.interpolate_ae(FASHION[0], FASHION[15], 5, "fashion")
    assert strip.shape[1] > 7 * 28 * 3 and Path(gif).suffix == ".gif" and Image.open(gif).n_frames == 8
    a, b = (load_upload(p, "fashion") for p in (FASHION[0], FASHION[15]))
    expected = explore.interpolate_images(get_model("autoencoder-fashion"), a, b, 5)
    np.testing.assert_array_equal(np.stack(unpack_frames(walk)), expected)  # the scrubber shows the package's frames
    with pytest.raises(gr.Error, match="Frames"):
        ae.interpolate_ae(FASHION[0], FASHION[15], 2.5, "fashion")
    with pytest.raises(gr.Error, match="image B"):
        ae.interpolate_ae(FASHION[0], None, 5, "fashion")


def test_drawing_is_centred_and_an_empty_one_is_refused():
    canvas = np.full((280, 280), 255, np.uint8)  # the sketchpad's composite: black strokes on white
    with pytest.raises(gr.Error, match="Nothing drawn yet.*brush"):
        use_drawing({"background": None, "layers": [], "composite": None}, "mnist")
    with pytest.raises(gr.Error, match="empty"):
        use_drawing({"composite": canvas}, "mnist")
    canvas[40:240, 60:80] = 0  # a '1' near the left edge
    shown = use_drawing({"composite": canvas}, "mnist")  # 4x upscaled for display
    x = shown[::4, ::4]
    cols = np.flatnonzero(x.max(0) > 25)
    assert shown.shape == (112, 112) and np.array_equal(upscale(x, 4), shown)
    assert x[0].max() == 0 and abs((cols[0] + cols[-1]) / 2 - 13.5) <= 1.5


def test_gallery_click_and_dataset_switch():
    first = np.asarray(Image.open(example_paths("mnist")[3]))
    assert np.array_equal(pick_example("mnist", select(3)), upscale(first, 4))
    gallery, image, _, _, a, b = ae.on_dataset("mnist")
    assert len(gallery) == 20 and image.shape == (112, 112) and not np.array_equal(a, b)
    wanted, class_a, class_b = cgan.on_dataset("mnist")
    assert wanted.choices[0][0] == "0" and wanted.value == "7"
    # the guidance slider follows each dataset's pipeline: its tuned default (config.json), not one number for both
    slider = {}
    for dataset in ("mnist", "fashion"):
        shown = diffusion.on_dataset(dataset)
        slider[dataset] = shown["guidance"]
        assert slider[dataset] == get_model(f"text-{dataset}").guidance and "Generate" in shown["status"]
    assert slider["mnist"] != slider["fashion"]


def test_the_explanation_names_the_settings_the_configs_hold(tmp_path, monkeypatch):
    for dataset in ("fashion", "mnist"):
        w, w_prior = get_model(f"text-{dataset}").guidance, get_model(f"text-{dataset}").prior_guidance
        assert f"decoder {w:g}" in diffusion.tuned_scales() and f"prior {w_prior:g}" in diffusion.tuned_scales()
    # a retrained model with other scales: the text follows its config.json, no prose to edit
    assert diffusion.self_checks() == "Fashion-MNIST: never redrawn; MNIST digits: redrawn below $\\rho = 0.95$"
    configs = {"fashion": '{"guidance": 3, "prior_guidance": 4, "redraw_below": 0.8}',
               "mnist": '{"guidance": 1, "prior_guidance": 2.5, "prior_guidance_interval": [200, 700]}'}
    for dataset, config in configs.items():
        (tmp_path / f"text-{dataset}").mkdir()
        (tmp_path / f"text-{dataset}" / "config.json").write_text(config)
    monkeypatch.setenv("GAN_DEMO_WEIGHTS_DIR", str(tmp_path))
    assert diffusion.tuned_scales() == ("decoder 3 and prior 4 for Fashion-MNIST, decoder 1 (no guidance: one network "
                                        "evaluation a step) and prior 2.5 on the steps with $t$ from 200 to 700 for "
                                        "MNIST digits")
    assert diffusion.self_checks() == "Fashion-MNIST: redrawn below $\\rho = 0.8$; MNIST digits: never redrawn"


def test_the_tab_streams_the_packages_denoising_and_shows_its_images(monkeypatch):
    """The text-to-image handler consumes the package's stream: frames of the denoising (live and status only) as
    it goes, then every output, the gallery being the Result's images and the last frame its first decodes; the
    status counts the strays and an image whose redraw was kept says so (at a cosine of 1 every image strays). The
    sweep's row is the same images at that scale. (Called directly: gr.Progress is a no-op outside a request.)"""
    model = copy.deepcopy(get_model("text-mnist"))
    model.redraw_below = 1.0
    monkeypatch.setattr(handlers, "pipeline", lambda _: model)
    n, seed, steps, w = 2, 11, 3, 2.0
    *steps_made, made = stream(model, ["a small 7"] * n, seed, steps, w)
    last = steps_made[-1]
    *frames, shown = diffusion.text_to_image("a small 7", n, seed, steps, w, "mnist")
    # the first and last steps; each empties the scrubber until the run has all its frames
    assert len(frames) == 2 and all(set(f) == {"live", "status", "frames"} and f["frames"] is None for f in frames)
    assert set(shown) == {"gallery", "live", "story", "gif", "status", "frames"}
    scrubbed = unpack_frames(shown["frames"])  # every step: x_t of each image above its predicted x_0
    assert len(scrubbed) == steps
    for frame, step in zip(scrubbed, steps_made, strict=True):
        assert np.array_equal(frame[:28], np.hstack(list(to_uint8(step.x_t).numpy())))
        assert np.array_equal(frame[-28:], np.hstack(list(to_uint8(step.x0).numpy())))
    expected = to_uint8(made.images).numpy()
    assert all(np.array_equal(image, display(want)) for (image, _), want in zip(shown["gallery"], expected, strict=True))
    assert np.array_equal(shown["live"], labelled_grid([list(to_uint8(made.first).numpy()), list(to_uint8(last.x0).numpy())],
                                                       scale=3, row_labels=[f"x_t, t={last.t}", "predicted x_0"]))
    assert f"; {n} strayed" in shown["status"] and "decoded again" in shown["status"]
    assert [caption.endswith(" · redrawn") for _, caption in shown["gallery"]] == made.redrawn.tolist()
    sweep = diffusion.guidance_sweep("a small 7", n, seed, steps, [f"{w:g}"], "mnist")
    assert np.array_equal(sweep["image"], labelled_grid([list(expected)], row_labels=[f"w = {w:g}"], scale=3))
    assert np.array_equal(unpack_frames(sweep["frames"])[0], np.hstack(list(expected)))


def test_outputs_are_filled_by_component_and_keep_the_handlers_signature():
    with gr.Blocks():
        a, b = gr.Markdown(), gr.Markdown()
    out = Outputs(first=a, second=b)
    assert out.components() == [a, b] and out.fill(dict(second=1)) == {b: 1}
    with pytest.raises(KeyError, match="third: not among this event's outputs"):
        out.fill(dict(third=1))

    def streamed(x: int, progress=gr.Progress()):
        yield dict(first=x)
        yield dict(first=x, second=x + 1)

    filled = out.filling(streamed)
    assert inspect.isgeneratorfunction(filled) and inspect.signature(filled) == inspect.signature(streamed)
    assert list(filled(1)) == [{a: 1}, {a: 1, b: 2}]
    assert out.filling(lambda x: dict(second=x))(3) == {b: 3}


def test_sample_captions_every_image_with_a_verdict_and_is_seeded():
    gallery, summary = gan.sample(5, 6, 1.0, "fashion")
    again, _ = gan.sample(5, 6, 1.0, "fashion")
    other, _ = gan.sample(6, 6, 1.0, "fashion")
    assert len(gallery) == 6 and all(img.shape == (112, 112) and "%" in cap for img, cap in gallery)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(gallery, again))
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(gallery, other))
    assert summary.startswith("**The classifier sees:**")


@pytest.mark.parametrize("args, message", [
    ((1, 0, 1.0, "fashion"), "Number of samples must be between 1 and 64, got 0"),
    ((1, 10_000, 1.0, "fashion"), "between 1 and 64"),
    ((1, 4.5, 1.0, "fashion"), "whole number"),
    ((-1, 4, 1.0, "fashion"), "Seed"),
    ((1, 4, 0.0, "fashion"), "Noise scale"),
])
def test_sample_refuses_bad_values(args, message):
    with pytest.raises(gr.Error, match=message):
        gan.sample(*args)


def test_nearest_starts_with_the_sample_itself():
    gallery, text = gan.nearest(5, 6, 2, 1.0, "mnist")
    samples, _ = gan.sample(5, 6, 1.0, "mnist")
    # the same image as in the batch, up to the last bit of a different conv algorithm for batch size 1
    assert np.abs(gallery[0][0].astype(int) - samples[2][0]).max() <= 1 and len(gallery) == 1 + gan.NEAREST_K
    distances = [float(cap.split(" ")[0]) for _, cap in gallery[1:]]
    assert distances == sorted(distances) and "Real test images" in text
    with pytest.raises(gr.Error, match="Sample index must be between 0 and 5"):
        gan.nearest(5, 6, 6, 1.0, "mnist")


def test_interpolate_gan():
    strip, gif, walk = gan.interpolate_gan(3, 4, 4, 0.7, "fashion")
    assert strip.ndim == 3 and Image.open(gif).n_frames == 6
    expected = explore.interpolate_seeds(get_model("gan-fashion"), 3, 4, 4, 0.7)
    np.testing.assert_array_equal(np.stack(unpack_frames(walk)), expected)
    with pytest.raises(gr.Error, match="Seed B"):
        gan.interpolate_gan(3, 2**40, 4, 0.7, "fashion")


def test_dice_gives_valid_seeds():
    seeds = {random_seed() for _ in range(20)}
    assert len(seeds) > 1 and all(0 <= s < 2**31 for s in seeds)


def test_sample_conditional_reports_agreement():
    gallery, text = cgan.sample_conditional("Trouser", 5, 0, "fashion")
    assert len(gallery) == 5 and "of 5" in text and "Trouser" in text
    with pytest.raises(gr.Error, match="Unknown class 'Trouser' for MNIST digits"):
        cgan.sample_conditional("Trouser", 5, 0, "mnist")
    with pytest.raises(gr.Error, match="Number of samples"):
        cgan.sample_conditional("Trouser", -1, 0, "fashion")


def test_class_grid_and_class_walk():
    grid = cgan.class_grid(1, 2, "mnist")
    assert grid.shape[0] > 2 * 28 * 2 and grid.shape[1] > 10 * 28 * 2
    with pytest.raises(gr.Error, match="Rows"):
        cgan.class_grid(1, 9, "mnist")
    strip, gif, walk = cgan.interpolate_classes("1", "7", 0, 5, "mnist")
    assert strip.ndim == 3 and Image.open(gif).n_frames == 8
    expected = explore.interpolate_classes(get_model("cgan-mnist"), 1, 7, 0, 5)
    np.testing.assert_array_equal(np.stack(unpack_frames(walk)), expected)
    with pytest.raises(gr.Error, match="Unknown class 'Sneaker'"):
        cgan.interpolate_classes("1", "Sneaker", 0, 5, "mnist")


def test_files_handed_to_gradio_are_pruned_after_an_hour(tmp_path, monkeypatch):
    """GIFs and live-training exports go to $TMPDIR/gan_demo_*, where entries older than an hour are removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old = Path(gif_file(np.zeros((2, 28, 28), np.uint8)))
    (folder := scratch_dir("live") / "run1").mkdir()
    stale = time.time() - SCRATCH_MAX_AGE - 10
    for path in (old, folder):
        os.utime(path, (stale, stale))
    fresh = Path(gif_file(np.full((2, 28, 28), 255, np.uint8)))
    assert fresh.is_file() and not old.exists()
    assert scratch_dir("live").is_dir() and not folder.exists()


def test_opening_examples_are_the_handlers_results_or_nothing_on_zerogpu(monkeypatch):
    """``initial`` runs the handler once (a stream gives its last output); a failure or ZeroGPU leaves it empty."""
    assert initial(gan.sample, 3, 4, 1.0, "mnist")[1] == gan.sample(3, 4, 1.0, "mnist")[1]

    def stream(n):
        yield from range(n)
    assert initial(stream, 5) == 4
    assert initial(gan.sample, 3, 4, 1.0, "no-such-dataset") is None  # a failing handler: start empty, keep serving
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    assert initial(gan.sample, 3, 4, 1.0, "mnist") is None


def test_a_new_image_in_the_clip_part_is_scored_at_once_and_clears_the_old_variations():
    path = next(p for p in FASHION if "sandal" in p)
    prompts = "a photo of a sandal\na photo of a trousers"
    shown = diffusion.rescore(path, prompts, "fashion")
    scores = shown["scores"]
    assert shown["varied"] is None and scores == diffusion.clip_scores(path, prompts, "fashion")
    assert max(scores, key=scores.get) == "a photo of a sandal"
    # no image: nothing to score
    assert diffusion.rescore(None, prompts, "fashion") == dict(scores=None, varied=None, varied_frames=None)
    with pytest.raises(gr.Error, match="unicorn"):
        diffusion.rescore(path, "a photo of a unicorn", "fashion")


def test_any_test_image_by_class_and_index_is_the_keyboard_s_way_past_the_canvas():
    from ui.components import pick_test_image  # noqa: PLC0415

    first, other = pick_test_image("fashion", "Sneaker", 0), pick_test_image("fashion", "Sneaker", 1)
    assert first.shape == (112, 112) and first.dtype == np.uint8 and not np.array_equal(first, other)
    for bad in (("fashion", "Giraffe", 0), ("fashion", "Sneaker", 1000), ("mnist", "3", 2.5)):
        with pytest.raises(gr.Error):
            pick_test_image(*bad)


@pytest.mark.parametrize("dataset", ["fashion", "mnist"])
def test_the_scoreboard_shows_every_generator_s_measured_precision_and_recall(dataset):
    """What came next's scoreboard: each generator's precision, recall and Frechet distance as make evaluate wrote
    them, real images as the ceiling, and the sentence naming the best of each from those figures."""
    import json  # noqa: PLC0415

    from gan_demo.hub import weights_dir  # noqa: PLC0415
    from ui.tabs.diffusion.texts import GENERATORS  # noqa: PLC0415

    r = next(x for x in json.loads((weights_dir() / "evaluation.json").read_text()) if x["dataset"] == dataset)
    text = diffusion.comparison_table(dataset)
    assert f"| real training images (the ceiling) | {r['real_precision']:.2f} | {r['real_recall']:.2f} |" in text
    for name, key, _ in GENERATORS:
        assert f"| {name} | {r[f'{key}_precision']:.2f} | {r[f'{key}_recall']:.2f} | {r[f'{key}_fd']:.1f} |" in text
    best = max(GENERATORS, key=lambda g: r[f"{g[1]}_precision"])[0]
    assert f"the most realistic samples come from the **{best}**" in text
    assert f"| {r['text_precision']:.2f} | {r['text_cgan_precision']:.2f} |" in text  # the diffusion-vs-cGAN table


@pytest.mark.parametrize("dataset", ["fashion", "mnist"])
def test_the_scoreboard_shows_guidance_trading_variety_for_adherence(dataset):
    """The decoder's guidance scales' precision and recall, as make evaluate measured them, and the sentence from them."""
    import json  # noqa: PLC0415

    from gan_demo.hub import weights_dir  # noqa: PLC0415

    r = next(x for x in json.loads((weights_dir() / "evaluation.json").read_text()) if x["dataset"] == dataset)
    text = diffusion.comparison_table(dataset)
    for g in r["text_guidance"]:
        assert (f"| text-to-image, decoder guidance w = {g['guidance']:g} | {g['precision']:.2f} | {g['recall']:.2f} | "
                f"{g['fd']:.1f} |") in text
    low, high = r["text_guidance"][0], r["text_guidance"][-1]
    assert f"recall {low['recall']:.2f} → {high['recall']:.2f}" in text


def test_speed_against_quality_shows_every_point_of_the_sweep():
    """What came next's chart and table of make evaluate's decoder sweep: every point, the cGAN beside them, and a
    verdict computed from the figures."""
    from ui.diagrams import speed_quality_chart  # noqa: PLC0415
    from ui.tabs.diffusion.texts import evaluation_results, speed_table, sweep_series  # noqa: PLC0415

    results = evaluation_results()
    table = speed_table(results)
    for r in results:
        assert set(sweep_series(r)) == {*r["text_sweep"], *r.get("text_flow_sweep", {})}
        for points in sweep_series(r).values():  # the side-by-side timings where the run has them
            for p in points:
                assert f"{p['fd']:.1f} / {p['agreement']:.0%} / {p['ms_per_image']:.1f}" in table
    assert "flow matching, Heun" in table and "within 10% of its best Frechet distance" in table
    chart = speed_quality_chart(results)
    assert chart.ndim == 3 and chart.shape[1] > chart.shape[0]  # a column per dataset
    assert speed_quality_chart([]) is None and "run `make evaluate`" in speed_table([])
