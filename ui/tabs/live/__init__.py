"""The Live training tab: train a small GAN in the page and watch it approach the theory's equilibrium.

``layout.py`` lays it out and wires the events, ``handlers.py`` holds the handlers (each fills its outputs by
component), ``session.py`` what a browser session keeps of its run. The training is ``gan_demo.live``'s.
"""
from __future__ import annotations

from .handlers import LIVE_THREADS, TRAIN_CONCURRENCY, LiveTab, RunOutputs, request_stop
from .layout import build
from .session import PictureFiles, SessionRun

__all__ = ["LIVE_THREADS", "TRAIN_CONCURRENCY", "LiveTab", "PictureFiles", "RunOutputs", "SessionRun", "build",
           "request_stop"]
