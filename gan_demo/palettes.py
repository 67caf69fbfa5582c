"""Colour-blind-safe colours for the app's pictures, with the reasons, in one place.

About one man in twelve sees red and green as one colour (deuteranomaly and protanomaly are the common kinds), so
no picture here tells two things apart by red against green alone, and each one has a second cue: a shape, a fill,
a label written on the picture.
"""
from __future__ import annotations

# D(x) and D*(x) maps: ColorBrewer's 5-class PuOr, a diverging scheme ColorBrewer marks colour-blind safe. Purple
# (D = 0, "fake") and orange (D = 1, "real") lie on the blue-yellow axis that red-green colour blindness keeps,
# and both ends are darker than the near-white middle, D = 1/2, where a discriminator cannot tell.
D_RAMP = ((94, 60, 153), (178, 171, 210), (247, 247, 247), (253, 184, 99), (230, 97, 1))

# Classes on the latent maps: Paul Tol's "muted" scheme (9 colours for colour-blind viewers, plus its pale grey
# as a tenth). Ten colours are too many to name apart at a glance for anyone, so each class's name is also
# written on the map, at the middle of its points.
CLASS_COLORS = ("#332288", "#88ccee", "#44aa99", "#117733", "#999933", "#ddcc77", "#cc6677", "#882255", "#aa4499",
                "#bbbbbb")
