"""Every picture of a view as a PNG twice its size, with a caption that says how to make it again.

Each tab's link row has a "Pictures as PNG" button: it writes the tab's pictures (galleries as one captioned
sheet) enlarged twice with crisp pixels, above lines naming the app, the tab, the picture, the dataset, the settings
and the link that reopens the view (ui/deeplink.py). Pictures are found by their ``elem_id``, as the links find the
controls, so the tabs need not know about downloads.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping

import gradio as gr
import numpy as np
from PIL import Image

from gan_demo.data import DATASETS
from gan_demo.images import captioned, labelled_grid
from ui.common import scratch_dir
from ui.deeplink import SETTINGS, TABS, LinkRow, query_for
from ui.plot_lines import plot_picture, table_of

PICTURES = {
    "ae": ("ae-comparison", "ae-map", "ae-manifold", "ae-strip", "vae-random", "vae-ae-map", "vae-map", "vae-traverse",
           "latent-grid", "latent-ae-map", "latent-vae-map"),
    "gan": ("gan-gallery", "gan-nearest", "gan-strip", "judge-gallery"),
    "cgan": ("cgan-gallery", "cgan-grid", "cgan-strip"),
    "train": ("live-losses", "live-d", "live-grad", "live-heatmap", "live-optimal", "diffusion-loss", "diffusion-jsd",
              "diffusion-modes", "diffusion-field", "diffusion-paths", "race-jsd", "race-modes", "race-gan",
              "race-flow"),
    "next": ("dalle-diagram", "dalle-live", "dalle-gallery", "dalle-story", "dalle-sweep-image", "dalle-varied",
             "dalle-versus-image", "dalle-speed-chart", "dalle-decoders-image"),
}
MODELS = {"ae": "autoencoder", "gan": "gan", "cgan": "cgan", "next": "text"}  # the shipped model of each tab
SCALE = 2
GALLERY_COLUMNS = 8


def caption_lines(tab: str, label: str, dataset: str, settings: Mapping[str, object], query: str) -> list[str]:
    """What a downloaded picture says under it: where it comes from and the link that makes it again."""
    shown = ", ".join(f"{key} {value}" for key, value in settings.items()) or "the tab's defaults"
    model = f"model {MODELS[tab]}-{dataset}" if tab in MODELS else "a model trained in the page"
    return [f"gan_demo, {TABS[tab]} tab: {label}", f"{DATASETS[dataset].title}, {model}; {shown}",
            f"Reopen this view: {query}"]


def sheet(value, component: gr.components.Component) -> np.ndarray | None:
    """A picture component's value as one RGB array: an image as it is, a gallery as a grid with its captions, a
    line plot drawn again from its table (already twice the page's size)."""
    if value is None:
        return None
    if isinstance(component, gr.LinePlot):
        table = table_of(value)
        return None if table is None else plot_picture(table, component)
    if isinstance(component, gr.Gallery):
        items = [(np.asarray(Image.open(path).convert("RGB")) if isinstance(path, str) else np.asarray(path),
                  text or "") for path, text in value]
        if not items:
            return None
        shape = items[0][0].shape
        items = [(a, t) for a, t in items if a.shape == shape]  # a gallery of one size (the tabs' are)
        rows = [items[i:i + GALLERY_COLUMNS] for i in range(0, len(items), GALLERY_COLUMNS)]
        return labelled_grid([[a for a, _ in row] for row in rows], captions=[[t for _, t in row] for row in rows],
                             scale=1)
    return np.asarray(Image.open(value).convert("RGB")) if isinstance(value, str) else np.asarray(value)


def wire(demo: gr.Blocks, dataset: gr.Radio, rows: Mapping[str, LinkRow]) -> None:
    """Each tab's "Pictures as PNG" button: its settings and pictures in, the captioned PNGs out."""
    blocks = {block.elem_id: block for block in demo.blocks.values() if getattr(block, "elem_id", None)}
    for tab, row in rows.items():
        ids, pictures = [s.elem_id for s in SETTINGS[tab]], [blocks[i] for i in PICTURES[tab]]
        for picture in pictures:  # an event's input becomes an upload box unless told otherwise
            if picture.interactive is None:
                picture.interactive = False

        def download(data, *values, tab=tab, ids=ids, pictures=pictures) -> gr.File:
            settings, shown = dict(zip(ids, values[:len(ids)])), values[len(ids):]
            query = query_for(tab, data, False, settings)
            named = {s.key: settings[s.elem_id] for s in SETTINGS[tab] if settings.get(s.elem_id) is not None}
            folder = scratch_dir("downloads") / uuid.uuid4().hex[:12]
            folder.mkdir()
            files = []
            for component, value in zip(pictures, shown):
                picture = sheet(value, component)
                if picture is None:
                    continue
                title = getattr(component, "title", None) or component.label or component.elem_id
                lines = caption_lines(tab, title, data, named, query)
                path = folder / f"{component.elem_id}-{data}.png"
                scale = 1 if isinstance(component, gr.LinePlot) else SCALE  # a plot is drawn at twice its size
                Image.fromarray(captioned(picture, lines, scale=scale)).save(path)
                files.append(str(path))
            if not files:
                raise gr.Error("This tab shows no pictures yet: make some first.")
            return gr.File(files, visible=True)

        row.download.click(download, [dataset, *(blocks[i] for i in ids), *pictures], row.files,
                           api_visibility="private")
