"""The live tab's two plots as the long tables gr.LinePlot draws: losses and V(D, G) against the theory, and
what D says, with the equilibrium levels as faint reference lines. Pure numpy/pandas, no gradio.

The tab rebuilds both tables from the whole history every frame, so they are cheap to make, thinned to a few
hundred points, and grow only at their end (Gradio sends each streamed update as a diff against the last).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..evaluation.metrics import LOG2
from .frame import RECORD_COLUMNS

SERIES = {
    "value": "V(D, G)",
    "theory": "2 JSD - 2 log 2 (theory)",
    "loss_d": "D loss (summed BCE)",
    "loss_g_ns": "G loss -log D(G(z))",
    "loss_g_mm": "G loss log(1 - D(G(z)))",
    "ref_value": "-2 log 2 (V optimum)",
    "ref_loss_d": "2 log 2 (D loss optimum)",
    "ref_loss_g_ns": "log 2 (G loss optimum)",
    "ref_loss_g_mm": "-log 2 (G loss optimum)",
    "d_real": "D(x), real",
    "d_fake": "D(G(z)), generated",
    "ref_half": "1/2 (optimum)",
    "grad_g": "log10 gradient norm of G",
}
# Okabe and Ito's colour-blind-safe palette: D (vermilion) and G (bluish green) stay apart for red-green colour
# blindness, where the old red and green did not; ui/style.css also dashes G's and the reference lines.
COLORS = {
    SERIES["value"]: "#0072b2", SERIES["theory"]: "#cc79a7", SERIES["loss_d"]: "#d55e00",
    SERIES["loss_g_ns"]: "#009e73", SERIES["loss_g_mm"]: "#009e73",
    SERIES["ref_value"]: "#56b4e9", SERIES["ref_loss_d"]: "#e69f00", SERIES["ref_loss_g_ns"]: "#7fcdb6",
    SERIES["ref_loss_g_mm"]: "#7fcdb6", SERIES["d_real"]: "#d55e00", SERIES["d_fake"]: "#009e73",
    SERIES["ref_half"]: "#999999", SERIES["grad_g"]: "#009e73",
}
# ... and line styles, so no curve is told apart by colour alone (SVG stroke-dasharray; "none" is solid): the
# generator's curves dashed, the theory dotted, the optima (the faint reference lines) finely dashed. The page draws
# each legend entry as a piece of its line (ui/plot_lines.py).
DASHES = {name: "9 4" if key in ("loss_g_ns", "loss_g_mm", "d_fake", "grad_g") else
          "2 3" if key == "theory" else "4 4" if key.startswith("ref_") else "none" for key, name in SERIES.items()}


# Every series each plot may draw. Gradio's LinePlot fixes its colour scale (and legend) to the series of the value
# it first draws and keeps them while later values stream in: a series missing then would be drawn without a colour,
# invisible. So every table carries all of its plot's series, those with no points as one empty (NaN) row.
LOSS_SERIES = [SERIES[k] for k in ("value", "theory", "loss_d", "loss_g_ns", "loss_g_mm", "ref_value", "ref_loss_d",
                                   "ref_loss_g_ns", "ref_loss_g_mm")]
D_SERIES = [SERIES[k] for k in ("d_real", "d_fake", "ref_half")]
GRAD_SERIES = [SERIES["grad_g"]]


def history_columns(records: list[dict]) -> dict[str, np.ndarray]:
    """The record columns as arrays, plus ``theory_step``/``theory`` for the records that carry the estimate.

    Plain arrays rather than a DataFrame: the tab rebuilds its plot tables from the whole history every frame.
    """
    n = len(records)
    cols = {key: np.fromiter((r[key] for r in records), np.float64, n) for key in RECORD_COLUMNS}
    cols["step"] = cols["step"].astype(np.int64)
    known = [r for r in records if r.get("theory") is not None]
    cols["theory_step"] = np.fromiter((r["step"] for r in known), np.int64, len(known))
    cols["theory"] = np.fromiter((r["theory"] for r in known), np.float64, len(known))
    return cols


def smooth(values: np.ndarray, smoothing: float) -> np.ndarray:
    """Exponential moving average with weight ``smoothing`` on the past (0 = raw)."""
    if smoothing <= 0 or len(values) == 0:
        return values
    out = np.empty_like(values, dtype=np.float64)
    acc = values[0]
    for i, v in enumerate(values):
        acc = smoothing * acc + (1 - smoothing) * v
        out[i] = acc
    return out


def thin(steps: np.ndarray, values: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Every k-th point and the last, k the smallest power of two that keeps at most ``max_points``.

    A power-of-two stride keeps the same points from one frame to the next (until k doubles), so a
    streamed plot only gains points at its end: Gradio sends each update as a diff against the previous one,
    and a table whose every row shifts costs more to diff and send than to send whole.
    """
    if len(steps) <= max_points:
        return steps, values
    stride = 1 << math.ceil(math.log2(len(steps) / (max_points - 1)))
    idx = np.append(np.arange(0, len(steps) - 1, stride), len(steps) - 1)
    return steps[idx], values[idx]


def long_table(parts: list[tuple[str, np.ndarray, np.ndarray]], every: list[str]) -> pd.DataFrame:
    """[(series, steps, values)] -> the long format gr.LinePlot wants: step, value, series; each series of ``every``
    that has no points gets one row at step 0 with no value (see LOSS_SERIES).

    Rows are ordered by step (series in the given order within a step), so a growing run appends rows.
    """
    parts = [p for p in parts if len(p[1])]
    drawn = {name for name, _, _ in parts}
    parts = [(name, np.zeros(1, np.int64), np.full(1, np.nan)) for name in every if name not in drawn] + parts
    names = np.array([name for name, _, _ in parts] or [""], dtype=object)
    which = np.concatenate([np.full(len(s), i) for i, (_, s, _) in enumerate(parts)] or [np.array([], int)])
    steps = np.concatenate([s for _, s, _ in parts] or [np.array([])]).astype(np.int64)
    values = np.concatenate([v for _, _, v in parts] or [np.array([])]).astype(np.float64)
    order = np.argsort(steps, kind="stable")  # parts are concatenated in order, so ties keep the series order
    return pd.DataFrame({"step": steps[order], "value": values[order], "series": names[which[order]]})


def reference(name: str, level: float, steps: np.ndarray) -> tuple[str, np.ndarray, np.ndarray]:
    """A horizontal line across the run."""
    ends = np.array([steps[0], steps[-1]]) if len(steps) else np.array([], dtype=np.int64)
    return name, ends, np.full(len(ends), level)


def series(cols: dict[str, np.ndarray], column: str, smoothing: float, max_points: int, name: str):
    return (name, *thin(cols["step"], smooth(cols[column], smoothing), max_points))


def g_loss_tag(g_loss: str) -> str:
    """Which generator-loss series a run shows: 'mm' (minimax) or 'ns' (non-saturating)."""
    return "mm" if g_loss == "minimax" else "ns"


def loss_legend(g_loss: str, mode: str) -> list[str]:
    """The curves ``loss_table`` draws for such a run, without the reference lines (one legend row fits them).
    Only 2-D mode has the theory curve."""
    keys = ("value", "theory", "loss_d", f"loss_g_{g_loss_tag(g_loss)}")
    return [SERIES[k] for k in keys if k != "theory" or mode == "2d"]


def loss_table(cols: dict[str, np.ndarray], g_loss: str, smoothing: float = 0.0, max_points: int = 200) -> pd.DataFrame:
    """V, the theory curve 2 JSD - 2 log 2 (2-D), both losses and their equilibrium lines, from ``history_columns``."""
    steps = cols["step"]
    tag = g_loss_tag(g_loss)
    parts = [series(cols, "value", smoothing, max_points, SERIES["value"]),
             series(cols, "loss_d", smoothing, max_points, SERIES["loss_d"]),
             series(cols, "loss_g", smoothing, max_points, SERIES[f"loss_g_{tag}"]),
             (SERIES["theory"], *thin(cols["theory_step"], cols["theory"], max_points)),
             *loss_references(tag, steps)]
    return long_table(parts, LOSS_SERIES)


def loss_references(tag: str, steps: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The loss plot's equilibrium lines: V(D*, G) at p_g = p_r, and each loss there."""
    return [reference(SERIES["ref_value"], -2 * LOG2, steps), reference(SERIES["ref_loss_d"], 2 * LOG2, steps),
            reference(SERIES[f"ref_loss_g_{tag}"], LOG2 if tag == "ns" else -LOG2, steps)]


def d_table(cols: dict[str, np.ndarray], smoothing: float = 0.0, max_points: int = 200) -> pd.DataFrame:
    """D(x) and D(G(z)) with the line at 1/2, from ``history_columns``."""
    return long_table([series(cols, "d_real", smoothing, max_points, SERIES["d_real"]),
                       series(cols, "d_fake", smoothing, max_points, SERIES["d_fake"]),
                       reference(SERIES["ref_half"], 0.5, cols["step"])], D_SERIES)


def grad_table(cols: dict[str, np.ndarray], smoothing: float = 0.0, max_points: int = 200) -> pd.DataFrame:
    """log10 of the generator's gradient norm at each step, from ``history_columns`` (a vanishing gradient
    drops by orders of magnitude, which only a log scale shows; smoothing averages the logs)."""
    cols = cols | {"log_grad_g": np.log10(np.maximum(cols["grad_g"], 1e-12))}
    return long_table([series(cols, "log_grad_g", smoothing, max_points, SERIES["grad_g"])], GRAD_SERIES)


def opening_tables(g_loss: str, steps: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three tables before any run: the equilibrium lines across the ``steps`` the run will take, so the plots
    open on the levels the curves should approach rather than on empty boxes. The gradient plot has no such level:
    it opens on its title and its step axis only (two rows with no value)."""
    ends = np.array([0, steps], dtype=np.int64)
    return (long_table(loss_references(g_loss_tag(g_loss), ends), LOSS_SERIES),
            long_table([reference(SERIES["ref_half"], 0.5, ends)], D_SERIES),
            long_table([(SERIES["grad_g"], ends, np.full(2, np.nan))], GRAD_SERIES))
