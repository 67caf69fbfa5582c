"""The cgan tab (not built yet)."""
from __future__ import annotations

import gradio as gr


def build(dataset: gr.Radio) -> None:
    gr.Markdown("This tab is not built yet.")
