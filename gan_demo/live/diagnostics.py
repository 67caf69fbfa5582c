"""Plain-words diagnoses of a live run: a winning discriminator, mode collapse, the equilibrium reached."""
from __future__ import annotations

import numpy as np

from .settings import LiveSettings

SETTLED = 200  # steps before collapse and equilibrium are judged: every run starts far from both


def window_mean(records: list[dict], key: str) -> float:
    return float(np.mean([r[key] for r in records]))


def health(recent: list[dict], modes: tuple[int, int] | None, s: LiveSettings, step: int) -> list[str]:
    """Plain-words diagnoses from the last records (and the mode count in 2-D)."""
    d_real, d_fake = window_mean(recent, "d_real"), window_mean(recent, "d_fake")
    notes = []
    if d_fake < 0.1 and d_real > 0.9:
        why = ("With the minimax loss log(1 - D(G(z))) is flat there, so the generator gets almost no gradient: "
               "try g_loss non-saturating, fewer D steps (k_disc) or a smaller lr_d."
               if s.g_loss == "minimax" else "Try fewer D steps (k_disc) or a smaller lr_d.")
        notes.append(f"The discriminator is winning: it rejects almost every fake (D(G(z)) = {d_fake:.2f}, "
                     f"D(x) = {d_real:.2f}). {why}")
    if modes is not None and step >= SETTLED and modes[0] < modes[1] / 2:
        notes.append(f"Mode collapse: the generated points cover only {modes[0]} of {modes[1]} modes. "
                     "A generator that learns much faster than the discriminator tends to do this: "
                     "try lr_g equal to lr_d.")
    if not notes and step >= SETTLED and abs(d_real - 0.5) < 0.1 and abs(d_fake - 0.5) < 0.1:
        notes.append(f"Close to the equilibrium: D(x) = {d_real:.2f} and D(G(z)) = {d_fake:.2f} are both near 1/2.")
    return notes


def collapse_note(share: list[float], classes: tuple[str, ...] | list[str]) -> str | None:
    """A lopsided class histogram (one class over 40%, or fewer than half the classes seen) in plain words."""
    top = int(np.argmax(share))
    seen = sum(v > 0 for v in share)
    if share[top] > 0.4 or seen < len(share) / 2:
        return (f"Mode collapse: the classifier sees only {seen} of {len(share)} classes in the samples, and "
                f"{share[top]:.0%} of them look like '{classes[top]}'. Try lr_g equal to lr_d.")
    return None
