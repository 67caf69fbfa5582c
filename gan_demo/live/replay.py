"""What a finished (or stopped) run's replay shows besides its pictures: every curve of the run in one picture, and
where on it each step lies, so a cursor can follow the replayed frame without redrawing anything."""
from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from PIL import Image

from .plots import COLORS, d_table, grad_table, history_columns, loss_table


@dataclass
class Curves:
    image: np.ndarray  # RGB (H, W, 3)
    box: tuple[float, float, float, float]  # pixels: the axes' left and right, the top one's top, the bottom one's bottom
    steps: tuple[float, float]  # the step at the box's left and right edges


def curves_picture(records: list[dict], g_loss: str) -> Curves:
    """The losses, D's outputs and G's gradient norm of ``records``, three panels on one step axis (raw values, as
    the CSV keeps them)."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - only needed here; a bare Figure renders with Agg

    cols = history_columns(records)
    tables = (loss_table(cols, g_loss), d_table(cols), grad_table(cols))
    titles = ("losses and V(D, G), nats", "D(x) and D(G(z))", "log10 ||grad G||")
    fig = Figure(figsize=(6.4, 5.2), dpi=100)
    axes = fig.subplots(3, 1, sharex=True, gridspec_kw=dict(height_ratios=(2, 1.3, 1)))
    fig.subplots_adjust(left=0.1, right=0.7, top=0.95, bottom=0.09, hspace=0.3)
    for ax, table, title in zip(axes, tables, titles):
        _draw(ax, table)
        ax.set_title(title, fontsize=9, loc="left")
        ax.tick_params(labelsize=8)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=7, frameon=False)
    axes[-1].set_xlabel("step", fontsize=9)
    axes[0].set_xlim(int(cols["step"][0]), int(cols["step"][-1]) if len(cols["step"]) > 1 else 1)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    image = np.asarray(Image.open(buffer).convert("RGB"))
    h = image.shape[0]
    (x0, _, x1, y_top), (_, y_bottom, _, _) = axes[0].get_window_extent().extents, axes[-1].get_window_extent().extents
    return Curves(image, (x0, h - y_top, x1, h - y_bottom), axes[0].get_xlim())


def _draw(ax, table: pd.DataFrame) -> None:
    for name, rows in table.dropna().groupby("series", sort=False):
        reference = len(rows) == 2 and rows["value"].nunique() == 1  # an equilibrium line: dashed, thin
        ax.plot(rows["step"], rows["value"], color=COLORS.get(name, "#444444"), label=name,
                linewidth=0.8 if reference else 1.2, linestyle="--" if reference else "-")
