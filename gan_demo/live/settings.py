"""What the user chooses for one live run: the settings, their limits, the presets, and the one check of them.

Every way in (the ``/train`` API, the tab's Continue button, scripts) builds :class:`LiveSettings`, whose
``__post_init__`` checks each field and normalises what a browser sends: a slider sends 512.0 for 512, a
number box may send 1 for a learning rate. Anything else (NaN, infinity, True, '7', 2.5 steps, a value out of
range, an unknown name) is a ValueError that names the setting and what is allowed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from numbers import Real

from ..data import toy

MODES = ("2d", "images")
DATASETS = {"2d": tuple(toy.TOYS), "images": ("fashion", "mnist")}
G_LOSSES = ("minimax", "non-saturating")  # hinge has no D(x) probability, so the theory would not apply
OPTIMIZERS = ("adam", "sgd")
MAX_STEPS = {"2d": 5000, "images": 1000}
MAX_HIDDEN = {"2d": 512, "images": 64}
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


PRESETS: dict[str, Preset] = {
    "balanced": Preset(
        "Balanced", "Both players learn at the same pace: D(x) and D(G(z)) settle near 1/2 and V(D, G) near -2 log 2.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=1e-3, lr_g=1e-3, batch_size=512),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=2e-4, lr_g=2e-4, batch_size=64)}),
    "mode-collapse": Preset(
        "Mode collapse", "The generator learns 5x faster than the discriminator and piles its points onto a few modes: "
        "D sits near 1/2, yet the JSD stays high.",
        {"2d": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=2e-4, lr_g=1e-3, batch_size=512),
         "images": dict(k_disc=1, g_loss="non-saturating", optimizer="adam", lr_d=5e-5, lr_g=1e-3, batch_size=64)}),
    "strong-discriminator": Preset(
        "Discriminator too strong", "Five fast D steps per G step with the minimax loss: D(G(z)) drops to 0, where "
        "log(1 - D(G(z))) is flat, so the generator gets no gradient and stops learning.",
        {"2d": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=2e-3, lr_g=1e-4),
         "images": dict(k_disc=5, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=1e-4)}),
    "diverging-lr": Preset(
        "Learning rate too large", "Plain SGD with learning rate 1: the weights explode within a few steps and a loss "
        "becomes NaN. The run stops with a message.",
        {"2d": dict(optimizer="sgd", lr_d=1.0, lr_g=1.0), "images": dict(optimizer="sgd", lr_d=1.0, lr_g=1.0)}),
}
PRESET_NAMES = ("custom", *PRESETS)


@dataclass
class LiveSettings:
    """Everything the user chooses for one live run (the API's ``/train`` arguments minus ``preset``)."""

    mode: str = "2d"
    dataset: str = "ring"
    k_disc: int = 1
    g_loss: str = "non-saturating"
    optimizer: str = "adam"
    lr_d: float = 1e-3
    lr_g: float = 1e-3
    batch_size: int = 512
    latent_dim: int = 2
    hidden: int = 128  # MLP width in 2-D mode, DCGAN base channel width in image mode
    steps: int = 1500
    seed: int = 0

    def __post_init__(self):
        for f in fields(self):  # in the API's order, so the first bad value is the one reported
            setattr(self, f.name, check_value(f.name, getattr(self, f.name), self.mode))


# -- the one check ----------------------------------------------------------------------------------
def _bad(name: str, value, allowed: str) -> ValueError:
    return ValueError(f"{name}={value!r} is not allowed: {allowed}.")


def _one_of(choices) -> str:
    return "one of " + ", ".join(choices)


def _number(value) -> bool:
    """A real, finite number: not a bool, not a string, not NaN or infinity."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


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
        if value not in DATASETS[mode]:
            raise _bad(name, value, f"choose a dataset for {mode} mode, {_one_of(DATASETS[mode])}")
        return value
    if name in ("g_loss", "optimizer"):
        choices = G_LOSSES if name == "g_loss" else OPTIMIZERS
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
def mode_defaults(mode: str) -> dict:
    """Model-size defaults that suit each mode; the optimiser settings come from the balanced preset."""
    sizes = {"2d": dict(dataset="ring", latent_dim=2, hidden=128, steps=1500),
             "images": dict(dataset="fashion", latent_dim=64, hidden=16, steps=300)}
    if mode not in sizes:
        raise _bad("mode", mode, "choose " + _one_of(MODES))
    return dict(mode=mode, **sizes[mode], **PRESETS["balanced"].settings[mode])


def with_preset(settings: LiveSettings, preset: str) -> LiveSettings:
    """``settings`` with the fields ``preset`` is about overwritten; 'custom' changes nothing."""
    if check_preset(preset) == "custom":
        return settings
    return replace(settings, **PRESETS[preset].settings[settings.mode])


def make_settings(preset: str = "custom", **values) -> LiveSettings:
    """Settings from named values with ``preset``'s fields filled in (what ``/train`` receives), as in the page.

    - The API's defaults are the page's 2-D values. In another mode, a setting left at its 2-D default takes that
      mode's default, as choosing the mode in the page does (``mode="images"`` alone is the page's image run).
    - A preset fills in every setting it is about for the chosen mode. A value it replaces must still be a valid
      value of some mode (a NaN sent by a script is an error, not silently overwritten).
    """
    check_preset(preset)
    mode = check_value("mode", values.get("mode", "2d"))
    if mode != "2d":
        page, own = mode_defaults("2d"), mode_defaults(mode)
        values = {k: own[k] if k != "mode" and k in own and _unchanged(v, page.get(k)) else v for k, v in values.items()}
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
