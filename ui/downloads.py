"""Every picture of a view as a PNG twice its size, with a caption that says how to make it again.

Each tab's link row has a "Pictures as PNG" button: it writes the tab's pictures (galleries as one captioned
sheet) enlarged twice with crisp pixels, above lines naming the app, the tab, the picture, the dataset, the picture's
own settings and the link that reopens the view (ui/deeplink.py); the same lines go in the PNG's "Description".
Pictures are found by their ``elem_id``, as the links find the controls, and a picture's settings are read from the
page's events (the controls that the events drawing it take in), so the tabs need not know about downloads.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping

import gradio as gr
import numpy as np
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from gan_demo.data import DATASETS
from gan_demo.images import captioned, labelled_grid
from gan_demo.registry import pretrained_names
from ui.common import scratch_dir
from ui.deeplink import SETTINGS, TABS, LinkRow, query_for, short
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
# the shipped models a picture comes from, by the start of its elem_id (the live tab's are trained in the page)
MODELS = {"ae": ("autoencoder",), "vae": ("vae",), "latent": ("autoencoder", "vae", "latent-ae", "latent-vae"),
          "gan": ("gan",), "judge": ("gan", "classifier"), "cgan": ("cgan",), "dalle": ("text",),
          "dalle-versus": ("text", "gan", "cgan"), "dalle-decoders": ("text", "text-flow")}
SCALE = 2
GALLERY_COLUMNS = 8
CONTROLS = (gr.Slider, gr.Number, gr.Dropdown, gr.Radio, gr.Textbox, gr.Checkbox, gr.CheckboxGroup)


def models_of(elem_id: str, dataset: str) -> str:
    """The shipped models behind a picture ("model gan-mnist"), or that the page trained it."""
    prefix = max((p for p in MODELS if elem_id.startswith(p + "-")), key=len, default=None)
    if prefix is None:
        return "a model trained in the page"
    names = [n for n in (f"{family}-{dataset}" for family in MODELS[prefix]) if n in pretrained_names()]
    return f"model{'s' if len(names) > 1 else ''} {', '.join(names)}"


def caption_lines(tab: str, picture: str, label: str, dataset: str, settings: Mapping[str, object], query: str
                  ) -> list[str]:
    """What a downloaded picture says under it: where it comes from, the settings that made it (by the names the
    page shows) and the link that reopens its view."""
    shown = ", ".join(f"{key} {shown_value(value)}" for key, value in settings.items()) or "no settings"
    data = "" if tab == "train" else f"{DATASETS[dataset].title}, "  # a live run's data is among its own settings
    return [f"gan_demo, {TABS[tab]} tab: {label}", f"{data}{models_of(picture, dataset)}; {shown}",
            f"Reopen this view: {query}"]


def shown_value(value: object) -> str:
    """A setting as a caption writes it: numbers short (1, not 1.0), several values with commas, text quoted."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return short(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(shown_value(v) for v in value) or "none"
    return f'"{value}"' if isinstance(value, str) and " " in value else str(value)


def made_by(demo: gr.Blocks, picture: gr.components.Component, exclude: tuple = ()) -> list[gr.components.Component]:
    """The controls a picture is made from: the inputs of the events that draw it and that a button or a control
    starts (chained events, such as a dataset switch's redraw, only repeat them), in the page's order."""
    controls: dict[int, gr.components.Component] = {}
    for fn in demo.fns.values():
        started = any(isinstance(demo.blocks.get(target), (gr.Button, *CONTROLS)) for target, _ in fn.targets)
        if started and any(out is picture for out in fn.outputs):
            controls.update({c._id: c for c in fn.inputs if isinstance(c, CONTROLS) and all(c is not e for e in exclude)})
    return list(controls.values())


def shared_note_dropped(captions: list[str]) -> list[str]:
    """A gallery's captions without the note in brackets that all of them end with ("#0 Sneaker 64% (gan-fashion,
    seed 3)"): the sheet's own caption lines name the model and the settings once, and eight copies of the note
    made the GAN tab's sheet 4,900 px wide for 112 px pictures."""
    notes = {c[c.rfind(" ("):] if c.endswith(")") and " (" in c else None for c in captions}
    if len(captions) < 2 or len(notes) != 1 or None in notes:
        return captions
    note = notes.pop()
    return [c[: -len(note)] for c in captions]


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
        pictures, captions = zip(*[(a, t) for a, t in items if a.shape == shape], strict=True)  # the tabs' are one size
        captions = shared_note_dropped(list(captions))
        rows = [slice(i, i + GALLERY_COLUMNS) for i in range(0, len(pictures), GALLERY_COLUMNS)]
        return labelled_grid([list(pictures[r]) for r in rows], captions=[captions[r] for r in rows], scale=1)
    return np.asarray(Image.open(value).convert("RGB")) if isinstance(value, str) else np.asarray(value)


def wire(demo: gr.Blocks, dataset: gr.Radio, rows: Mapping[str, LinkRow]) -> None:
    """Each tab's "Pictures as PNG" button: its link settings, its pictures and the controls that made them in, the
    captioned PNGs out."""
    blocks = {block.elem_id: block for block in demo.blocks.values() if getattr(block, "elem_id", None)}
    for tab, row in rows.items():
        ids, pictures = [s.elem_id for s in SETTINGS[tab]], [blocks[i] for i in PICTURES[tab]]
        for picture in pictures:  # an event's input becomes an upload box unless told otherwise
            if picture.interactive is None:
                picture.interactive = False
        # a picture no control of its own makes (a map of the test codes, the diagram) is captioned with the link's
        own = {picture.elem_id: made_by(demo, picture, exclude=(dataset,)) or [blocks[i] for i in ids]
               for picture in pictures}
        controls = list({c._id: c for made in own.values() for c in made}.values())

        def download(data, *values, tab=tab, ids=ids, pictures=pictures, own=own, controls=controls) -> gr.File:
            settings = dict(zip(ids, values[:len(ids)]))
            shown = values[len(ids):len(ids) + len(pictures)]
            value_of = dict(zip((c._id for c in controls), values[len(ids) + len(pictures):]))
            query = query_for(tab, data, False, settings)
            folder = scratch_dir("downloads") / uuid.uuid4().hex[:12]
            folder.mkdir()
            files = []
            for component, value in zip(pictures, shown):
                picture = sheet(value, component)
                if picture is None:
                    continue
                title = getattr(component, "title", None) or component.label or component.elem_id
                made = {c.label or c.elem_id: value_of[c._id] for c in own[component.elem_id]
                        if value_of[c._id] is not None}
                lines = caption_lines(tab, component.elem_id, title, data, made, query)
                path = folder / f"{component.elem_id}-{data}.png"
                scale = 1 if isinstance(component, gr.LinePlot) else SCALE  # a plot is drawn at twice its size
                info = PngInfo()
                info.add_text("Description", "\n".join(lines))
                Image.fromarray(captioned(picture, lines, scale=scale)).save(path, pnginfo=info)
                files.append(str(path))
            if not files:
                raise gr.Error("This tab shows no pictures yet: make some first.")
            return gr.File(files, visible=True)

        row.download.click(download, [dataset, *(blocks[i] for i in ids), *pictures, *controls], row.files,
                           api_visibility="private")
