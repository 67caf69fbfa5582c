"""The Live training tab's "draw your own data": a canvas whose strokes and dots become the 2-D dataset of the
GAN and the diffusion runs (``gan_demo.data.drawn`` turns the ink into a mixture with an exact density)."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr
import torch

from gan_demo.data import drawn, toy
from gan_demo.live.diffusion.pictures import density_image
from gan_demo.live.views import GRID_LIM, GRID_N
from ui.components import DELETED

from .handlers import dataset_choices

EXPLAIN = ("Pick the **brush**, draw a few strokes or click a few dots, then press **Use my drawing**: the ink "
           "becomes a 2-D distribution (a small Gaussian on the ink, more ink more mass; each separate piece "
           "is one mode) and the dataset of both runs on this tab. Its density is known exactly, so the JSD, "
           "D*(x) and the mode count work as on the ring.")
DRAWING_NOTE = ("**Where your drawing goes:** it becomes a dataset held in this server's memory, under a name "
                f"made from the ink (the latest {drawn.MAX_REGISTERED} drawings of all visitors are kept), until the "
                "server restarts; the canvas picture itself goes into Gradio's temporary folder, and is "
                f"{DELETED}. Nothing is sent elsewhere.")
LABEL = "Your drawing"
N_SHOWN = 600  # samples drawn on the preview


@dataclass
class Drawing:
    canvas: gr.Sketchpad
    preview: gr.Image
    use: gr.Button
    note: gr.Markdown


def layout() -> Drawing:
    with gr.Accordion("Draw your own data", open=False, elem_id="draw"):
        gr.Markdown(EXPLAIN)
        with gr.Row():
            canvas = gr.Sketchpad(label="Your 2-D data (use the brush)", image_mode="L", type="numpy",
                                  canvas_size=(320, 320), brush=gr.Brush(default_size=8, colors=["#000000"],
                                                                         color_mode="fixed"),
                                  elem_id="draw-canvas")
            preview = gr.Image(None, label="What both runs will learn: its density and samples", format="png",
                               interactive=False, height=340, elem_id="draw-preview")
        use = gr.Button("Use my drawing", elem_id="draw-use")
        note = gr.Markdown("", elem_id="draw-note")
        gr.Markdown(DRAWING_NOTE, elem_id="draw-uploads-note", elem_classes=["uploads-note"])
    return Drawing(canvas, preview, use, note)


def use_drawing(drawing: dict | None, mode: str = "2d"):
    """Register the canvas's drawing as a 2-D dataset and select it in both runs (the GAN's in 2-D mode only);
    returns the note, the density preview and both dataset menus."""
    composite = (drawing or {}).get("composite")
    if composite is None:
        raise gr.Error("The canvas is empty: pick the brush, draw a few strokes or click a few dots, then press "
                       "Use my drawing.")
    try:
        name = drawn.register(composite)
    except drawn.DrawingError as err:
        raise gr.Error(f"This drawing cannot be used: {err}.") from err
    dist = toy.toy_distribution(name)
    grid, _ = toy.eval_grid(GRID_LIM, GRID_N)
    points = dist.sample(N_SHOWN, torch.Generator().manual_seed(0)).numpy()
    modes = int(dist.groups.max()) + 1
    picture = density_image(dist.density(grid).reshape(GRID_N, GRID_N).numpy(), GRID_LIM, points,
                            f"your drawing: {modes} mode{'s' * (modes != 1)}, {len(dist.centers)} centres")
    # one update each: Gradio takes the value out of an update as it sends it, so a shared one loses it
    menu = lambda: gr.update(choices=[*dataset_choices("2d"), (LABEL, name)], value=name)  # noqa: E731
    gan = menu() if mode == "2d" else gr.update()
    where = "both runs" if mode == "2d" else "the diffusion run (switch the GAN to 2-D mode and pick it there)"
    note = (f"**Your drawing is the dataset `{name}`** ({modes} mode{'s' * (modes != 1)}, one per piece of ink), "
            f"now selected in {where}: press Start or Train.")
    return note, picture, gan, menu()


def wire(d: Drawing, mode: gr.Radio, gan_dataset: gr.Dropdown, diffusion_dataset: gr.Dropdown) -> None:
    d.use.click(use_drawing, [d.canvas, mode], [d.note, d.preview, gan_dataset, diffusion_dataset],
                api_name="draw_dataset")
