"""Steps per second of the live-training loop inside the app versus the same loop run bare.

    python scripts/bench_training.py [--repeats 3] [--steps-2d 1500] [--steps-images 100] [--no-server]

For each mode it runs, interleaved so background load hits all alike:
  bare     GANTrainer.run(steps) from gan_demo.live.build_trainer, nothing else;
  handler  the tab's /train handler (LiveTab.train, ui/tabs/live) iterated directly: frames, plots, pictures,
           exports;
  server   the real app launched on a loopback port, /train called through gradio_client (adds the queue,
           JSON encoding of every yield and its server-sent events stream); each new picture is fetched once
           as it streams in, as a browser's <img> does.
Every timing includes building the models, so all three pay the same fixed costs. It prints the median
steps/s of each and the ratio to bare (the issue asks for at least 85%).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import time
from functools import cache
from pathlib import Path

import gradio as gr
import httpx
import torch

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from gan_demo import live
from gan_demo.device import pick_device
from ui.tabs import live as train_tab

APP = Path(__file__).resolve().parent.parent / "app.py"


def load_app():
    """The app module: app.py sits beside the installed packages, not in them, so it is loaded from its file."""
    spec = importlib.util.spec_from_file_location("app", APP)
    app = sys.modules["app"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    return app


def bare(settings: live.LiveSettings) -> float:
    start = time.perf_counter()
    trainer, _ = live.build_trainer(settings, pick_device())
    for _ in trainer.run(settings.steps):
        pass
    return settings.steps / (time.perf_counter() - start)


def api_kwargs(settings: live.LiveSettings) -> dict:
    values = {k: v for k, v in vars(settings).items()}
    return dict(preset="custom", **values)


@cache
def tab() -> train_tab.LiveTab:
    """The Live training tab's handlers, laid out once in a page of their own that is never launched."""
    with gr.Blocks() as demo:
        return train_tab.build(demo)


def handler(settings: live.LiveSettings) -> float:
    start = time.perf_counter()
    for _ in tab().train(**api_kwargs(settings)):
        pass
    return settings.steps / (time.perf_counter() - start)


PICTURES = slice(3, 6)  # /train's outputs: status, 2 plots, D(x) map, D*(x) map, preview grid, CSV, files


def server(client, settings: live.LiveSettings, fetch: httpx.Client) -> float:
    """/train through ``client`` (made with download_files=False), fetching each new picture once with ``fetch``.

    That is what a browser does: an <img> loads a URL it has not shown yet, over a kept-alive connection.
    gradio_client's own downloads would fetch every file of every streamed message again, each time with a
    new connection (~90 ms of client CPU a frame on the development machine), which no page does.
    """
    start, seen = time.perf_counter(), set()
    job = client.submit(**api_kwargs(settings), api_name="/train")
    for output in job:
        for picture in output[PICTURES]:
            if picture is not None and picture["url"] not in seen:
                seen.add(picture["url"])
                fetch.get(picture["url"]).raise_for_status()
    job.result()  # raises if the run failed
    return settings.steps / (time.perf_counter() - start)


def bench(name: str, settings: live.LiveSettings, repeats: int, client, fetch: httpx.Client) -> dict[str, float]:
    runners = {"bare": bare, "handler": handler}
    if client is not None:
        runners["server"] = lambda s: server(client, s, fetch)
    for run in runners.values():  # warm-up: data loading, first-call allocations
        run(live.LiveSettings(**{**vars(settings), "steps": max(2, settings.steps // 10)}))
    rates: dict[str, list[float]] = {k: [] for k in runners}
    for i in range(repeats):
        for key, run in runners.items():
            rates[key].append(run(settings))
            print(f"  {name} repeat {i + 1}: {key:8s} {rates[key][-1]:7.1f} steps/s", flush=True)
    return {k: statistics.median(v) for k, v in rates.items()}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--steps-2d", type=int, default=1500)
    p.add_argument("--steps-mlp", type=int, default=1000, help="steps of the image mode's fully connected GAN")
    p.add_argument("--steps-dcgan", type=int, default=100, help="steps of the image mode's DCGAN")
    p.add_argument("--threads", type=int, default=train_tab.live_threads(),
                   help="torch CPU threads of the bare loop (default: the app's training threads, "
                        "$GAN_DEMO_LIVE_THREADS or 1)")
    p.add_argument("--no-server", action="store_true", help="skip the launched-app measurement")
    args = p.parse_args(argv)
    cases = {"2-D (ring, MLP)": live.make_settings("balanced", steps=args.steps_2d),
             "images (MNIST, MLP)": live.make_settings("balanced", mode="images", steps=args.steps_mlp),
             "images (MNIST, DCGAN)": live.make_settings("balanced", mode="images", model="dcgan",
                                                         steps=args.steps_dcgan)}
    client = None
    if not args.no_server:
        from gradio_client import Client  # noqa: PLC0415

        app = load_app()
        _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True)
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    torch.set_num_threads(args.threads)  # after importing app, which sets its own thread count
    print(f"device {pick_device()}, {args.threads} torch threads bare, {train_tab.live_threads()} in the app, "
          f"{args.repeats} repeats (median shown)")
    with httpx.Client(timeout=60) as fetch:
        results = {name: bench(name, s, args.repeats, client, fetch) for name, s in cases.items()}
    print("\n| mode | bare steps/s | handler steps/s (ratio) | server steps/s (ratio) |\n|---|---|---|---|")
    for name, r in results.items():
        cells = [f"{r[k]:.1f} ({r[k] / r['bare']:.0%})" if k in r else "-" for k in ("handler", "server")]
        print(f"| {name} | {r['bare']:.1f} | {cells[0]} | {cells[1]} |")
    if client is not None:
        client.close()
        app.demo.close()


if __name__ == "__main__":
    main()
