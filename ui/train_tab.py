"""The live training tab (not built yet)."""
from __future__ import annotations

import gradio as gr


def build(demo: gr.Blocks) -> None:
    gr.Markdown("This tab is not built yet.")
