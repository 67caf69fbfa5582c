"""The Live training tab's diffusion part: train a small denoiser on the same 2-D data as the GAN, and race the
two for the same wall time. The training, measures, plot tables and pictures come from
``gan_demo.live.diffusion``; this module lays out the controls and streams the frames into them.

The denoiser is tiny and trains on the CPU, like the GAN's 2-D runs; its events share the GAN runs' queue
(``live_training``), so one training run of either kind uses the server at a time.
"""
from __future__ import annotations

import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import gradio as gr

from gan_demo.live import diffusion as dl
from gan_demo.live.diffusion.plots import COLORS, jsd_table, loss_table, modes_table, race_table
from ui.common import scratch_dir
from ui.components import LATEX, guarded
from ui.concurrency import LIVE

from .handlers import DATASET_LABELS, as_gr_error, live_threads, train_concurrency

EXPLAIN = r"""
## Why diffusion won: train it beside the GAN
Same data, no discriminator. A small network $f(x, t)$ learns a **plain regression**: pick a data point $x_1$,
a noise point $x_0 \sim \mathcal{N}(0, I)$ and a time $t \in [0, 1]$, put $x_t = (1 - t)\,x_0 + t\,x_1$ on the
straight line between them, and ask $f(x_t, t)$ for that line's velocity $x_1 - x_0$:
$$\mathcal{L}_{\text{flow}} = \mathbb{E}\,\lVert f(x_t, t) - (x_1 - x_0) \rVert^2 .$$
(**DDPM** instead puts $x_t = \sqrt{\bar\alpha(t)}\,x_1 + \sqrt{1 - \bar\alpha(t)}\,x_0$ and asks for the noise
$x_0$.) Sampling starts from noise at $t = 0$ and follows the learned field to $t = 1$ in small steps.

What you will see, in plain words:
- **No adversary.** Nothing pushes back: the loss has a fixed target, so it falls and settles instead of
  swinging like V(D, G).
- **No mode collapse.** Every data point is a regression target in every batch, so every mode is learned; the
  flow run covers all 8 modes of the ring within its first few hundred steps and keeps them.
- **A lower JSD than the GAN**, on the same grid estimate with the same floor: the GAN's generator is one
  continuous map of one connected cloud and must leave trails between the modes; the flow bends its paths
  apart near $t = 1$ instead.
- **The price: many network evaluations per sample.** A GAN sample is one generator call; a flow sample is one
  call per sampling step (32 by default). Fewer steps are cheaper and blurrier.
"""
RACE_EXPLAIN = ("**Side by side.** Trains the Balanced GAN and a flow-matching run on the dataset above for the "
                "same wall time each (they take turns on one CPU thread; each run's clock counts only its own "
                "turns) and plots both runs' JSD and modes covered against that time.")
OBJECTIVE_CHOICES = [("Flow matching", "flow-matching"), ("DDPM (noise prediction)", "ddpm")]
SAMPLER_CHOICES = [("the objective's own: Euler, or DDPM's ancestral step", "default"),
                   ("Euler (flow matching; 1 evaluation a step)", "euler"),
                   ("Heun (flow matching; 2 a step, second order)", "heun"),
                   ("ancestral (DDPM; 1 a step)", "ancestral")]
CONTROL_NAMES = ("dataset", "objective", "steps", "sampling_steps", "seed", "sampler")  # /train_diffusion's arguments
RACE_SECONDS = (5, 60)

# Stop requests of the runs in progress, and the time t each session's slider asks the field picture for, by
# browser session (see handlers._STOPS); the latter keeps the latest MAX_SESSIONS sessions.
_STOPS: dict[str, threading.Event] = {}
_VIEW_T: OrderedDict[str, float] = OrderedDict()
MAX_SESSIONS = 1000


class ByName:
    """Outputs filled by field name: ``components()`` in API order for an event, ``fill`` for a handler."""

    def components(self) -> list:
        return [getattr(self, f.name) for f in fields(self)]

    def fill(self, **values) -> dict:
        return {getattr(self, name): value for name, value in values.items()}


@dataclass
class DiffusionOutputs(ByName):
    """What /train_diffusion returns, in this order (documented in docs/live-training.md: never reorder)."""

    status: gr.Markdown
    loss_plot: gr.LinePlot
    jsd_plot: gr.LinePlot
    modes_plot: gr.LinePlot
    field: gr.Image
    trajectories: gr.Image
    csv: gr.File
    run: gr.State


@dataclass
class RaceOutputs(ByName):
    """What /race_gan_flow returns, in this order."""

    status: gr.Markdown
    jsd_plot: gr.LinePlot
    modes_plot: gr.LinePlot
    gan_map: gr.Image
    flow_paths: gr.Image


# -- text --------------------------------------------------------------------------------------------------
def cost_text(evaluations: int) -> str:
    return f"one sample costs {evaluations} network evaluations (a GAN sample: 1)"


def status_text(frame: dl.DiffusionFrame, rate: float) -> str:
    lines = [f"**Step {frame.step} / {frame.last_step}** · {rate:.0f} steps/s · {cost_text(frame.evaluations)}"]
    if frame.jsd is not None:
        lines.append(f"JSD ≈ {frame.jsd:.3f} nats (its floor, for real samples: {frame.jsd_floor:.3f}) · modes "
                     f"covered {frame.modes[0]} / {frame.modes[1]}")
    if frame.message:
        lines.append(("⚠️ " if frame.diverged else "") + frame.message)
    return "\n\n".join(lines)


def race_text(frame: dl.RaceFrame, seconds: float) -> str:
    lines = [f"**{'Done' if frame.done else 'Racing'}: {seconds:g} s of wall time each.**"]
    for run in dl.RUNS:
        own = [p for p in frame.points if p["run"] == run]
        if own:
            last = own[-1]
            lines.append(f"- **{run}**: {last['seconds']:.1f} s, step {last['step']}, JSD ≈ {last['jsd']:.3f} "
                         f"nats (median over the last fifth {dl.tail_median(frame.points, run):.3f}), modes "
                         f"{last['modes']}; one sample costs {frame.evaluations[run]} network evaluation"
                         f"{'s' if frame.evaluations[run] != 1 else ''}.")
    return "\n".join(lines)


# -- layout ------------------------------------------------------------------------------------------------
def controls() -> dict[str, gr.components.Component]:
    """The settings, named exactly as /train_diffusion takes them."""
    d = dl.DiffusionSettings()
    c = {}
    with gr.Row():
        c["dataset"] = gr.Dropdown([(DATASET_LABELS[n], n) for n in dl.DATASETS], value=d.dataset, label="dataset",
                                   allow_custom_value=True, info="The same 2-D data as the GAN runs.")
        c["objective"] = gr.Radio(OBJECTIVE_CHOICES, value=d.objective, label="objective",
                                  info="Regress the straight line's velocity, or DDPM's noise.")
        c["steps"] = gr.Slider(1, dl.MAX_STEPS, value=d.steps, step=1, label="steps", elem_id="diffusion-steps",
                               info="Training steps.")
        c["sampling_steps"] = gr.Slider(1, dl.MAX_SAMPLING_STEPS, value=d.sampling_steps, step=1,
                                        label="sampling_steps", info="Steps (network calls) per sample.")
        c["seed"] = gr.Number(d.seed, precision=0, label="seed", minimum=0, maximum=dl.SEED_MAX,
                              info="Same seed, same run.")
        c["sampler"] = gr.Radio(SAMPLER_CHOICES, value="default", label="sampler",
                                info="How a sample is carried from noise to data.")
    for component in c.values():
        guarded(component)
    return c


def plot(label: str, y_title: str, elem_id: str, x: str = "step", **kwargs) -> gr.LinePlot:
    return gr.LinePlot(None, x=x, y="value", color="series", color_map=COLORS, height=300, title=label,
                       y_title=y_title, label=label, show_label=False, elem_id=elem_id, **kwargs)


def results() -> DiffusionOutputs:
    status = gr.Markdown("Press **Train** to train the denoiser.", elem_id="diffusion-status")
    with gr.Row():
        loss = plot("Training loss: a plain regression", "mean squared error", "diffusion-loss")
        jsd = plot("JSD against the true density (as for the GAN)", "nats", "diffusion-jsd")
        modes = plot("Modes covered", "modes", "diffusion-modes")
    with gr.Row():
        field = gr.Image(None, label="The learned field at time t over the density of x_t", format="png",
                         interactive=False, height=340, elem_id="diffusion-field")
        paths = gr.Image(None, label="Sample paths from noise (t = 0) to data (t = 1)", format="png",
                         interactive=False, height=340, elem_id="diffusion-paths")
    csv = gr.File(label="History (CSV: step, loss, jsd, modes)", interactive=False)
    return DiffusionOutputs(status, loss, jsd, modes, field, paths, csv, gr.State(None))


def race_results() -> RaceOutputs:
    status = gr.Markdown("", elem_id="race-status")
    with gr.Row():
        jsd = plot("JSD against wall time", "nats", "race-jsd", x="seconds", x_title="seconds of training")
        modes = plot("Modes covered against wall time", "modes", "race-modes", x="seconds",
                     x_title="seconds of training")
    with gr.Row():
        gan_map = gr.Image(None, label="GAN: D(x) with real (black) and generated (white ring) points", format="png",
                           interactive=False, height=340, elem_id="race-gan")
        flow_paths = gr.Image(None, label="Flow matching: sample paths", format="png", interactive=False,
                              height=340, elem_id="race-flow")
    return RaceOutputs(status, jsd, modes, gan_map, flow_paths)


def build() -> DiffusionTab:
    """Lay out the diffusion part (inside the caller's tab) and wire its events."""
    gr.Markdown(EXPLAIN, latex_delimiters=LATEX, elem_id="diffusion-explain")
    c = controls()
    with gr.Row():
        train = gr.Button("Train", variant="primary", elem_id="diffusion-train")
        stop = gr.Button("Stop", variant="stop", elem_id="diffusion-stop")
        view_time = gr.Slider(0, 1, value=0.5, step=0.05, label="t", elem_id="diffusion-t",
                              info="The time the field picture shows: 0 is noise, 1 is data.")
    out = results()
    gr.Markdown(RACE_EXPLAIN)
    with gr.Row():
        seconds = guarded(gr.Slider(*RACE_SECONDS, value=20, step=1, label="seconds", elem_id="race-seconds",
                                    info="Wall time of each run."))
        race = gr.Button("Train the GAN and the flow side by side", elem_id="race-start")
        race_stop = gr.Button("Stop", variant="stop", elem_id="race-stop")
    race_out = race_results()
    tab = DiffusionTab(c, out, race_out, view_time)
    limits = dict(concurrency_limit=train_concurrency(), concurrency_id=LIVE)
    train.click(tab.train_diffusion, [c[n] for n in CONTROL_NAMES], out.components(),
                api_name="train_diffusion", show_progress_on=[out.status], **limits)
    stop.click(tab.request_stop, None, None, api_visibility="private")
    c["objective"].change(lambda: "default", None, c["sampler"], api_visibility="private")
    view_time.change(tab.redraw, [view_time, out.run], out.field, api_visibility="private")
    race.click(tab.race, [c["dataset"], seconds, c["sampling_steps"], c["seed"]], race_out.components(),
               api_name="race_gan_flow", show_progress_on=[race_out.status], **limits)
    race_stop.click(tab.request_stop, None, None, api_visibility="private")
    return tab


# -- handlers ----------------------------------------------------------------------------------------------
@dataclass
class DiffusionTab:
    controls: dict[str, gr.components.Component]
    outputs: DiffusionOutputs
    race_outputs: RaceOutputs
    view_time: gr.Slider

    def train_diffusion(self, dataset="ring", objective="flow-matching", steps=2000, sampling_steps=32, seed=0,
                        sampler="default", progress=gr.Progress(), request: gr.Request = None):
        """Train a small denoiser from scratch on 2-D data with flow matching or DDPM, streaming its loss, the
        JSD and modes covered (measured as for the GAN), the learned field at t and sample paths; the last
        yield has the CSV (step, loss, jsd, modes)."""
        with as_gr_error():
            settings = dl.DiffusionSettings(dataset=dataset, objective=objective, steps=steps,
                                            sampling_steps=sampling_steps, seed=seed,
                                            sampler=None if sampler == "default" else sampler)
        session = request.session_hash if request else None
        stop = threading.Event()
        if session:
            _STOPS[session] = stop
        run = dict(settings=asdict(settings), records=[], state=None)
        view = (lambda: _VIEW_T.get(session, 0.5)) if session else 0.5
        started = time.monotonic()
        try:
            frames = dl.stream(settings, threads=live_threads(), view_time=view)
            for frame in frames:
                run["records"].extend(frame.records)
                run["state"] = frame.state if frame.state is not None else run["state"]
                progress((frame.step, frame.last_step), desc="training", unit="steps")
                text = status_text(frame, frame.step / max(time.monotonic() - started, 1e-6))
                done = frame.done or stop.is_set()
                if stop.is_set() and not frame.done:
                    frames.close()
                    text += f"\n\nStopped at step {frame.step}."
                yield self.shown(run, frame, text, export(run) if done else None)
                if done:
                    return
        finally:
            if session and _STOPS.get(session) is stop:
                del _STOPS[session]

    def shown(self, run: dict, frame: dl.DiffusionFrame, status: str, csv: str | None) -> dict:
        records = run["records"]
        values = dict(status=status, loss_plot=loss_table(records), jsd_plot=jsd_table(records, frame.jsd_floor),
                      modes_plot=modes_table(records), csv=csv, run=run)
        if frame.field is not None:  # frames without pictures leave the last ones shown
            values.update(field=frame.field, trajectories=frame.trajectories)
        return self.outputs.fill(**values)

    def request_stop(self, request: gr.Request):
        stop = _STOPS.get(request.session_hash) if request else None
        if stop is not None:
            stop.set()

    def redraw(self, t: float, run: dict | None, request: gr.Request = None):
        """The slider: a run in progress draws its next pictures at t; a finished run redraws its field now."""
        if request is not None:
            _VIEW_T[request.session_hash] = float(t)
            _VIEW_T.move_to_end(request.session_hash)
            while len(_VIEW_T) > MAX_SESSIONS:
                _VIEW_T.popitem(last=False)
        if run is None or run.get("state") is None or (request and request.session_hash in _STOPS):
            return gr.update()
        return dl.redraw_field(dl.DiffusionSettings(**run["settings"]), run["state"], float(t))

    def race(self, dataset="ring", seconds=20, sampling_steps=32, seed=0, progress=gr.Progress(),
             request: gr.Request = None):
        """Train the Balanced GAN and a flow-matching run on the same data for the same wall time each and
        stream both runs' JSD and modes covered against their own wall time, and the cost of one sample. Stop ends
        it at its next frame, the figures so far kept."""
        with as_gr_error():
            settings = dl.DiffusionSettings(dataset=dataset, sampling_steps=sampling_steps, seed=seed)
        low, high = RACE_SECONDS
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not low <= seconds <= high:
            raise gr.Error(f"seconds={seconds!r} is not allowed: a number between {low} and {high}.")
        session = request.session_hash if request else None
        stop = threading.Event()
        if session:
            _STOPS[session] = stop
        try:
            frames = dl.race(settings.dataset, float(seconds), settings.seed, settings.sampling_steps,
                             threads=live_threads())
            for frame in frames:
                elapsed = min(sum(max((p["seconds"] for p in frame.points if p["run"] == r), default=0.0)
                                  for r in dl.RUNS), 2 * seconds)
                progress((elapsed, 2 * seconds), desc="racing", unit="s")
                status, stopped = race_text(frame, seconds), stop.is_set() and not frame.done
                if stopped:
                    frames.close()
                    status += f"\n\nStopped after {elapsed:.1f} s of the {2 * seconds:g}."
                yield self.race_outputs.fill(status=status, jsd_plot=race_table(frame.points, "jsd"),
                                             modes_plot=race_table(frame.points, "modes"),
                                             gan_map=frame.pictures.get(dl.GAN), flow_paths=frame.pictures.get(dl.FLOW))
                if stopped:
                    return
        finally:
            if session and _STOPS.get(session) is stop:
                del _STOPS[session]


def export(run: dict) -> str | None:
    if not run["records"]:
        return None
    folder = Path(tempfile.mkdtemp(dir=scratch_dir("live")))
    return str(dl.history_csv(run["records"], folder / "diffusion_history.csv"))
