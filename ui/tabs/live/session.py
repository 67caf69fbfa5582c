"""What one browser session keeps of its live run, and what the tab shows of it: status, plots, picture files,
downloads. The training, the plot tables and the export files themselves come from ``gan_demo.live``."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from gan_demo import live
from gan_demo.live.views import N_POINTS
from ui.common import scratch_dir
from ui.widgets.replay import replay_value


@dataclass
class SessionRun:
    """One browser session's run: what Continue resumes and what the exports are made from."""

    settings: dict | None = None
    state: dict | None = None  # CPU trainer snapshot from the latest frame that carried one
    records: list[dict] = field(default_factory=list)
    gif: live.GifFrames = field(default_factory=live.GifFrames)
    diverged: bool = False
    smoothing: float = 0.0
    pictures: tuple = (None, None, None)  # PNG paths of the latest D(x) map, D*(x) map and preview grid shown

    def add(self, frame: live.Frame) -> np.ndarray | None:
        """Take in a frame's records, snapshot and outcome; its main picture goes into the GIF and is returned."""
        self.records.extend(frame.records)
        self.state = frame.state if frame.state is not None else self.state
        self.diverged = frame.diverged
        picture = frame.heatmap if frame.heatmap is not None else frame.preview
        if picture is not None:
            self.gif.add(picture[::2, ::2], frame.step)  # half size: the GIF (and the replay) stay small
        return picture

    def rewind_to_snapshot(self) -> None:
        """After Stop the snapshot can be a little older than the last record: resume the history from it."""
        self.records = [r for r in self.records if r["step"] <= self.state["step"]]

    def plots(self) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """The loss plot's, the D plot's and the gradient plot's tables of the whole history, smoothed as asked."""
        cols = live.history_columns(self.records)
        g_loss = self.settings["g_loss"] if self.settings else "non-saturating"
        return (live.loss_table(cols, g_loss, self.smoothing), live.d_table(cols, self.smoothing),
                live.grad_table(cols, self.smoothing))

    def replay(self) -> str | None:
        """The replay scrubber's frames: the GIF's pictures, the curves and each picture's step."""
        return replay_value(self.gif, self.records, self.settings) if self.settings else None

    def export(self) -> tuple[str | None, list[str] | None]:
        """The CSV and the other downloads (generator, GIF) written into a fresh scratch folder."""
        if not self.records or self.settings is None:
            return None, None
        folder = Path(tempfile.mkdtemp(dir=scratch_dir("live")))
        csv, files = live.export_run(folder, live.settings_from_dict(self.settings), self.records, self.state,
                                     self.gif, self.diverged)
        return str(csv), [str(f) for f in files]


class PictureFiles:
    """A streamed run's pictures as PNG files in a folder of their own, written once each.

    Frames that bring no new picture send the last paths again. Gradio would encode an array to PNG on every
    yield, changed or not (~4 ms for a 320-px map); a path it has seen is only hashed and found in its cache.
    Gradio copies each file into its cache when it sends it, so the previous one of a kind is deleted.
    """

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(dir=scratch_dir("live")))
        self.written = 0

    def save(self, array: np.ndarray | None, old: str | None) -> str | None:
        if old is not None:
            Path(old).unlink(missing_ok=True)
        if array is None:
            return None
        self.written += 1
        path = self.folder / f"picture_{self.written:05d}.png"
        Image.fromarray(array).save(path, compress_level=1)  # ~2x faster than the default 6, files ~20% larger
        return str(path)

    def replace(self, frame: live.Frame, shown: tuple) -> tuple:
        """The frame's D(x) map, D*(x) map and preview grid as files, the ``shown`` ones deleted."""
        return tuple(self.save(new, old) for new, old in zip((frame.heatmap, frame.optimal, frame.preview), shown))


def jsd_text(frame: live.Frame) -> str:
    """The 2-D frame's JSD, the theory's V(D*, G) = 2 JSD - 2 log 2 it gives, and the modes covered."""
    theory = round(2 * frame.jsd - 2 * np.log(2), 3) + 0.0  # + 0.0: disjoint supports read 0.000, not -0.000
    return (f"JSD ≈ {frame.jsd:.3f} nats, so 2 JSD − 2 log 2 ≈ {theory:.3f} · modes covered "
            f"{frame.modes[0]} / {frame.modes[1]}")


def status_text(frame: live.Frame, rate: float) -> str:
    lines = [f"**Step {frame.step} / {frame.last_step}** · {rate:.0f} steps/s"]
    if frame.jsd is not None:
        lines[0] += f" · {jsd_text(frame)}"
        if frame.gap is not None:
            lines.append(f"V(D*, G) − V(D, G) ≈ {frame.gap:.3f} nats: how far D is from the optimal D* for this G "
                         "(the theory's curve and V meet only when D = D*).")
        if frame.jsd_floor is not None:
            lines.append(f"JSD estimate's floor: {frame.jsd_floor:.3f} nats, what it reads for {N_POINTS} real "
                         "samples (p_r and the generated points' KDE blurred by the same kernel; the rest is "
                         "sampling noise).")
    if frame.message:
        lines.append(("⚠️ " if frame.diverged else "") + frame.message)
    lines += [f"- {note}" for note in frame.health]
    return "\n\n".join(lines)


def opening_text(frame: live.Frame) -> str:
    """The status under the step-0 pictures the tab opens on (see ``live.opening``)."""
    lines = [f"**The default run at step 0, before any training** · {jsd_text(frame)}"]
    if frame.jsd > np.log(2) - 0.01:
        lines.append("The generated points do not overlap the data yet: the JSD is at its largest, log 2, and D* "
                     "(right) is 1 on the data and 0 on the fakes.")
    lines.append("Left: the untrained D. Press **Start**: as G learns, D* fades to 1/2 and V(D, G) heads for "
                 "−2 log 2 ≈ −1.386.")
    return "\n\n".join(lines)


def stopped_text(run: SessionRun) -> str:
    """The status after Stop; the weights exported are those of the latest snapshot (at most ~2 s old)."""
    return f"Stopped at step {run.records[-1]['step']}. Press **Continue** to train on."
