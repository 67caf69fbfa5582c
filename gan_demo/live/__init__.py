"""Live GAN training for the browser tab (being regrouped: see run.py and views.py)."""
from __future__ import annotations

from .run import *  # noqa: F401,F403
from .run import MAX_SECONDS, PRESETS, Frame, LiveSettings, build_models, make_settings, settings_from_dict, stream  # noqa: F401
