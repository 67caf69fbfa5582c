"""A live run's downloads: the loss history as CSV, the trained generator, and a GIF of the run."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..evaluation.metrics import LOG2
from ..files import write_atomic
from ..hub import save_pretrained
from ..images import gif_bytes
from .frame import RECORD_COLUMNS
from .plots import g_loss_tag
from .settings import LiveSettings
from .trainer import build_models, generator_name

GIF_FRAME_MS = 120
ESTIMATES = ("jsd", "theory", "modes")  # 2-D mode: estimated at each frame's last step, blank in between


def records_frame(records: list[dict]) -> pd.DataFrame:
    """The history as a wide table with every record column (jsd/theory/modes NaN where not estimated)."""
    df = pd.DataFrame.from_records(records)
    for column in ESTIMATES:
        if column in df and df[column].notna().any():
            df[column] = df[column].astype(float)
    return df


def history_csv(df: pd.DataFrame, g_loss: str, path: Path | str) -> Path:
    """The loss history with the equilibrium levels as reference columns (and jsd, theory, modes in 2-D)."""
    out = df.reindex(columns=[*RECORD_COLUMNS, *(c for c in ESTIMATES if c in df)]).copy()
    out["value_equilibrium"] = -2 * LOG2
    out["loss_d_equilibrium"] = 2 * LOG2
    out["loss_g_equilibrium"] = -LOG2 if g_loss_tag(g_loss) == "mm" else LOG2
    out["d_equilibrium"] = 0.5
    out.to_csv(path, index=False, float_format="%.8g")
    return Path(path)


@dataclass
class GifFrames:
    """At most ``cap`` evenly spread frames of a run of any length: when full, drop every other one."""

    cap: int = 60
    stride: int = 1
    seen: int = 0
    frames: list[np.ndarray] = field(default_factory=list)  # uint8 (H, W) or (H, W, 3), all the same shape
    steps: list[int] = field(default_factory=list)  # the training step of each kept frame (-1: not given)

    def add(self, image: np.ndarray, step: int = -1) -> None:
        if self.seen % self.stride == 0:
            self.frames.append(image)
            self.steps.append(step)
            if len(self.frames) > self.cap:
                self.frames, self.steps, self.stride = self.frames[::2], self.steps[::2], self.stride * 2
        self.seen += 1

    def save(self, path: Path | str, frame_ms: int = GIF_FRAME_MS) -> Path | None:
        """The frames as a looping GIF at ``path`` (None when there are none)."""
        if not self.frames:
            return None
        return write_atomic(path, gif_bytes(self.frames, scale=1, pingpong=False, duration_ms=frame_ms))


def save_generator(settings: LiveSettings, weights: dict, folder: Path | str) -> list[Path]:
    """The generator of a run with ``settings`` and state dict ``weights`` as model.safetensors + config.json."""
    G, _ = build_models(settings)
    G.load_state_dict(weights)
    model_dir = save_pretrained(G, folder, model_name=generator_name(settings))
    return [model_dir / "model.safetensors", model_dir / "config.json", model_dir / "gan_demo.json"]


def export_run(folder: Path | str, settings: LiveSettings, records: list[dict], state: dict | None,
               gif: GifFrames, diverged: bool = False) -> tuple[Path, list[Path]]:
    """Write a run's downloads into ``folder``: the CSV, and the files: the generator (from the snapshot
    ``state``, unless there is none or the run diverged) and the GIF (if it has frames)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv = history_csv(records_frame(records), settings.g_loss, folder / "loss_history.csv")
    files = save_generator(settings, state["G"], folder / "generator") if state is not None and not diverged else []
    animation = gif.save(folder / "training.gif")
    return csv, files + ([animation] if animation is not None else [])
