"""The queue's settings in one place: which events share a slot, and how many CPU threads a slow one may take.

Gradio gives every event its own queue, so a light call (a GAN sample, a reconstruction) never waits in line behind
a slow one (text to image, a live run): it waits only for the CPU. Each light event gets ``light_slots()`` slots.
The slow families are each limited to one slot per group (``DIFFUSION``, ``LIVE``) so that, however many students
press them, they hold at most two of the server's threads; and each slow call runs its torch work on
``slow_threads()`` threads, so on a 2-core Space one core stays for the light calls. Measured with
``python scripts/benchmark.py --suite classroom`` (docs/classroom.md).
"""
from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable

from gan_demo.device import torch_threads

LIGHT_SLOTS = 3  # each light event's slots: with 1 (Gradio's default) the slow calls took the CPU (2.84x, below)
DIFFUSION = "diffusion"  # text to image, the guidance sweep, variations, GAN vs diffusion: one at a time
LIVE = "live_training"  # the live tab's runs (GAN, 2-D diffusion, the race): GAN_DEMO_TRAIN_CONCURRENCY at a time


def light_slots() -> int:
    """Slots of every event not in a slow group (``GRADIO_DEFAULT_CONCURRENCY_LIMIT``, Gradio's own variable, default
    ``LIGHT_SLOTS``). Thirty clients on 2 cores, light p95 with the slow calls running over light p95 alone: 2.84x
    with one slot per light event, 1.41x with three (docs/classroom.md): more light calls run at once, so the
    slow calls' two threads get a smaller share of the CPU."""
    return int(os.getenv("GRADIO_DEFAULT_CONCURRENCY_LIMIT", str(LIGHT_SLOTS)))


def slow_threads() -> int:
    """Torch threads of a slow call (``GAN_DEMO_SLOW_THREADS``, default 1), read when it runs."""
    return int(os.getenv("GAN_DEMO_SLOW_THREADS", "1"))


def slow(handler: Callable) -> Callable:
    """``handler`` with its torch work on :func:`slow_threads` threads. A streaming handler gets them for each
    step (Gradio may resume a generator on another worker thread, and the count is per thread); its signature
    and whether it streams stay as they are."""
    if inspect.isgeneratorfunction(inspect.unwrap(handler)):
        @functools.wraps(handler)
        def streamed(*args, **kwargs):
            steps = handler(*args, **kwargs)
            try:
                while True:
                    with torch_threads(slow_threads()):
                        try:
                            value = next(steps)
                        except StopIteration:
                            return
                    yield value
            finally:
                steps.close()  # a cancelled or stopped stream ends its handler's loop at once
        return streamed

    @functools.wraps(handler)
    def returned(*args, **kwargs):
        with torch_threads(slow_threads()):
            return handler(*args, **kwargs)
    return returned
