"""The "What came next" tab: DALL-E 2 in miniature (CLIP, a diffusion prior, a diffusion decoder), beside the GANs.

``layout.py`` lays it out and wires the events, ``handlers.py`` holds one handler per named endpoint,
``inputs.py`` checks what they are given, ``texts.py`` writes the explanation and the tables. The models are
``gan_demo.families.text``'s and ``gan_demo.families.clip``'s.
"""
from __future__ import annotations

from .handlers import (
    clip_retrieve,
    clip_scores,
    gan_vs_diffusion,
    guidance_sweep,
    image_variations,
    on_dataset,
    rescore,
    text_to_image,
)
from .layout import CONCURRENCY, build
from .texts import comparison_table, known_words, self_checks, tuned_scales

__all__ = ["CONCURRENCY", "build", "clip_retrieve", "clip_scores", "comparison_table", "gan_vs_diffusion",
           "guidance_sweep", "image_variations", "known_words", "on_dataset", "rescore", "self_checks",
           "text_to_image", "tuned_scales"]
