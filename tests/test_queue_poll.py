"""ui.queue_poll: an idle app must not burn CPU polling its event queue (and steal the GIL from training)."""
from __future__ import annotations

import os
import time

import gradio as gr

from servers import app_process
from ui import queue_poll


def process_cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_the_launched_app_keeps_the_calmer_poll(app_server):
    import app  # noqa: PLC0415 - the shared app_server has launched it

    assert app.demo._queue.sleep_when_free == queue_poll.EVENT_POLL_SECONDS
    assert app.demo._queue.progress_update_sleep_when_free == queue_poll.PROGRESS_POLL_SECONDS


def test_install_never_polls_faster_than_gradio():
    with gr.Blocks() as demo:
        gr.Markdown("x")
    demo._queue.sleep_when_free = 0.5
    queue_poll.install(demo)
    assert demo._queue.sleep_when_free == 0.5 and demo._queue.progress_update_sleep_when_free >= 0.05


def test_an_idle_app_uses_little_cpu():
    """With Gradio's 1 ms poll an idle app used ~6% of a core here; with the calmer poll under 1%."""
    with app_process() as (_, pid):
        time.sleep(2)  # let start-up work settle
        before, start = process_cpu_seconds(pid), time.monotonic()
        time.sleep(5)
        share = (process_cpu_seconds(pid) - before) / (time.monotonic() - start)
    assert share < 0.03, f"the idle app used {share:.1%} of a core"
