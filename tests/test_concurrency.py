"""The queue's settings (ui/concurrency.py): the slow events' groups and their torch threads; the light events alone.

How the settings behave under thirty clients is measured, not asserted: ``python scripts/benchmark.py --suite
classroom`` (docs/classroom.md)."""
from __future__ import annotations

import inspect
import threading

import gradio as gr
import pytest
import torch

from ui import concurrency
from ui.concurrency import slow

LIGHT = ("sample", "nearest", "interpolate_gan", "sample_conditional", "class_grid", "interpolate_classes",
         "reconstruct", "latent_map", "interpolate_ae", "clip_scores", "clip_retrieve")
SLOW = {"text_to_image": concurrency.DIFFUSION, "guidance_sweep": concurrency.DIFFUSION,
        "variations": concurrency.DIFFUSION, "gan_vs_diffusion": concurrency.DIFFUSION,
        "train": concurrency.LIVE, "continue_training": concurrency.LIVE, "train_diffusion": concurrency.LIVE,
        "race_gan_flow": concurrency.LIVE}


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_a_slow_stream_runs_each_step_on_the_slow_threads_and_keeps_its_signature(two_threads, monkeypatch):
    monkeypatch.setenv("GAN_DEMO_SLOW_THREADS", "1")
    seen = []

    def handler(prompt: str, n: float, progress=gr.Progress()):
        for _ in range(3):
            seen.append(torch.get_num_threads())
            yield prompt * int(n)

    wrapped = slow(handler)
    assert inspect.isgeneratorfunction(wrapped) and inspect.signature(wrapped) == inspect.signature(handler)
    steps = wrapped("a", 2)
    assert next(steps) == "aa" and torch.get_num_threads() == 2  # between steps the thread has its own count again
    assert list(steps) == ["aa", "aa"] and seen == [1, 1, 1] and torch.get_num_threads() == 2


def test_a_stopped_slow_stream_closes_its_handler(monkeypatch):
    closed = threading.Event()

    def handler():
        try:
            while True:
                yield 1
        finally:
            closed.set()

    steps = slow(handler)()
    next(steps)
    steps.close()  # what Gradio does to a cancelled generator
    assert closed.is_set()


def test_a_slow_function_runs_on_the_slow_threads(two_threads, monkeypatch):
    monkeypatch.setenv("GAN_DEMO_SLOW_THREADS", "1")
    wrapped = slow(lambda x: (x, torch.get_num_threads()))
    assert not inspect.isgeneratorfunction(wrapped)
    assert wrapped(5) == (5, 1) and torch.get_num_threads() == 2


def test_slow_families_share_one_slot_each_and_light_events_keep_their_own(app_page):
    by_name = {fn.api_name: fn for fn in app_page.fns.values() if fn.api_name}
    for name, group in SLOW.items():
        assert (by_name[name].concurrency_id, by_name[name].concurrency_limit) == (group, 1), name
    assert all(by_name[name].concurrency_limit == "default" for name in LIGHT)
    assert app_page._queue.default_concurrency_limit == concurrency.light_slots() == 3  # the light events' slots
    light_ids = {by_name[name].concurrency_id for name in LIGHT}
    assert len(light_ids) == len(LIGHT) and not light_ids & set(SLOW.values())  # none waits behind another's


@pytest.fixture(scope="module")
def app_page():
    import app  # noqa: PLC0415 - importing builds the page (after conftest has set Gradio's temp dir)

    return app.demo
