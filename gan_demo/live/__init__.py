"""Live GAN training for the browser tab: settings, one run streamed as frames, and what the tab shows of it.

- :mod:`.settings`: :class:`LiveSettings`, presets, limits and the one check of every setting;
- :mod:`.run`: :func:`stream`, a generator of :class:`Frame` over a :class:`LiveRun` (the run's named state), and
  :func:`opening`, the frame of step 0;
- :mod:`.trainer`: the models and the shared GANTrainer of a run; :mod:`.views` and :mod:`.pictures`: the 2-D
  grid quantities and maps, the image grid and its classes; :mod:`.diagnostics`: plain-words health notes;
- :mod:`.plots`: the tables the tab's plots draw; :mod:`.export`: the CSV, the generator and the GIF.

No gradio here: ``ui/tabs/live`` lays out the tab and draws the frames.
"""
from __future__ import annotations

from .diagnostics import collapse_note
from .export import GifFrames, export_run, history_csv, records_frame
from .frame import Frame
from .plots import (
    COLORS,
    D_SERIES,
    GRAD_SERIES,
    LOSS_SERIES,
    SERIES,
    d_table,
    grad_table,
    history_columns,
    loss_legend,
    loss_table,
    opening_tables,
)
from .run import LiveRun, default_max_seconds, opening, stream
from .settings import (
    DATASETS,
    G_LOSSES,
    LIMITS,
    MAX_BATCH,
    MAX_DCGAN_WIDTH,
    MAX_HIDDEN,
    MAX_STEPS,
    MODELS,
    MODES,
    PRESETS,
    LiveSettings,
    make_settings,
    mode_defaults,
    settings_from_dict,
)
from .trainer import build_models, build_trainer
from .views import GRID_LIM, GRID_N, ImageViews, binned_kde

__all__ = [
    "COLORS", "DATASETS", "D_SERIES", "GRAD_SERIES", "GRID_LIM", "GRID_N", "G_LOSSES", "LIMITS",
    "LOSS_SERIES", "MAX_BATCH", "MAX_DCGAN_WIDTH", "MAX_HIDDEN", "MAX_STEPS", "MODELS", "MODES",
    "PRESETS",
    "SERIES", "Frame", "GifFrames", "ImageViews", "LiveRun", "LiveSettings",
    "binned_kde", "build_models", "build_trainer", "collapse_note", "d_table", "default_max_seconds",
    "export_run", "grad_table", "history_columns", "history_csv", "loss_legend",
    "loss_table", "make_settings", "mode_defaults", "opening", "opening_tables", "records_frame", "settings_from_dict",
    "stream",
]
