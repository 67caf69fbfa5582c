"""A diffusion run's download: its history as CSV with the columns step, loss, jsd, modes."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

COLUMNS = ("step", "loss", "jsd", "modes")  # jsd and modes only where a frame measured them, blank elsewhere


def history_csv(records: list[dict], path: Path | str) -> Path:
    df = pd.DataFrame.from_records(records).reindex(columns=list(COLUMNS))
    df["modes"] = df["modes"].astype("Int64")  # a count, blank between frames
    df.to_csv(path, index=False, float_format="%.8g")
    return Path(path)
