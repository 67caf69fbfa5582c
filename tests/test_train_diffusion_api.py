"""The diffusion part of the Live training tab: /train_diffusion and /race_gan_flow, through their handlers and
through gradio_client."""
from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pandas as pd
import pytest

from gan_demo.live import diffusion as dl
from gan_demo.live.diffusion.plots import SERIES
from ui.tabs.live import diffusion as tab_module

pytestmark = pytest.mark.usefixtures("one_torch_thread")

SHORT = dict(dataset="ring", objective="flow-matching", steps=30, sampling_steps=4, seed=1)


@pytest.fixture(scope="module")
def tab() -> tab_module.DiffusionTab:
    with gr.Blocks():
        return tab_module.build()


def named(outputs, values: dict) -> dict:
    names = {id(getattr(outputs, f)): f for f in vars(outputs)}
    assert all(id(c) in names for c in values)
    return {names[id(c)]: v for c, v in values.items()}


def test_handler_streams_a_run_and_ends_with_the_csv(tab):
    outputs = [named(tab.outputs, o) for o in tab.train_diffusion(**SHORT)]
    last = outputs[-1]
    assert "Finished 30 steps" in last["status"] and "4 network evaluations" in last["status"]
    assert "JSD" in last["status"] and "modes covered" in last["status"]
    assert set(last["jsd_plot"].series) == {"JSD against the true density", "JSD floor (real samples)"}
    csv = pd.read_csv(last["csv"])
    assert list(csv.columns) == ["step", "loss", "jsd", "modes"] and len(csv) == 30
    assert all(o["csv"] is None for o in outputs[:-1]) and last["field"].ndim == 3
    # the time slider redraws the finished run's field at another t
    assert tab.redraw(0.9, last["run"]).shape == last["field"].shape


def test_stop_ends_the_run_at_its_next_frame_with_the_csv(tab):
    request = SimpleNamespace(session_hash="stop-test")
    run = tab.train_diffusion(**{**SHORT, "steps": 5000}, request=request)
    next(run)  # the first frame, at step 1
    tab.request_stop(request)
    rest = [named(tab.outputs, o) for o in run]
    assert len(rest) == 1 and "Stopped at step" in rest[0]["status"] and rest[0]["csv"].endswith(".csv")
    assert "stop-test" not in tab_module._STOPS


def test_stop_ends_the_race_at_its_next_frame(tab):
    request = SimpleNamespace(session_hash="race-stop-test")
    race = tab.race(seconds=60, sampling_steps=4, request=request)
    next(race)
    tab.request_stop(request)
    rest = list(race)
    assert len(rest) == 1 and "Stopped after" in rest[0][tab.race_outputs.status]
    assert "race-stop-test" not in tab_module._STOPS


def test_handler_turns_a_bad_setting_into_a_gr_error(tab):
    with pytest.raises(gr.Error, match="objective='gan' is not allowed: choose one of flow-matching, ddpm"):
        next(tab.train_diffusion(**{**SHORT, "objective": "gan"}))
    with pytest.raises(gr.Error, match="sampler='heun' is not allowed: ddpm samples with one of ancestral"):
        next(tab.train_diffusion(**{**SHORT, "objective": "ddpm", "sampler": "heun"}))
    with pytest.raises(gr.Error, match="seconds=600 is not allowed: a number between 5 and 60"):
        next(tab.race(seconds=600))


@pytest.mark.e2e
def test_train_diffusion_through_the_api(client):
    status, loss, jsd, modes, field, paths, csv = client.predict(**{**SHORT, "objective": "ddpm"},
                                                                 api_name="/train_diffusion")
    assert "Finished 30 steps" in status and field.endswith(".png") and paths.endswith(".png")
    assert list(pd.read_csv(csv).columns) == ["step", "loss", "jsd", "modes"]
    assert SERIES["loss"] in {row[2] for row in loss["data"]}


@pytest.mark.e2e
@pytest.mark.slow
def test_race_through_the_api_reports_both_runs_and_their_cost(client):
    status, jsd, modes, gan_map, flow_paths = client.predict("ring", 5, 8, 0, api_name="/race_gan_flow")
    assert "Done" in status and "costs 1 network evaluation." in status and "costs 8 network evaluations" in status
    assert {row[2] for row in jsd["data"]} == set(dl.RUNS)
    assert gan_map.endswith(".png") and flow_paths.endswith(".png")
