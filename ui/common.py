"""What every tab shares: the model cache, input validation that answers with gr.Error, image display."""
from __future__ import annotations

import logging
import math
import re
import shutil
import tempfile
import time
from pathlib import Path

import gradio as gr
import numpy as np
from torch import nn

from gan_demo import WeightsError, cached_pretrained, pick_device
from gan_demo.data import DATASETS
from gan_demo.images import upscale

DATASET_CHOICES = [(info.title, name) for name, info in DATASETS.items()]
DEFAULT_DATASET = "fashion"
DISPLAY_SCALE = 4  # 28x28 pixels shown 4x larger with nearest-neighbour upscaling
CACHE_SECONDS = 3600  # Gradio's cache (uploads, drawings, answers): every hour, files over an hour old are deleted
SCRATCH_MAX_AGE = CACHE_SECONDS  # seconds, as long as Gradio keeps its cache (delete_cache in app.py)
log = logging.getLogger(__name__)
_ABSOLUTE_PATH = re.compile(r"(?<![\w.])(?:/[^\s/'\"]+){2,}")


def without_server_paths(message: str) -> str:
    """A message fit for the browser: absolute paths cut to their last two parts (model folder and file)."""
    return _ABSOLUTE_PATH.sub(lambda m: "/".join(m.group(0).rsplit("/", 2)[-2:]), message)


def scratch_dir(name: str) -> Path:
    """``$TMPDIR/gan_demo_<name>`` for files handed to Gradio (which copies them into its own cache), with
    whatever in it is older than ``SCRATCH_MAX_AGE`` removed, so a long-running server does not fill the disk."""
    folder = Path(tempfile.gettempdir()) / f"gan_demo_{name}"
    folder.mkdir(exist_ok=True)
    cutoff = time.time() - SCRATCH_MAX_AGE
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
        except OSError:  # another request or process removed it first
            pass
    return folder


def get_model(name: str) -> nn.Module:
    """A shipped model, loaded once per process and shared (read-only) by every request."""
    try:
        return cached_pretrained(name, pick_device())
    except WeightsError as err:  # not cached, so a repaired file is picked up by the next request
        log.error("cannot load %s: %s", name, err)  # the full story for the operator, the gist for the user
        raise gr.Error(f"The {name} model cannot be loaded: {without_server_paths(str(err))}. Reinstall its weights "
                       f"(git checkout weights/{name}) and try again; other models keep working.") from err


def check_dataset(name) -> str:
    if name not in DATASETS:
        raise gr.Error(f"Unknown dataset {name!r}. Choose one of: {', '.join(DATASETS)}.")
    return name


def _finite_number(value) -> bool:
    """A real, finite number (bools and strings are not)."""
    numeric = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    return numeric and math.isfinite(value)


def check_int(value, label: str, low: int, high: int) -> int:
    """An integer in [low, high]; anything else (NaN, 2.5, '7', 10**9) gets a clear gr.Error."""
    if not _finite_number(value) or value != int(value):
        raise gr.Error(f"{label} must be a whole number between {low} and {high}, got {value!r}.")
    if not low <= int(value) <= high:
        raise gr.Error(f"{label} must be between {low} and {high}, got {int(value)}.")
    return int(value)


def check_float(value, label: str, low: float, high: float) -> float:
    """A finite number in [low, high], or a clear gr.Error."""
    if not _finite_number(value) or not low <= value <= high:
        raise gr.Error(f"{label} must be a number between {low} and {high}, got {value!r}.")
    return float(value)


def theme() -> gr.themes.Base:
    """Gradio's Soft theme with text that meets WCAG AA contrast (4.5:1) everywhere the theme draws it. Measured
    with axe-core in Chromium, Soft's block labels (indigo 500 on indigo 100) were 3.62:1, its grey info text and
    footer (grey 400 on white) 2.53:1, and white on its indigo 500 buttons and selected radios 4.46:1: one step or
    two darker each, the page keeps its look."""
    return gr.themes.Soft().set(
        block_label_text_color="*primary_800", block_title_text_color="*primary_800",
        block_info_text_color="*neutral_600", body_text_color_subdued="*neutral_600",
        input_placeholder_color="*neutral_500", color_accent="*primary_600",
        button_primary_background_fill="*primary_600", button_primary_background_fill_hover="*primary_700",
        checkbox_label_background_fill_selected="*primary_600", slider_color="*primary_600",
    )


def display(image: np.ndarray, scale: int = DISPLAY_SCALE) -> np.ndarray:
    """uint8 (H, W) -> nearest-neighbour upscaled uint8 for crisp pixels in the browser."""
    return upscale(np.asarray(image, np.uint8), scale)
