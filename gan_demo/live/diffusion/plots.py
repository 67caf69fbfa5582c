"""The diffusion run's plots as the long tables gr.LinePlot draws (step or seconds, value, series), thinned and
ordered like the GAN run's (see ``gan_demo.live.plots``). Pure numpy/pandas."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..plots import long_table, reference, thin
from .race import RUNS

SERIES = {
    "loss": "loss (MSE)",
    "jsd": "JSD against the true density",
    "floor": "JSD floor (real samples)",
    "modes": "modes covered",
}
COLORS = {SERIES["loss"]: "#1f77b4", SERIES["jsd"]: "#ff7f0e", SERIES["floor"]: "#999999",
          SERIES["modes"]: "#9467bd", RUNS[0]: "#1f77b4", RUNS[1]: "#ff7f0e"}
# line styles (see gan_demo.live.plots.DASHES): the race's flow run dashed beside the solid GAN, the floor finely dashed
DASHES = {SERIES["loss"]: "none", SERIES["jsd"]: "none", SERIES["floor"]: "4 4", SERIES["modes"]: "none",
          RUNS[0]: "none", RUNS[1]: "9 4"}
LOSS_SERIES, JSD_SERIES, MODE_SERIES = [SERIES["loss"]], [SERIES["jsd"], SERIES["floor"]], [SERIES["modes"]]


def column(records: list[dict], key: str) -> tuple[np.ndarray, np.ndarray]:
    """(steps, values) of the records that carry ``key``."""
    known = [r for r in records if r.get(key) is not None]
    return (np.fromiter((r["step"] for r in known), np.int64, len(known)),
            np.fromiter((r[key] for r in known), np.float64, len(known)))


def loss_table(records: list[dict], max_points: int = 200) -> pd.DataFrame:
    return long_table([(SERIES["loss"], *thin(*column(records, "loss"), max_points))], LOSS_SERIES)


def jsd_table(records: list[dict], floor: float | None, max_points: int = 200) -> pd.DataFrame:
    """The JSD at each frame, with the estimate's floor as a line across the run."""
    steps, values = thin(*column(records, "jsd"), max_points)
    parts = [(SERIES["jsd"], steps, values)]
    if floor is not None:
        parts.append(reference(SERIES["floor"], floor, steps))
    return long_table(parts, JSD_SERIES)


def modes_table(records: list[dict], max_points: int = 200) -> pd.DataFrame:
    return long_table([(SERIES["modes"], *thin(*column(records, "modes"), max_points))], MODE_SERIES)


def race_table(points: list[dict], key: str) -> pd.DataFrame:
    """``key`` (jsd or modes) of both runs against their own wall time: seconds, value, series (the run)."""
    rows = [dict(seconds=p["seconds"], value=float(p[key]), series=p["run"]) for p in points]
    rows += [dict(seconds=0.0, value=np.nan, series=run) for run in RUNS]  # both colours from the first frame
    return pd.DataFrame(rows).sort_values("seconds", kind="stable").reset_index(drop=True)
