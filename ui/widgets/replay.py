"""The live run's replay: its recorded pictures on a scrubber, with a cursor on the run's curves at each one's step."""
from __future__ import annotations

from gan_demo.live import GifFrames
from gan_demo.live.replay import curves_picture

from .scrubber import Chart, pack_frames

PICTURES = {"2d": "D(x) with the real (black) and generated (white ring) points",
            "images": "the samples of the same fixed noise"}


def replay_value(gif: GifFrames, records: list[dict], settings: dict) -> str | None:
    """The scrubber's value for a run's recorded frames (at most ``gif.cap``, evenly spread, as the GIF keeps them),
    or None before any frame. Made once, when the run stops or finishes."""
    if not gif.frames or not records:
        return None
    curves = curves_picture(records, settings["g_loss"])
    what, n = PICTURES[settings["mode"]], len(gif.frames)
    alts = [f"Frame {i + 1} of {n}, training step {step}: {what}" for i, step in enumerate(gif.steps)]
    chart = Chart(curves.image, "The run's curves against the step: losses and V(D, G), D(x) and D(G(z)), and the "
                  "generator's gradient norm; a vertical line marks the replayed step", curves.box, curves.steps,
                  gif.steps)
    return pack_frames(gif.frames, alts, [f"step {step}" for step in gif.steps], every_ms=150, chart=chart)
