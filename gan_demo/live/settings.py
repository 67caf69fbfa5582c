"""What the user chooses for one live run: the settings, their limits, the presets, and the one check of them.

Every way in (the ``/train`` API, the tab's Continue button, scripts) builds :class:`LiveSettings`, whose
``__post_init__`` checks each field and normalises what a browser sends: a slider sends 512.0 for 512, a
number box may send 1 for a learning rate. Anything else (NaN, infinity, True, '7', 2.5 steps, a value out of
range, an unknown name) is a ValueError that names the setting and what is allowed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from numbers import Real

from ..data import toy
from ..data.drawn import registered

MODES = ("2d", "images")
DATASETS = {"2d": tuple(toy.TOYS), "images": ("fashion", "mnist")}
G_LOSSES = ("minimax", "non-saturating")  # hinge has no D(x) probability, so the theory would not apply
OPTIMIZERS = ("adam", "sgd")
MODELS = {"2d": ("mlp",), "images": ("mlp", "dcgan")}  # a fully connected GAN, or (images) a small DCGAN
G_INITS = ("default", "far")  # far: G's output layer starts at zero, so every generated point starts in one spot
MAX_STEPS = {"2d": 5000, "images": 5000}
MAX_HIDDEN = {"2d": 512, "images": 512}
MAX_DCGAN_WIDTH = 64  # the DCGAN's base channel width: wider would take minutes per frame on a CPU
MAX_BATCH = {"2d": 1024, "images": 256}
LIMITS = dict(k_disc=(1, 10), lr=(1e-5, 10.0), batch_size=(8, 1024), latent_dim=(1, 128), hidden=(8, 512),
              steps=(1, 5000), seed=(0, 2**31 - 1))
WHOLE = ("k_disc", "batch_size", "latent_dim", "hidden", "steps", "seed")  # the counts, in the API's order
RATES = ("lr_d", "lr_g")
PER_MODE = dict(batch_size=MAX_BATCH, hidden=MAX_HIDDEN, steps=MAX_STEPS)  # upper limits that depend on the mode


@dataclass
class Preset:
    """Settings that demonstrate one phenomenon; ``settings`` holds only the fields it is about, per mode."""

    title: str
    about: str
    settings: dict[str, dict]


PLAIN = dict(g_init="default")  # every preset but disjoint-supports starts G as usual

PRESETS: dict[str, Preset] = {
    "balanced": Preset(
        "Balanced", "Neither player runs away: D(x) and D(G(z)) settle near 1/2 and V(D, G) near -2 log 2. In 2-D, D "
        "takes two steps per G step at twice G's learning rate, which keeps it near D*, so the minimax game as "
        "written converges: on the ring all 8 modes are covered and the JSD falls to about 0.1 nats.",
        {"2d": dict(k_disc=2, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=5e-4, batch_size=512, **PLAIN),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=1e-3, lr_g=1e-3, batch_size=64,
                        **PLAIN)}),
    "optimal-d": Preset(
        "Optimal discriminator", "Five D steps per G step keep D close to the best D* = p_r / (p_r + p_g) for the "
        "current G, so V(D, G) lies on V(D*, G) = 2 JSD - 2 log 2 as the theorem says: the two curves meet. With D "
        "(nearly) optimal, each minimax G step is a step down the JSD itself, and both curves fall together. (The "
        "theory curve needs the densities, so it is drawn in 2-D only; on images, D this strong tends to win.)",
        {"2d": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=2.5e-4, batch_size=512, **PLAIN),
         "images": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=2.5e-4, batch_size=64, **PLAIN)}),
    "lazy-discriminator": Preset(
        "Discriminator not optimal", "D learns far slower than G (100x in 2-D, 20x on images), so it is far from "
        "D*: D(x) and D(G(z)) both sit near 1/2 and V(D, G) near -2 log 2, which looks like the equilibrium, yet "
        "2 JSD - 2 log 2 stays well above it and the points miss the data (on images, the samples settle on a few "
        "digits or garments). V(D, G) <= V(D*, G) always; the gap is what D has not learned, and in practice (a few "
        "steps, a small network) it is never zero.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=1e-5, lr_g=1e-3, batch_size=512, **PLAIN),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=1e-5, lr_g=2e-4, batch_size=64,
                        **PLAIN)}),
    "disjoint-supports": Preset(
        "Disjoint supports", "G starts with all its points in one spot, away from the data. D separates the two "
        "perfectly, so D* is 1 on the data and 0 on the points, JSD = log 2 whatever the distance, and "
        "V(D*, G) = 2 log 2 - 2 log 2 = 0 is flat: with the minimax loss log(1 - D(G(z))) the generator gets "
        "(almost) no gradient and never moves (plain SGD, so nothing rescales the tiny gradient). Switch g_loss to "
        "non-saturating and Start again: -log D(G(z)) still has a gradient there, and the points move.",
        {"2d": dict(k_disc=5, g_loss="minimax", optimizer="sgd", lr_d=0.1, lr_g=0.02, batch_size=512, g_init="far"),
         "images": dict(k_disc=5, g_loss="minimax", optimizer="sgd", lr_d=0.05, lr_g=0.02, batch_size=64,
                        g_init="far")}),
    "oscillation": Preset(
        "Non-convergence", "Plain gradient steps at a large learning rate: each player's step changes the other's "
        "landscape, so the pair circles the equilibrium instead of settling on it (on V = xy, gradient steps spiral "
        "outwards). D(G(z)) keeps swinging, and the generated points hop from mode to mode.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="sgd", lr_d=0.05, lr_g=0.05, batch_size=512, **PLAIN),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="sgd", lr_d=0.05, lr_g=0.05, batch_size=64,
                        **PLAIN)}),
    "mode-collapse": Preset(
        "Mode collapse", "The generator learns much faster than the discriminator (5x in 2-D, 20x on images) and piles "
        "its points onto a few modes: D sits near 1/2, yet the JSD stays high (on images, the classifier sees only a "
        "few classes).",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=2e-4, lr_g=1e-3, batch_size=512, **PLAIN),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=5e-5, lr_g=1e-3, batch_size=64,
                        **PLAIN)}),
    "strong-discriminator": Preset(
        "Discriminator too strong", "Five fast D steps per G step with the minimax loss: D(G(z)) drops to 0, where "
        "log(1 - D(G(z))) is flat, so the generator gets (almost) no gradient. In 2-D it stops learning; on images "
        "it is stuck at first, then escapes onto one kind of sample that fools D (mode collapse).",
        {"2d": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=2e-3, lr_g=1e-4, **PLAIN),
         "images": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=1e-4, **PLAIN)}),
    "diverging-lr": Preset(
        "Learning rate too large", "Plain SGD with learning rate 1: the weights explode within a few steps and a loss "
        "becomes NaN. The run stops with a message.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="sgd", lr_d=1.0, lr_g=1.0, **PLAIN),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="sgd", lr_d=1.0, lr_g=1.0, **PLAIN)}),
}
PRESET_NAMES = ("custom", *PRESETS)


@dataclass
class LiveSettings:
    """Everything the user chooses for one live run (the API's ``/train`` arguments minus ``preset``)."""

    mode: str = "2d"  # the defaults are the page's: the 2-D ring with the balanced preset (mode_defaults("2d"))
    dataset: str = "ring"
    k_disc: int = 2
    g_loss: str = "minimax"
    optimizer: str = "adam"
    lr_d: float = 1e-3
    lr_g: float = 5e-4
    batch_size: int = 512
    latent_dim: int = 2
    hidden: int = 128  # MLP width, or the DCGAN's base channel width
    steps: int = 3000
    seed: int = 0
    model: str = "mlp"
    g_init: str = "default"

    def __post_init__(self):
        for f in fields(self):  # in the API's order, so the first bad value is the one reported
            setattr(self, f.name, check_value(f.name, getattr(self, f.name), self.mode))
        if self.model == "dcgan" and self.hidden > MAX_DCGAN_WIDTH:
            raise _bad("hidden", self.hidden, f"a whole number between {LIMITS['hidden'][0]} and {MAX_DCGAN_WIDTH} "
                       "for the DCGAN (its base channel width)")


# -- the one check ----------------------------------------------------------------------------------
def _bad(name: str, value, allowed: str) -> ValueError:
    return ValueError(f"{name}={value!r} is not allowed: {allowed}.")


def _one_of(choices) -> str:
    return "one of " + ", ".join(choices)


def _number(value) -> bool:
    """A real, finite number: not a bool, not a string, not NaN or infinity."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def is_drawn(value) -> bool:
    """A drawing registered in this process (its name is what ``gan_demo.data.drawn.register`` returned)."""
    return isinstance(value, str) and registered(value) is not None


def check_value(name: str, value, mode: str = "2d"):
    """``value`` for setting ``name`` in ``mode``, normalised (512.0 -> 512 for a count, 1 -> 1.0 for a rate),
    or a ValueError that names the setting and what is allowed."""
    if name == "mode":
        if value not in MODES:
            raise _bad(name, value, "choose " + _one_of(MODES))
        return value
    if mode not in MODES:  # ``mode`` itself is checked first; this guards direct calls
        raise _bad("mode", mode, "choose " + _one_of(MODES))
    if name == "dataset":
        if value not in DATASETS[mode] and not (mode == "2d" and is_drawn(value)):
            drawing = " or a registered drawing (drawn-...)" if mode == "2d" else ""
            raise _bad(name, value, f"choose a dataset for {mode} mode, {_one_of(DATASETS[mode])}{drawing}")
        return value
    if name == "model":
        if value not in MODELS[mode]:
            raise _bad(name, value, f"choose a model for {mode} mode, {_one_of(MODELS[mode])}")
        return value
    if name in ("g_loss", "optimizer", "g_init"):
        choices = dict(g_loss=G_LOSSES, optimizer=OPTIMIZERS, g_init=G_INITS)[name]
        if value not in choices:
            raise _bad(name, value, "choose " + _one_of(choices))
        return value
    if name in RATES:
        low, high = LIMITS["lr"]
        if not _number(value) or not low <= value <= high:
            raise _bad(name, value, f"a learning rate between {low} and {high}")
        return float(value)
    if name in WHOLE:
        low, high = LIMITS[name][0], PER_MODE[name][mode] if name in PER_MODE else LIMITS[name][1]
        if not _number(value) or value != int(value) or not low <= value <= high:
            where = f" in {mode} mode" if name in PER_MODE else ""
            raise _bad(name, value, f"a whole number between {low} and {high}{where}")
        return int(value)
    raise TypeError(f"LiveSettings has no setting {name!r}")


def check_preset(preset) -> str:
    if preset not in PRESET_NAMES:
        raise _bad("preset", preset, "choose " + _one_of(PRESET_NAMES))
    return preset


# -- building settings ------------------------------------------------------------------------------
# Model sizes and run lengths that suit each mode and model. Image mode's default is the fully connected GAN on
# MNIST digits: on one CPU thread it shows recognisable digits within a minute (scripts/bench_live_images.py
# measures it); the DCGAN is about ten times slower per step.
SIZES = {("2d", "mlp"): dict(dataset="ring", latent_dim=2, hidden=128, steps=3000),
         ("images", "mlp"): dict(dataset="mnist", latent_dim=64, hidden=128, steps=3500),
         ("images", "dcgan"): dict(dataset="mnist", latent_dim=64, hidden=16, steps=300)}


def mode_defaults(mode: str, model: str | None = None) -> dict:
    """Model-size defaults that suit ``mode`` and ``model`` (default: the mode's first model); the optimiser
    settings come from the balanced preset."""
    if mode not in MODES:
        raise _bad("mode", mode, "choose " + _one_of(MODES))
    model = model if model in MODELS[mode] else MODELS[mode][0]
    return dict(mode=mode, model=model, **SIZES[mode, model], **PRESETS["balanced"].settings[mode])


def make_settings(preset: str = "custom", **values) -> LiveSettings:
    """Settings from named values with ``preset``'s fields filled in (what ``/train`` receives), as in the page.

    - The API's defaults are the page's 2-D values. In another mode or model, a setting left at its 2-D default
      takes that mode's and model's default, as choosing them in the page does (``mode="images"`` alone is the
      page's image run, ``mode="images", model="dcgan"`` the page's DCGAN run).
    - A preset fills in every setting it is about for the chosen mode. A value it replaces must still be a valid
      value of some mode (a NaN sent by a script is an error, not silently overwritten).
    """
    check_preset(preset)
    mode = check_value("mode", values.get("mode", "2d"))
    if mode != "2d" or values.get("model", "mlp") != "mlp":
        page, own = mode_defaults("2d"), mode_defaults(mode, values.get("model"))
        values = {k: own[k] if k != "mode" and k in own and _unchanged(v, page.get(k)) else v for k, v in values.items()}
        values = {**own, **values}  # a setting not given at all is the mode's default too
    replaced = PRESETS[preset].settings[mode] if preset != "custom" else {}
    for name, value in values.items():
        if name == "mode":
            continue
        if name not in replaced:
            check_value(name, value, mode)
            continue
        errors = []
        for any_mode in (mode, *(m for m in MODES if m != mode)):
            try:
                check_value(name, value, any_mode)
                break
            except ValueError as err:
                errors.append(err)
        else:
            raise errors[0]
    return LiveSettings(**{**values, **replaced})


def _unchanged(value, default) -> bool:
    """``value`` is the page's 2-D default (NaN never is: it is reported, not replaced)."""
    return default is not None and type(value) in (type(default), int, float) and value == default


def settings_from_dict(values: dict) -> LiveSettings:
    """Rebuild settings saved with ``asdict`` (e.g. in a session state), ignoring unknown keys."""
    names = {f.name for f in fields(LiveSettings)}
    return LiveSettings(**{k: v for k, v in values.items() if k in names})
