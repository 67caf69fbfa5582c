"""The /train endpoint of the Live training tab: through gradio_client, and its handler called directly."""
from __future__ import annotations

import inspect
import json
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pandas as pd
import pytest
from gradio_client.utils import Status
from PIL import Image
from safetensors.torch import load_model

from gan_demo import live
from gan_demo.families.toy_gan import MLPGenerator
from gan_demo.live import SERIES
from ui.tabs import live as train_tab
from ui.tabs.live import handlers

pytestmark = pytest.mark.usefixtures("one_torch_thread")


SHORT = dict(mode="2d", dataset="ring", preset="balanced", steps=60, seed=1, hidden=32, batch_size=64)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


# -- the handlers, called directly (gr.Progress is a no-op outside a request) ------------------------
@pytest.fixture(scope="module")
def tab() -> train_tab.LiveTab:
    with gr.Blocks() as demo:
        return train_tab.build(demo)


def named(tab: train_tab.LiveTab, values: dict) -> dict:
    """A handler's {component: value} as {RunOutputs field name: value}; every output must be there."""
    names = {id(getattr(tab.outputs, f)): f for f in vars(tab.outputs)}
    assert len(values) == len(names) and all(id(c) in names for c in values)
    return {names[id(c)]: v for c, v in values.items()}


def test_handler_streams_frames_and_ends_with_exports(tab):
    outputs = [named(tab, o) for o in tab.train(**{**SHORT, "steps": 20})]
    last = outputs[-1]
    assert "Finished 20 steps" in last["status"] and len(last["run"].records) == 20 and last["preview"] is None
    assert set(last["loss_plot"]["series"]) >= {SERIES["value"], SERIES["theory"], SERIES["ref_value"]}
    heat, optimal = np.asarray(Image.open(last["heatmap"])), np.asarray(Image.open(last["optimal"]))  # PNG files
    assert heat.ndim == 3 and optimal.shape == heat.shape
    assert [Path(f).name for f in last["files"]] == ["model.safetensors", "config.json", "gan_demo.json", "training.gif"]
    assert all(o["csv"] is None and o["files"] is None for o in outputs[:-1])  # only the last yield writes files
    assert all(o["replay"] is None for o in outputs[:-1])  # the replay comes once the run is over
    replay = json.loads(last["replay"])
    at = [f["at"] for f in replay["frames"]]
    assert at == sorted(at) and at[-1] == 20 and [f["label"] for f in replay["frames"]] == [f"step {s:g}" for s in at]
    assert replay["chart"]["span"][0] <= at[0] and 0 < replay["chart"]["box"][0] < replay["chart"]["box"][2] < 1


def test_api_defaults_are_the_pages_2d_run(tab):
    """/train's defaults are what the page shows before anything is touched: the 2-D ring, balanced."""
    defaults = {k: v.default for k, v in inspect.signature(tab.train).parameters.items()
                if k not in ("preset", "run", "smoothing", "progress", "request")}
    assert defaults == live.mode_defaults("2d") | {"seed": 0}


def test_outputs_keep_the_api_order(tab):
    """API clients unpack /train's tuple: status, loss plot, D plot, heatmap, optimal map, preview, CSV, files,
    gradient plot, replay (each added last, so older clients that take the first ones still work)."""
    assert list(vars(tab.outputs)) == ["status", "loss_plot", "d_plot", "heatmap", "optimal", "preview", "csv",
                                       "files", "grad_plot", "replay", "run"]
    assert tab.outputs.components() == [getattr(tab.outputs, name) for name in vars(tab.outputs)]


@pytest.mark.parametrize("change, words", [
    (dict(k_disc=0), ["k_disc", "1 and 10"]),
    (dict(dataset="fashion"), ["dataset", "ring"]),
    (dict(preset="fastest"), ["preset", "balanced"]),
    (dict(lr_g=100.0), ["lr_g", "10.0"]),
    (dict(steps=2.5), ["steps", "whole number"]),
])
def test_bad_inputs_raise_teaching_errors(tab, change, words):
    with pytest.raises(gr.Error) as err:
        next(tab.train(**{**SHORT, **change}))
    assert all(w in str(err.value) for w in words), str(err.value)


def test_stop_ends_the_run_at_its_next_frame_with_exports_and_it_can_continue(tab):
    """The Stop button asks the session's run to end; it does so after the frame in flight, like a finished run."""
    request = gr.Request(session_hash="stop-test")
    outputs = tab.train(**{**SHORT, "steps": 500}, request=request)
    next(outputs)  # the first frame: it carries a snapshot, so even an early stop has weights
    train_tab.request_stop(request)
    rest = [named(tab, o) for o in outputs]
    last, run = rest[-1], rest[-1]["run"]
    assert len(rest) == 1 and last["status"].startswith("Stopped at step") and run.records[-1]["step"] < 500
    assert Path(last["csv"]).exists()
    assert [Path(f).name for f in last["files"]] == ["model.safetensors", "config.json", "gan_demo.json", "training.gif"]
    assert "stop-test" not in handlers._STOPS  # the finished run forgets its stop request
    snapshot = run.state["step"]  # the latest snapshot: the first frame's or one 2 s later
    run = named(tab, list(tab.continue_training(5, run))[-1])["run"]
    assert run.records[-1]["step"] == run.state["step"] == snapshot + 5


def test_continue_checks_its_steps_like_start(tab):
    run = named(tab, list(tab.train(**{**SHORT, "steps": 3}))[-1])["run"]
    for steps, words in ((2.5, ["steps=2.5", "whole number between 1 and 5000"]), (0, ["steps=0", "between 1"])):
        with pytest.raises(gr.Error) as err:
            next(tab.continue_training(steps, run))
        assert all(w in str(err.value) for w in words), str(err.value)
    assert named(tab, list(tab.continue_training(4.0, run))[-1])["run"].records[-1]["step"] == 7  # a slider's 4.0


def test_stop_without_a_running_run_does_nothing():
    train_tab.request_stop(gr.Request(session_hash="nobody"))
    assert "nobody" not in handlers._STOPS


def test_continue_without_a_run_is_a_clear_error(tab):
    with pytest.raises(gr.Error, match="press Start"):
        next(tab.continue_training(10, None))


def test_the_tab_opens_on_step_0_and_its_status_follows_the_mode_until_a_run(tab):
    status, out = tab.outputs.status.value, tab.outputs
    assert "The default run at step 0, before any training" in status and "JSD ≈ 0.693" in status
    assert out.heatmap.value is not None and out.optimal.value is not None and out.preview.value is None
    assert tab.on_mode("images")[out.status] == handlers.IMAGES_READY
    assert tab.on_mode("2d")[out.status] == status
    assert tab.on_mode("images", handlers.SessionRun())[out.status] == gr.update()  # a run's own status stays


def test_mode_and_preset_changes_fill_their_controls_by_name(tab):
    c = tab.controls
    update = tab.on_mode("images")
    assert update[c["dataset"]]["value"] == "mnist" and update[c["batch_size"]]["maximum"] == 256
    assert update[c["model"]]["value"] == "mlp" and update[c["hidden"]]["value"] == 128 and update[c["model"]]["visible"]
    assert update[c["lr_d"]] == 1e-3 and update[tab.image_row]["visible"] and not update[tab.toy_row]["visible"]
    dcgan = tab.on_model("images", "dcgan")
    assert dcgan[c["hidden"]] == dict(value=16, maximum=64, __type__="update") and dcgan[c["steps"]]["value"] == 300
    update = tab.on_preset("diverging-lr", "2d")
    assert {k: update[c[k]] for k in ("optimizer", "lr_d", "lr_g")} == dict(optimizer="sgd", lr_d=1.0, lr_g=1.0)
    assert c["batch_size"] not in update and "Learning rate too large" in update[tab.about]
    update = tab.on_preset("disjoint-supports", "2d")
    assert (update[c["g_init"]], update[c["g_loss"]], update[c["optimizer"]]) == ("far", "minimax", "sgd")


# -- through a launched server ----------------------------------------------------------------------
@pytest.mark.e2e
def test_train_api_streams_and_returns_the_csv(client):
    job = client.submit(**SHORT, api_name="/train")
    status, losses, d_plot, heat, optimal, preview, csv, files, gradient, replay = job.result(timeout=180)
    assert len(job.outputs()) >= 2, "the run should stream several frames"
    assert "Finished 60 steps" in status
    replayed = json.loads(replay)  # the recorded frames, each at its step, with the curves for the cursor
    assert replayed["frames"] and replayed["frames"][-1]["at"] <= 60 and replayed["chart"]["span"][1] >= 59
    df = pd.read_csv(csv)
    assert list(df.columns[:10]) == ["step", "value", "loss_d", "loss_g", "d_real", "d_fake", "grad_g", "jsd", "theory",
                                     "modes"]
    assert set(gradient["columns"]) == {"step", "value", "series"}
    assert len(df) == 60 and "value_equilibrium" in df
    assert set(losses["columns"]) == {"step", "value", "series"}
    model_file = next(f for f in files if f.endswith("model.safetensors"))
    config = json.loads(Path(next(f for f in files if f.endswith("config.json"))).read_text())
    assert config == {"latent_dim": 2, "hidden": 32, "depth": 3, "out_dim": 2}
    load_model(MLPGenerator(**config), model_file, strict=True)


@pytest.mark.e2e
def test_stop_cancels_a_running_job(client):
    job = client.submit(**{**SHORT, "steps": 5000}, api_name="/train")
    wait_for(lambda: len(job.outputs()) >= 2, 120, "the first frames")
    assert job.cancel()
    wait_for(lambda: job.status().code == Status.CANCELLED, 5, "the job to be cancelled")
    seen = len(job.outputs())
    time.sleep(1.5)
    assert len(job.outputs()) == seen, "a cancelled run must stop streaming"
    last_status = job.outputs()[-1][0]
    assert "Finished" not in last_status


@pytest.mark.e2e
@pytest.mark.slow
def test_image_mode_streams_a_preview_grid(client):
    job = client.submit(mode="images", dataset="mnist", preset="balanced", steps=3, seed=0, latent_dim=16,
                        hidden=8, batch_size=16, api_name="/train")
    status, *_, preview, csv, files, _, _ = job.result(timeout=180)
    assert "Finished 3 steps" in status and preview is not None and Path(preview).exists()
    assert "jsd" not in pd.read_csv(csv).columns



@pytest.mark.e2e
@pytest.mark.slow
def test_images_mode_alone_is_the_pages_image_run(client):
    """Only mode (and a short run) given: the image run's dataset, sizes and the preset's settings for images."""
    status, *_, csv, files, _, _ = client.submit(mode="images", steps=3, api_name="/train").result(timeout=180)
    assert "Finished 3 steps" in status
    config = json.loads(Path(next(f for f in files if f.endswith("config.json"))).read_text())
    assert config == {"latent_dim": 64, "hidden": 128}  # the image mode's fully connected GAN, not the 2-D page's
    status, *_, files, _, _ = client.submit(mode="images", model="dcgan", steps=2, api_name="/train").result(timeout=180)
    config = json.loads(Path(next(f for f in files if f.endswith("config.json"))).read_text())
    assert config["latent_dim"] == 64 and config["width"] == 16  # the DCGAN's sizes


@pytest.mark.e2e
def test_a_preset_through_the_api_fills_its_settings(client):
    """/train with preset="disjoint-supports" and nothing else about it starts G in one spot with the minimax loss
    and SGD, as the page does: the generator's gradient is (almost) zero and the JSD stays log 2."""
    status, *_, csv, _, gradient, _ = client.submit(preset="disjoint-supports", steps=150, seed=0,
                                                 api_name="/train").result(timeout=180)
    df = pd.read_csv(csv)
    assert df["grad_g"].iloc[50:].max() < 0.01 and df["jsd"].dropna().iloc[-1] > 0.68
    assert gradient["data"][-1][1] < -2  # the plot: log10 of the gradient norm at the last step
