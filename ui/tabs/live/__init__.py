"""The Live training tab: train a small GAN in the page and watch it approach the theory's equilibrium.

``layout.py`` lays it out and wires the events, ``handlers.py`` holds the handlers (each fills its outputs by
component), ``session.py`` what a browser session keeps of its run. The training is ``gan_demo.live``'s.
"""
from __future__ import annotations

from .handlers import LiveTab, live_threads, request_stop
from .layout import build

__all__ = ["LiveTab", "build", "live_threads", "request_stop"]
