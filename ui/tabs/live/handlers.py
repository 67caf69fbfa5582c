"""The Live training tab's event handlers: Start, Continue, Stop, smoothing, mode and preset changes.

Every handler returns (or yields) a dict keyed by the components it fills; Gradio puts each value where its
component sits in the event's outputs, so no tuple has to line up with the layout, and a component left out
keeps what it shows. Settings are checked once, by ``gan_demo.live``; its ValueError becomes a gr.Error here.
"""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields, replace

import gradio as gr

from gan_demo import live
from gan_demo.device import gpu

from .session import PictureFiles, SessionRun, status_text, stopped_text


def train_concurrency() -> int:
    """Training runs at once, read when the page is built: one by default, so a 2-CPU Space stays responsive;
    others wait and see their place."""
    return int(os.getenv("GAN_DEMO_TRAIN_CONCURRENCY", "1"))


def live_threads() -> int:
    """Torch threads of a CPU run, read when it starts and set only while it trains (the other tabs keep theirs).
    The models are tiny, so more threads gain little, and on a busy 2-core host two threads spin-wait on each
    other: 20 steps took 50-90 s instead of 0.6 s on 2 cores."""
    return int(os.getenv("GAN_DEMO_LIVE_THREADS", "1"))


# On ZeroGPU all training state lives in this function's forked worker; frames are pickled out. ZeroGPU registers
# its functions when the module is imported, so this one reads the run's time cap then.
gpu_stream = gpu(duration=int(live.default_max_seconds()) + 30)(live.stream)
PRESET_FIELDS = ("k_disc", "g_loss", "optimizer", "lr_d", "lr_g", "batch_size", "g_init")
MODEL_CHOICES = [("MLP", "mlp"), ("DCGAN", "dcgan")]
IMAGES_READY = ("Press **Start** to train: the grid decodes the same 64 noise vectors at every frame, from blobs to "
                "clothes or digits, and the status line warns when the shipped classifier sees mode collapse.")
DATASET_LABELS = {"ring": "Ring of 8 Gaussians", "grid": "Grid of 25 Gaussians", "spiral": "Spiral",
                  "moons": "Two moons", "fashion": "Fashion-MNIST", "mnist": "MNIST digits"}

# Stop requests of the runs in progress, by browser session. Stop ends a run at its next frame, through the
# generator itself, so the run finishes like any other (exports included). Cancelling the event instead raced
# with Gradio's own bookkeeping: now and then the status line showed "Error" after a clean stop.
_STOPS: dict[str, threading.Event] = {}


@dataclass
class RunOutputs:
    """What the training handlers fill. The field order is the order /train and /continue_training return
    them in, which API clients unpack (see docs/live-training.md): never reorder it."""

    status: gr.Markdown
    loss_plot: gr.LinePlot
    d_plot: gr.LinePlot
    heatmap: gr.Image
    optimal: gr.Image
    preview: gr.Image
    csv: gr.File
    files: gr.File
    grad_plot: gr.LinePlot
    replay: gr.HTML
    run: gr.State

    def components(self) -> list:
        """The components in API order, for the events' ``outputs``."""
        return [getattr(self, f.name) for f in fields(self)]

    def fill(self, **values) -> dict:
        """{field name: value} -> {component: value}, what a handler returns."""
        return {getattr(self, name): value for name, value in values.items()}


def dataset_choices(mode: str) -> list[tuple[str, str]]:
    return [(DATASET_LABELS[name], name) for name in live.DATASETS[mode]]


def request_stop(request: gr.Request):
    """The Stop button: the session's run ends at its next frame (at most ~0.6 s away)."""
    stop = _STOPS.get(request.session_hash) if request else None
    if stop is not None:
        stop.set()


@contextmanager
def as_gr_error():
    """The ValueError of ``gan_demo.live``'s settings check as a gr.Error: the user reads the same message."""
    try:
        yield
    except ValueError as err:
        raise gr.Error(str(err)) from err


@dataclass
class LiveTab:
    """The tab's components the handlers fill, and the handlers (methods, so they can key outputs by component)."""

    controls: dict[str, gr.components.Component]  # named exactly as the /train API takes them
    about: gr.Markdown  # the preset's explanation
    outputs: RunOutputs
    toy_row: gr.Row
    image_row: gr.Row
    smooth_state: gr.State

    # -- training -----------------------------------------------------------------------------------
    def train(self, mode="2d", dataset="ring", preset="balanced", k_disc=2, g_loss="minimax", optimizer="adam",
              lr_d=1e-3, lr_g=5e-4, batch_size=512, latent_dim=2, hidden=128, steps=3000, seed=0, model="mlp",
              g_init="default", run: SessionRun | None = None, smoothing: float = 0.0, progress=gr.Progress(),
              request: gr.Request = None):
        """Train a small GAN from scratch and stream its losses, D(x), D(G(z)) and pictures; the last yield has the CSV."""
        with as_gr_error():
            settings = live.make_settings(preset, mode=mode, dataset=dataset, k_disc=k_disc, g_loss=g_loss,
                                          optimizer=optimizer, lr_d=lr_d, lr_g=lr_g, batch_size=batch_size,
                                          latent_dim=latent_dim, hidden=hidden, steps=steps, seed=seed, model=model,
                                          g_init=g_init)
        run = SessionRun(settings=asdict(settings), smoothing=float(smoothing or 0.0))
        yield from self.drive(settings, run, progress, request.session_hash if request else None)

    def continue_training(self, steps, run: SessionRun | None, smoothing: float = 0.0, progress=gr.Progress(),
                          request: gr.Request = None):
        """Train this session's run for ``steps`` more generator steps, from its latest snapshot."""
        if run is None or run.settings is None or run.state is None:
            raise gr.Error("There is no run to continue yet: press Start first.")
        if run.diverged:
            raise gr.Error("This run diverged (a loss became NaN), so it cannot continue: lower the learning rates and press Start.")
        with as_gr_error():
            settings = replace(live.settings_from_dict(run.settings), steps=steps)
        run.smoothing = float(smoothing or 0.0)
        run.rewind_to_snapshot()
        yield from self.drive(settings, run, progress, request.session_hash if request else None)

    def drive(self, settings: live.LiveSettings, run: SessionRun, progress: gr.Progress, session: str | None = None):
        """Stream one run (fresh or continued) into the tab's outputs, ending with the exports.

        ``session`` (the browser session's hash) lets the Stop button end the run at its next frame."""
        first, started, steps_seen, saved = None, time.monotonic(), 0, PictureFiles()
        stop = threading.Event()
        if session:
            _STOPS[session] = stop
        frames = gpu_stream(settings, run.state, threads=live_threads())
        try:
            for frame in frames:
                picture = run.add(frame)
                first = frame.step - len(frame.records) if first is None else first
                steps_seen += len(frame.records)
                progress((frame.step - first, frame.last_step - first), desc="training", unit="steps")
                status = status_text(frame, steps_seen / max(time.monotonic() - started, 1e-6))
                if picture is not None or frame.done:
                    run.pictures = saved.replace(frame, run.pictures)
                # a curves-only frame sends the last pictures again: same file, already in Gradio's cache
                yield self.shown(run, status, *(run.export() if frame.done else (None, None)),
                                 replay=run.replay() if frame.done else None)
                if stop.is_set() and not frame.done:
                    frames.close()
                    yield self.shown(run, stopped_text(run), *run.export(), replay=run.replay())
                    return
        finally:
            if session and _STOPS.get(session) is stop:
                del _STOPS[session]

    def shown(self, run: SessionRun, status: str, csv: str | None, files: list[str] | None,
              replay: str | None = None) -> dict:
        """Every training output: the status, both plots, the latest pictures, the downloads, the replay (once the
        run has stopped or finished; empty while it trains) and the run."""
        loss_table, d_table, grad_table = run.plots()
        heatmap, optimal, preview = run.pictures
        return self.outputs.fill(status=status, loss_plot=loss_table, d_plot=d_table, heatmap=heatmap,
                                 optimal=optimal, preview=preview, csv=csv, files=files, grad_plot=grad_table,
                                 replay=replay, run=run)

    # -- display and settings -----------------------------------------------------------------------
    def replot(self, smoothing: float, run: SessionRun | None):
        if run is None:
            return {self.smooth_state: smoothing}
        run.smoothing = float(smoothing)
        loss_table, d_table, grad_table = run.plots()
        return {self.outputs.loss_plot: loss_table, self.outputs.d_plot: d_table, self.outputs.grad_plot: grad_table,
                self.smooth_state: smoothing}

    def legend(self, g_loss: str, mode: str):
        return {self.outputs.loss_plot: gr.update(colors_in_legend=live.loss_legend(g_loss, mode))}

    def opening_plots(self, g_loss: str, steps: float, run: SessionRun | None = None):
        """Before any run, the plots show the equilibrium lines of the run Start would make (across its steps; the
        G loss's optimum depends on which loss); a run's own curves stay."""
        plots = (self.outputs.loss_plot, self.outputs.d_plot, self.outputs.grad_plot)
        if run is not None:
            return dict.fromkeys(plots, gr.update())
        return dict(zip(plots, live.opening_tables(g_loss, int(steps))))

    def on_mode(self, mode: str, run: SessionRun | None = None):
        """Switching mode resets dataset, sizes and optimiser settings to ones that suit it; before any run the
        status says what the mode shows (a run's own status stays)."""
        d, c = live.mode_defaults(mode), self.controls
        # before any run, 2-D mode shows the status the page opened with (the default run's step 0)
        status = gr.update() if run is not None else self.outputs.status.value if mode == "2d" else IMAGES_READY
        return {self.outputs.status: status, c["dataset"]: gr.update(choices=dataset_choices(mode), value=d["dataset"]), c["preset"]: "balanced",
                c["model"]: gr.update(value=d["model"], visible=len(live.MODELS[mode]) > 1),
                **{c[name]: d[name] for name in PRESET_FIELDS if name != "batch_size"},
                c["batch_size"]: gr.update(value=d["batch_size"], maximum=live.MAX_BATCH[mode]),
                **self.on_model(mode, d["model"]),
                self.toy_row: gr.update(visible=mode == "2d"), self.image_row: gr.update(visible=mode == "images")}

    def on_model(self, mode: str, model: str):
        """Switching model sets the sizes and run length that suit it (the DCGAN is narrower and slower per step)."""
        d, c = live.mode_defaults(mode, model), self.controls
        widest = live.MAX_DCGAN_WIDTH if d["model"] == "dcgan" else live.MAX_HIDDEN[mode]
        return {c["latent_dim"]: d["latent_dim"], c["hidden"]: gr.update(value=d["hidden"], maximum=widest),
                c["steps"]: gr.update(value=d["steps"], maximum=live.MAX_STEPS[mode])}

    def on_preset(self, preset: str, mode: str):
        """A preset fills the settings it is about (the others keep their values) and explains itself."""
        if preset == "custom":
            return {self.about: gr.update()}
        values = live.PRESETS[preset].settings[mode]
        about = f"**{live.PRESETS[preset].title}.** {live.PRESETS[preset].about}"
        return {**{self.controls[name]: values[name] for name in PRESET_FIELDS if name in values}, self.about: about}
