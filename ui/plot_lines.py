"""Line styles for the native plots, so no plot tells its curves apart by colour alone.

Gradio 6's LinePlot takes one colour per series but no line style, and its legend draws every series as a coloured
ring. One empty ``gr.HTML`` at the top of the page fixes both in the browser, from the dash tables of the pure
package (``gan_demo.live.plots.DASHES`` and the diffusion run's): a style sheet dashes each line, which Vega names
by its series (``aria-label`` ending in ``series: D(G(z)), generated``), and a script redraws each legend entry as
a short piece of its line, dashed like it (dashes 0.6 times as long, so two fit). Vega redraws a legend when a
streamed update changes it, so the script watches the page and mends the entries again (only those not yet
mended, so it settles at once).
"""
from __future__ import annotations

import json

import gradio as gr
import numpy as np
import pandas as pd

from gan_demo.live.diffusion.plots import COLORS as DIFFUSION_COLORS
from gan_demo.live.diffusion.plots import DASHES as DIFFUSION_DASHES
from gan_demo.live.plots import COLORS as GAN_COLORS
from gan_demo.live.plots import DASHES as GAN_DASHES
from ui.diagrams import rendered

DASHES = {**GAN_DASHES, **DIFFUSION_DASHES}  # series -> SVG stroke-dasharray ("none": solid)
COLORS = {**GAN_COLORS, **DIFFUSION_COLORS}
SYMBOL = "M-7,0H7"  # a legend entry's line: 14 px, centred where Vega centres its ring


def script(dashes: dict[str, str] = DASHES) -> str:
    """The ``js_on_load``: a style sheet dashing each line by its series name, and an observer that keeps every
    legend entry of a known series drawn as a piece of its line. Written compact: it travels in the page's config,
    which has a weight budget (tests/test_page_weight.py)."""
    return (
        "if(!window.ganDemoPlotLines){window.ganDemoPlotLines=1;"
        f"const D={json.dumps(dashes, separators=(',', ':'))},s=document.createElement('style');"
        # the lines: one rule per dashed series, e.g. .mark-line path[aria-label$="series: D(G(z)), generated"]
        "s.textContent=Object.entries(D).filter(e=>e[1]!=='none')"
        ".map(([n,d])=>`.mark-line path[aria-label$=\"series: ${n}\"]{stroke-dasharray:${d}}`).join('');"
        "document.head.appendChild(s);let q=0;"
        # the legends: each entry's ring becomes a line, dashed like the series (dashes 0.6 times as long)
        "const m=()=>{q=0;for(const t of document.querySelectorAll('.role-legend-label text')){"
        "const d=D[t.textContent],p=t.closest('.role-legend-label')?.previousElementSibling?.querySelector('path');"
        f"if(d===undefined||!p||p.getAttribute('d')==='{SYMBOL}')continue;p.setAttribute('d','{SYMBOL}');"
        "p.setAttribute('stroke-width','2.5');p.setAttribute('fill','none');"
        "p.setAttribute('stroke-dasharray',d==='none'?'':d.split(' ').map(x=>(.6*x).toFixed(1)).join(' '))}};"
        # Vega redraws a legend when a streamed update changes it: mend again, once per frame at most
        "new MutationObserver(()=>{if(!q){q=1;requestAnimationFrame(m)}})"
        ".observe(document.body,{childList:true,subtree:true,attributes:true,attributeFilter:['d']})}"
    )


def plot_lines() -> gr.HTML:
    """The empty component that styles every native plot's lines and legends: place it once, outside the tabs."""
    return gr.HTML("", js_on_load=script(), elem_id="plot-lines", container=False, padding=False)


def table_of(value) -> pd.DataFrame | None:
    """A native plot's value as the page sends it back (Gradio's PlotData, or its dict) -> its long table."""
    if value is None:
        return None
    columns, rows = (value["columns"], value["data"]) if isinstance(value, dict) else (value.columns, value.data)
    return pd.DataFrame(rows, columns=columns)


def plot_picture(table: pd.DataFrame, plot: gr.LinePlot, dpi: int = 200) -> np.ndarray | None:
    """A line plot's table drawn again with matplotlib, its series in the page's colours and line styles, at
    ``dpi`` (200: twice the page's 600 x 300 pixels): what *Pictures as PNG* saves for a native plot, whose own
    export is Vega's. None when no series has a point."""
    import matplotlib  # noqa: PLC0415 - only a download draws it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    table = table.dropna(subset=[plot.y])
    if table.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3), dpi=dpi)
    for name, part in table.groupby(plot.color, sort=False):
        dash = DASHES.get(name, "none")
        style = "-" if dash == "none" else (0, tuple(float(d) / 2 for d in dash.split()))  # px -> points at 2x
        ax.plot(part[plot.x], part[plot.y], linestyle=style, linewidth=1.6, color=COLORS.get(name), label=name)
    ax.set_title(plot.title or "", fontsize=9)
    ax.set_xlabel(plot.x_title or plot.x, fontsize=8)
    ax.set_ylabel(plot.y_title or plot.y, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=6, loc="best", frameon=False)
    return rendered(fig)
