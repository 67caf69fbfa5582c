"""A scrubber: frames computed once by the server, a range input that swaps them in the browser.

``pack_frames`` (pure) turns pictures into the widget's value, a JSON string of PNG data URLs with an alt text and a
label each; ``scrubber`` builds the ``gr.HTML`` that shows them. Scrubbing and playing run in the page (see
``scrubber.js``): no request goes to the server after the frames arrive with the result they belong to.
"""
from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass

import gradio as gr
import numpy as np
from PIL import Image

from .library import loader

MAX_BYTES = 2_000_000  # one widget's value at most: frames beyond it are thinned, evenly, and the caption says so
JS = loader("scrubber")  # scrubber.js, sent once per page by the widget library (library.py)

CSS = """  /* in the page once, with the widget library */
.scrub-frames { flex: 0 1 var(--scrub-width); min-height: 2rem; display: grid; }
.scrub-frames img { grid-area: 1 / 1; display: block; width: 100%;
  image-rendering: var(--scrub-rendering); visibility: hidden; }
.scrub-frames img.scrub-frame { visibility: visible; }
.scrub-controls { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin-top: 0.5rem; }
.scrub-controls label { font-weight: 600; }
.scrub-controls input[type=range] { flex: 1 1 12rem; accent-color: var(--color-accent); }
.scrub-caption { font-variant-numeric: tabular-nums; width: 40ch; height: 1.5em; overflow: hidden;
  white-space: nowrap; contain: strict; }
.scrub-note { color: var(--body-text-color-subdued); font-size: var(--text-sm); margin: 0.25rem 0 0; }
.scrub-pictures { display: flex; gap: 1rem; flex-wrap: wrap; align-items: flex-start; }
.scrub-chart { position: relative; flex: 0 1 640px; display: none; }
.scrub-chart img { display: block; width: 100%; height: auto; }
.scrub-cursor { position: absolute; width: 0; border-left: 2px solid #000; box-shadow: 0 0 0 1px #fff;
  pointer-events: none; }
.scrub-with-chart .scrub-chart { display: block; }
.scrub-empty .scrub-pictures, .scrub-empty .scrub-controls { display: none; }
"""


def data_url(image: np.ndarray | Image.Image) -> str:
    """uint8 (H, W) or (H, W, 3) array, or a PIL image -> a PNG data URL."""
    picture = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image, np.uint8))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@dataclass
class Chart:
    """A picture beside the frames with a cursor that follows them: ``box`` is the plotting area in pixels (left,
    top, right, bottom), ``span`` the x values at its left and right edges, ``at`` each frame's x value."""

    image: np.ndarray | Image.Image
    alt: str
    box: tuple[float, float, float, float]
    span: tuple[float, float]
    at: Sequence[float]


def pack_frames(images: Sequence[np.ndarray | Image.Image], alts: Sequence[str], labels: Sequence[str], *,
                every_ms: int = 200, start: int | None = None, max_bytes: int = MAX_BYTES,
                chart: Chart | None = None) -> str:
    """The scrubber's value: {"frames": [{"src", "alt", "label"}], "every_ms", "start"} as JSON.

    ``alts`` say what each frame shows (screen readers read them), ``labels`` are the short captions beside the
    slider. ``start``: the frame shown first (default the last). Over ``max_bytes`` every k-th frame is kept (the
    first and the last always), so a long run still fits; each kept frame keeps its own label. ``chart``: a picture
    shown beside the frames, its cursor at each frame's place."""
    if not len(images) == len(alts) == len(labels):
        raise ValueError(f"{len(images)} images, {len(alts)} alt texts and {len(labels)} labels: give one of each")
    frames = [{"src": data_url(x), "alt": a, "label": s} for x, a, s in zip(images, alts, labels)]
    extra = {}
    if chart is not None:
        height, width = np.asarray(chart.image).shape[:2]
        left, top, right, bottom = chart.box
        extra["chart"] = {"src": data_url(chart.image), "alt": chart.alt, "span": list(chart.span),
                          "box": [left / width, top / height, right / width, bottom / height]}
        for frame, x in zip(frames, chart.at, strict=True):
            frame["at"] = float(x)
    budget = max_bytes - len(extra.get("chart", {}).get("src", ""))
    keep = list(range(len(frames)))
    for k in range(2, len(frames) + 1):
        size = sum(len(frames[i]["src"]) + len(frames[i]["alt"]) + 64 for i in keep)
        if size <= budget:
            break
        keep = sorted(set(range(0, len(frames), k)) | {len(frames) - 1})
    last = len(keep) - 1
    start = last if start is None else keep.index(min(keep, key=lambda i: abs(i - start)))
    return json.dumps({"frames": [frames[i] for i in keep], "every_ms": every_ms, "start": start, **extra})


def attribute_text(text: str) -> str:
    """Escaped for HTML, and for gr.HTML's template syntax (a JS template string and Handlebars)."""
    return html.escape(text).replace("$", "&#36;").replace("`", "&#96;").replace("{", "&#123;").replace("}", "&#125;")


def scrubber(elem_id: str, label: str, *, note: str = "", value: str | None = None, width: str = "640px",
             pixelated: bool = True) -> gr.HTML:
    """A frame, a labelled range input over the frames and a play/pause button; ``elem_id`` also names the input.

    ``label`` names the slider (screen readers announce it); ``note`` is a line under it; ``width`` the frame's
    widest; ``pixelated``: enlarged pixels stay square (28x28 images), else smoothed (pictures with text). The
    element ``elem_id`` gets ``data-frame``, the index of the frame it has just shown."""
    text, slider = attribute_text(label), f"{elem_id}-range"
    rendering = "pixelated" if pixelated else "auto"
    template = f"""
<div class="scrub" style="--scrub-width: {attribute_text(width)}; --scrub-rendering: {rendering}">
  <div class="scrub-pictures">
    <div class="scrub-frames"></div>
    <div class="scrub-chart"><img alt=""><div class="scrub-cursor"></div></div>
  </div>
  <div class="scrub-controls">
    <label for="{slider}">{text}</label>
    <input type="range" id="{slider}" min="0" max="0" step="1" value="0" disabled>
    <span class="scrub-caption"></span>
    <button type="button" class="scrub-play" aria-pressed="false" disabled>▶ Play</button>
  </div>
  {f'<p class="scrub-note">{attribute_text(note)}</p>' if note else ''}
</div>"""
    return gr.HTML(value, html_template=template, js_on_load=JS, elem_id=elem_id,
                   label=label, widget_id=elem_id)


def walk_frames(images: Sequence[np.ndarray], path: str) -> str:
    """The value for an interpolation walk, t from 0 to 1: ``path`` says what is walked ('the slerp from seed 0 to
    seed 1'), for the alt texts."""
    steps = len(images)
    ts = np.linspace(0, 1, steps)
    alts = [f"Frame {i + 1} of {steps}: the image at t = {t:.2f} on {path}" for i, t in enumerate(ts)]
    return pack_frames(images, alts, [f"t = {t:.2f}" for t in ts], every_ms=150, start=0)


def unpack_frames(value: str) -> list[np.ndarray]:
    """The pictures in a scrubber's value, as uint8 arrays: what the browser shows, for tests and checks."""
    return [np.asarray(Image.open(io.BytesIO(base64.b64decode(f["src"].split(",", 1)[1]))))
            for f in json.loads(value)["frames"]]
