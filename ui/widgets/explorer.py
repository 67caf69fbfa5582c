"""The latent map explorer: point at the map, see at once what the decoder draws there; click for the nearest test
images. Everything is computed once per model and dataset and sent with the widget's value; the page swaps cells of
two sprite sheets (``explorer.js``), with no request to the server.

An explorer's value is about 0.5 MB, so the page does not open with it: each explorer sits in a closed accordion and
its value is sent when the accordion is first opened (:class:`OnDemand`).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache

import gradio as gr
import numpy as np
import torch

from gan_demo import explore
from gan_demo.data import DATASETS, load_split
from gan_demo.images import grid
from ui.common import check_dataset, get_model

from .library import loader
from .scrubber import attribute_text, data_url

SIZE = 16  # decodes per side of the grid the pointer moves over (20 cost the page 0.3 MB more per explorer)
NEIGHBOURS = 3  # test images shown for a clicked point
THUMB_COLUMNS = 32  # test images per row of their sprite sheet
JS = loader("explorer")  # explorer.js, sent once per page by the widget library (library.py)

CSS = """  /* in the page once, with the widget library */
.explorer { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-start; }
.explorer-map { position: relative; flex: 0 1 560px; cursor: crosshair; outline-offset: 2px; }
.explorer-map img { display: block; width: 100%; height: auto; }
.explorer-cursor { position: absolute; width: 14px; height: 14px; margin: -7px 0 0 -7px; border-radius: 50%;
  border: 2px solid #000; box-shadow: 0 0 0 2px #fff; pointer-events: none; display: none; }
.explorer-side { flex: 0 0 12.5rem; display: flex; flex-direction: column; gap: 0.5rem; }
.explorer-decode, .explorer-near div { image-rendering: pixelated; background-repeat: no-repeat; background-color: #000; }
.explorer-decode { width: 12rem; height: 12rem; }
.explorer-near { display: grid; grid-template-columns: repeat(3, 3.75rem); gap: 0.5rem; }
.explorer-near figure { margin: 0; }
.explorer-near div { width: 3.75rem; height: 3.75rem; }
.explorer-near figcaption, .explorer-caption, .explorer-help { font-size: var(--text-sm); }
.explorer-help { color: var(--body-text-color-subdued); margin: 0; }
.explorer-empty { display: none; }
"""


def pack_explorer(picture: explore.MapPicture, cells: np.ndarray, neighbours: np.ndarray, images: np.ndarray,
                  labels: np.ndarray, classes: tuple[str, ...], xs: np.ndarray, ys: np.ndarray, model: str) -> str:
    """The explorer's value as JSON: the map picture and where its axes are (fractions of its size), the decodes of
    the size x size grid as one sprite sheet (row 0 at the top), the grid's map coordinates, and for each grid point
    its nearest test images (indices into a second sprite sheet of just those images, with their classes).

    cells: uint8 (size, size, 28, 28); neighbours: (size, size, k) indices into images (N, 28, 28) / labels (N,)."""
    size, k = len(cells), neighbours.shape[-1]
    used, near = np.unique(neighbours, return_inverse=True)  # the test images some grid point shows
    height, width = picture.image.shape[:2]
    left, top, right, bottom = picture.box
    return json.dumps({
        "model": model, "size": size, "xs": np.round(xs, 3).tolist(), "ys": np.round(ys, 3).tolist(),
        "map": data_url(picture.image), "box": [left / width, top / height, right / width, bottom / height],
        "cells": data_url(grid(cells.reshape(-1, 28, 28), nrow=size, padding=0)),
        "thumbs": data_url(grid(images[used], nrow=THUMB_COLUMNS, padding=0)), "thumb_columns": THUMB_COLUMNS,
        "thumb_count": len(used), "near": near.reshape(size, size, k).tolist(),
        "near_classes": [classes[int(c)] for c in labels[used]],
    })


def map_explorer(model_name: str, dataset: str) -> str:
    """The explorer's value for the model ``model_name`` ('autoencoder' or 'vae') of ``dataset``."""
    return _packed(get_model(f"{model_name}-{dataset}"), model_name, dataset)


@lru_cache(maxsize=8)
def _packed(model: torch.nn.Module, model_name: str, dataset: str) -> str:
    """Made once per model and dataset (the first decodes SIZE^2 points and finds their neighbours; the map itself
    is shared with the latent map pictures); later calls send the same string."""
    with torch.inference_mode():
        picture = explore.map_picture(model, dataset)
        cells = explore.manifold(model, dataset, SIZE)
    m = explore.latent_map(model, dataset)
    images, _ = load_split(dataset, "test")
    xs, ys = explore.grid_points(m, SIZE)
    name = {"autoencoder": "the autoencoder", "vae": "the VAE"}[model_name]
    return pack_explorer(picture, cells, explore.grid_neighbours(model, dataset, SIZE, NEIGHBOURS),
                         images[:len(m.points)].numpy(), m.labels, DATASETS[dataset].classes, xs, ys, name)


def autoencoder_explorer(dataset: str) -> str:
    return map_explorer("autoencoder", check_dataset(dataset))


def vae_explorer(dataset: str) -> str:
    return map_explorer("vae", check_dataset(dataset))


class OnDemand:
    """An explorer in a closed accordion, laid out where it is made, and filled when the accordion is opened, not
    with the page: each explorer's value (about 0.5 MB) would otherwise be in every visit's first download.

    Two per-session states: the dataset whose explorer the page holds (opening it again sends nothing) and whether
    the accordion is open. A switch of dataset empties the explorer at once; :meth:`refill_after` fills it again for
    the new dataset, only if it is open."""

    def __init__(self, dataset: gr.Radio, elem_id: str, title: str, label: str, make: Callable[[str], str]):
        with gr.Accordion(label, open=False, elem_id=f"{elem_id}-accordion") as self.accordion:
            self.widget = explorer(elem_id, title)
        self.dataset, self.make = dataset, make
        self.held = gr.State(None)  # the dataset of the explorer the page holds, None when empty
        self.opened = gr.State(False)
        self.accordion.expand(self._fill, [dataset, self.held], [self.widget, self.held, self.opened],
                              api_visibility="private")
        self.accordion.collapse(lambda: False, None, self.opened, api_visibility="private")
        dataset.change(lambda: (None, None), None, [self.widget, self.held], api_visibility="private")

    def refill_after(self, event):
        """After ``event`` (the switch's latent maps, drawn: an explorer starts from the same cached map, so it is
        not drawn twice at once), the explorer for the new dataset if the accordion is open; the new event."""
        return event.then(self._refill, [self.dataset, self.opened, self.held], [self.widget, self.held],
                          api_visibility="private")

    def _fill(self, dataset: str, held: str | None):
        if held == dataset:  # already on the page: nothing to send again
            return gr.skip(), gr.skip(), True
        return self.make(dataset), dataset, True

    def _refill(self, dataset: str, opened: bool, held: str | None):
        if not opened or held == dataset:
            return gr.skip(), gr.skip()
        return self.make(dataset), dataset


def explorer(elem_id: str, title: str, value: str | None = None) -> gr.HTML:
    """The map (focusable: arrow keys move the cursor, Enter shows the nearest test images), the decode beside it,
    and the nearest test images of the last clicked point. The element ``elem_id`` gets data-cell="i,j" (row from
    the top, column from the left) of the decode it has just shown, and data-near of the neighbours shown."""
    title = attribute_text(title)
    template = f"""
<div class="explorer">
  <div class="explorer-map" tabindex="0" role="application"
       aria-label="{title}. Arrow keys move the cursor over the map, Enter shows the nearest test images.">
    <img alt="" class="explorer-picture"><div class="explorer-cursor"></div>
  </div>
  <div class="explorer-side">
    <div class="explorer-decode" role="img" aria-label=""></div>
    <div class="explorer-caption" aria-live="polite"></div>
    <div class="explorer-near"></div>
    <p class="explorer-help">Point at the map (or focus it and use the arrow keys); click (Enter) for the nearest
      test images.</p>
  </div>
</div>"""
    return gr.HTML(value, html_template=template, js_on_load=JS, elem_id=elem_id,
                   label=title, widget_id=elem_id)
