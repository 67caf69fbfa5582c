"""Pictures drawn for the page itself: the DALL-E 2 pipeline as built here."""
from __future__ import annotations

from functools import cache

import numpy as np

BOXES = (  # (x, y, text, colour): the generation path on the top row, CLIP's training below
    (0.07, 0.72, "prompt\n\"a dark sneaker\"", "#ffffff"),
    (0.27, 0.72, "CLIP text\nencoder", "#dbeafe"),
    (0.47, 0.72, "prior\n(diffusion over\nembeddings)", "#fde68a"),
    (0.68, 0.72, "decoder\n(diffusion UNet,\nguidance)", "#fecaca"),
    (0.90, 0.72, "image\n28 x 28", "#ffffff"),
    (0.07, 0.22, "training image\n+ its caption", "#ffffff"),
    (0.27, 0.22, "CLIP image and\ntext encoders", "#dbeafe"),
    (0.52, 0.22, "contrastive loss:\nmatching pairs close", "#e5e7eb"),
)
ARROWS = ((0, 1, ""), (1, 2, "text emb."), (2, 3, "image emb."), (3, 4, ""), (5, 6, ""), (6, 7, ""))


def rendered(fig) -> np.ndarray:
    """A matplotlib figure, laid out tight, as an RGB array (H, W, 3); the figure is closed."""
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig.tight_layout()
    fig.canvas.draw()
    image = np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()
    plt.close(fig)
    return image


@cache
def pipeline_diagram() -> np.ndarray:
    """The text -> CLIP -> prior -> decoder -> image diagram as an RGB array (drawn once per process)."""
    import matplotlib  # noqa: PLC0415 - only the page build needs it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(10, 2.8), dpi=100)
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    for x, y, text, colour in BOXES:
        ax.text(x, y, text, ha="center", va="center", fontsize=9,
                bbox=dict(boxstyle="round,pad=0.5", facecolor=colour, edgecolor="#374151"))
    for a, b, label in ARROWS:
        (xa, ya, *_), (xb, yb, *_) = BOXES[a], BOXES[b]
        ax.annotate("", xy=(xb - 0.075, yb), xytext=(xa + 0.075, ya), arrowprops=dict(arrowstyle="->", lw=1.5))
        if label:
            ax.text((xa + xb) / 2, ya + 0.06, label, ha="center", fontsize=8, color="#374151")
    ax.annotate("", xy=(0.27, 0.55), xytext=(0.27, 0.38), arrowprops=dict(arrowstyle="->", lw=1.2, ls="--"))
    ax.text(0.29, 0.46, "trained first, then frozen", fontsize=8, color="#374151")
    ax.text(0.76, 0.22, "generation: top row, left to right\nDALL-E 2 (Ramesh et al., 2022), in miniature",
            ha="center", va="center", fontsize=8, color="#6b7280")
    return rendered(fig)


# each decoder and sampler of the sweep by name (the chart's legend, the decoder comparison's rows)
SAMPLER_NAMES = {"ddim": "DDPM decoder, DDIM", "euler": "flow-matching decoder, Euler",
                 "heun": "flow-matching decoder, Heun", "cgan": "conditional GAN"}
# the sweep's series: (evaluation key, legend, line style, marker); colours from palettes.CLASS_COLORS (Tol muted)
SWEEP_SERIES = tuple((key, SAMPLER_NAMES[key], style, marker)
                     for key, style, marker in (("ddim", "-", "o"), ("euler", "--", "s"), ("heun", ":", "^"),
                                                ("cgan", "", "*")))


def speed_quality_chart(results: list[dict], prefixes: tuple[str, ...] = ("text", "text_flow")) -> np.ndarray | None:
    """The speed-against-quality sweep of ``make evaluate`` (``<prefix>_sweep`` in each dataset's result): the
    prompted-class share and the Frechet distance against network evaluations per image (log scale), one column per
    dataset, each series told apart by line style, marker and (where the curves part) a label at its end, not by
    colour alone. None when no
    result has a sweep."""
    from gan_demo.data import dataset_info  # noqa: PLC0415
    from gan_demo.palettes import CLASS_COLORS  # noqa: PLC0415

    swept = [r for r in results if any(f"{p}_sweep" in r for p in prefixes)]
    if not swept:
        return None
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415
    from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter  # noqa: PLC0415

    fig, axes = plt.subplots(2, len(swept), figsize=(6 * len(swept), 7), dpi=100, squeeze=False)
    for col, r in enumerate(swept):
        series = {}
        for prefix in prefixes:
            series |= r.get(f"{prefix}_sweep", {})
        for row, (key, label) in enumerate((("agreement", "judged the prompted class (%)"),
                                            ("fd", "Frechet distance (log; lower is better)"))):
            ax = axes[row][col]
            for i, (name, legend, style, marker) in enumerate(SWEEP_SERIES):
                if name not in series:
                    continue
                xs = [p["evaluations"] for p in series[name]]
                ys = [100 * p[key] if key == "agreement" else p[key] for p in series[name]]
                ax.plot(xs, ys, linestyle=style or "none", marker=marker, markersize=12 if marker == "*" else 7,
                        linewidth=2.5, color=CLASS_COLORS[[0, 6, 3, 7][i]], label=legend)
                if key == "fd":  # where the curves part (above, they all end near 100%: the legend names them)
                    ax.annotate(legend.split(",")[-1].strip(), (xs[-1], ys[-1]), textcoords="offset points",
                                xytext=(7, (-12, 2, 12, -16)[i]), fontsize=10)  # each series' label a line apart
            ax.set_xscale("log", base=2)
            ax.set_xlim(0.7, 2.8 * ax.get_xlim()[1])  # room for the end labels inside the axes
            if key == "fd":  # ticks at 1, 2, 3 and 5 times powers of ten, written plainly (20, 50, 100, not 2 x 10^1)
                ax.set_yscale("log")
                ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 3, 5)))
                ax.yaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
                ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_xlabel("network evaluations per image (log scale)", fontsize=11)
            ax.set_ylabel(label, fontsize=11)
            ax.grid(True, alpha=0.3)
            if row == 0:
                ax.set_title(f"{dataset_info(r['dataset']).title}: {r.get('text_sweep_n', '')} class-prompted "
                             "images per point", fontsize=12)
        axes[0][col].legend(fontsize=9, loc="lower right")
    return rendered(fig)
