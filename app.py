"""gan_demo in the browser: autoencoder, GAN, conditional GAN, a live training run, and what came next (diffusion).

Run ``python app.py`` (``--help`` for host, port and share links) or ``gradio app.py`` to hot-reload.
This file only lays out the page and launches it; each tab lives in ``ui/`` and the models in ``gan_demo/``.
"""
from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import gradio as gr

from gan_demo.device import configure_threads
from ui import concurrency, deeplink, downloads, patches, plot_lines
from ui.common import CACHE_SECONDS, DATASET_CHOICES, DEFAULT_DATASET, theme
from ui.components import guarded
from ui.tabs import autoencoder, cgan, diffusion, gan, live
from ui.widgets import library as widgets

INTRO = """
# Autoencoders, GANs and what came next, hands on
Real models trained on **Fashion-MNIST** and **MNIST digits** (weights ship with the app).
Pick a dataset here; every tab follows it. Each control explains itself; the same seed always gives the same images.
"""
STYLE = Path(__file__).parent / "ui" / "style.css"  # crisp pixels, readable gallery captions (see the file)
MAX_UPLOAD = "5mb"


def build_demo() -> gr.Blocks:
    # delete_cache: every CACHE_SECONDS, Gradio deletes the files of its cache (uploads, drawings, answers) older than
    # CACHE_SECONDS, and all of them when the server stops; the page says so beside each upload box and canvas
    with gr.Blocks(title="gan_demo: autoencoders and GANs", delete_cache=(CACHE_SECONDS, CACHE_SECONDS)) as demo:
        gr.Markdown(INTRO)
        widgets.library()  # the scrubbers' and explorers' script and style, once for the page (ui/widgets/library.py)
        plot_lines.plot_lines()  # every plot's curves told apart by line style as well as colour, legends included
        with gr.Row(elem_id="page-options"):
            dataset = guarded(gr.Radio(DATASET_CHOICES, value=DEFAULT_DATASET, label="Dataset", scale=3, min_width=300,
                                       info="Switches the models of every tab but the live training (which picks its own data)."))
            projector = deeplink.projector_toggle()
        notice = gr.Markdown(visible=False, elem_id="link-notice")  # what a link asked for that the page ignored
        rows = {}
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Autoencoder", id="ae"):
                rows["ae"] = deeplink.link_row("ae")
                autoencoder.build(dataset)
            with gr.Tab("GAN", id="gan"):
                rows["gan"] = deeplink.link_row("gan")
                gan.build(dataset)
            with gr.Tab("Conditional GAN", id="cgan"):
                rows["cgan"] = deeplink.link_row("cgan")
                cgan.build(dataset)
            with gr.Tab("Live training", id="train"):
                rows["train"] = deeplink.link_row("train")
                live.build(demo)
            with gr.Tab("What came next", id="next") as next_tab:
                rows["next"] = deeplink.link_row("next")
                diffusion.build(dataset, next_tab)
        deeplink.wire(demo, tabs, dataset, projector, notice, rows)  # ?tab=gan&seed=7 ... (see ui/deeplink.py)
        downloads.wire(demo, dataset, rows)  # each tab's pictures as captioned PNGs
    demo.queue(default_concurrency_limit=concurrency.light_slots())  # the light events' slots (ui/concurrency.py)
    patches.install(demo)  # atomic picture cache, calmer queue poll (see ui/patches.py)
    return demo


configure_threads()  # torch threads follow $CPU_CORES (2 on a basic Space), not the host's core count
demo = build_demo()


def auth_from_env() -> list[tuple[str, str]] | None:
    """``GAN_DEMO_PASSWORD`` (and optionally ``GAN_DEMO_USER``, default 'student') protects the app."""
    password = os.getenv("GAN_DEMO_PASSWORD")
    return [(os.getenv("GAN_DEMO_USER", "student"), password)] if password else None


def launch_kwargs(args: argparse.Namespace | None = None) -> dict:
    """Everything passed to ``demo.launch``, shared by ``main`` and the tests."""
    args = args or parse_args([])
    return dict(server_name=args.host, server_port=args.port, share=args.share, auth=auth_from_env(),
                auth_message="This gan_demo server is password protected.", max_file_size=MAX_UPLOAD,
                theme=theme(), css_paths=[STYLE], footer_links=["api", "gradio"])


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Launch the gan_demo app.")
    p.add_argument("--host", default=os.getenv("GRADIO_SERVER_NAME", "127.0.0.1"),
                   help="interface to listen on; 0.0.0.0 for the local network (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=int(os.getenv("GRADIO_SERVER_PORT", "7860")))
    p.add_argument("--share", action="store_true", default=os.getenv("GRADIO_SHARE", "").lower() in ("1", "true"),
                   help="also open a temporary public *.gradio.live link (set GAN_DEMO_PASSWORD to protect it)")
    return p.parse_args(argv)


def main(argv=None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(argv)
    if args.share and not auth_from_env():
        logging.warning("--share makes this app public; set GAN_DEMO_PASSWORD to require a password")
    demo.launch(**launch_kwargs(args))


if __name__ == "__main__":
    main()
