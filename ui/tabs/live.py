"""The Live training tab: train a small GAN in the page and watch it approach the theory's equilibrium.

Only layout and wiring live here. Training, presets and frames come from ``gan_demo.live``; pictures,
plot tables and exports from ``gan_demo.live_views``. Each browser session keeps its own run in a
``gr.State``; the training itself runs inside one generator (GPU-wrapped for ZeroGPU), which yields frames.
"""
from __future__ import annotations

import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import gradio as gr
import numpy as np
from PIL import Image

from gan_demo import live
from gan_demo.device import gpu
from gan_demo.hub import save_pretrained
from gan_demo.live import (
    COLORS,
    GifFrames,
    d_table,
    history_columns,
    history_csv,
    loss_legend,
    loss_table,
    records_frame,
)
from ui.common import check_choice, check_float, check_int, scratch_dir
from ui.components import LATEX, guarded

# One training run at a time by default: a 2-CPU Space stays responsive; others wait and see their place.
TRAIN_CONCURRENCY = int(os.getenv("GAN_DEMO_TRAIN_CONCURRENCY", "1"))
# Torch threads of a CPU run, set only while it trains (the other tabs keep theirs). The models are tiny, so more
# threads gain little, and on a busy 2-core host two threads spin-wait on each other: 20 steps took 50-90 s
# instead of 0.6 s on the development machine.
LIVE_THREADS = int(os.getenv("GAN_DEMO_LIVE_THREADS", "1"))
# On ZeroGPU all training state lives in this function's forked worker; frames are pickled out.
gpu_stream = gpu(duration=int(live.MAX_SECONDS) + 30)(live.stream)

EXPLAIN = r"""
### Watch a GAN approach $-2\log 2$
A discriminator $D$ and a generator $G$ play $\min_G \max_D V(D, G)$ with
$$V(D, G) = \mathbb{E}_{x\sim p_r}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))].$$
For a fixed $G$ the best discriminator is $D^*(x) = \dfrac{p_r(x)}{p_r(x) + p_g(x)}$, and then
$V(D^*, G) = 2\,\mathrm{JSD}(p_r \,\|\, p_g) - 2\log 2$. At the equilibrium $p_g = p_r$, so $D = \tfrac12$ everywhere
and $V = -2\log 2 \approx -1.386$; the discriminator's summed cross-entropy is then $2\log 2$ and the
non-saturating generator loss $-\log D(G(z))$ is $\log 2$ (the minimax one, $\log(1 - D(G(z)))$, is $-\log 2$).
In **2-D** mode the true density is known, so the tab also estimates the JSD on a grid and draws
$2\,\mathrm{JSD} - 2\log 2$ next to $V$: when $D$ is close to optimal, the two curves meet.
Pick a **preset** to see a phenomenon, or change any setting (the preset then becomes *custom*).
"""
LOSS_CAPTION = ("**Conventions.** V(D, G) = E log D(x) + E log(1 - D(G(z))), optimum -2 log 2. D loss = -V, the "
                "cross-entropies on real and on generated data summed, optimum 2 log 2. G loss: non-saturating "
                "-log D(G(z)), optimum log 2, or minimax log(1 - D(G(z))), optimum -log 2. 2-D mode: "
                "2 JSD - 2 log 2 is V(D*, G) from the grid estimate of the JSD. Faint lines: the optima.")
PRESET_CHOICES = [("Custom", "custom")] + [(p.title, name) for name, p in live.PRESETS.items()]
DATASET_LABELS = {"ring": "Ring of 8 Gaussians", "grid": "Grid of 25 Gaussians", "spiral": "Spiral",
                  "moons": "Two moons", "fashion": "Fashion-MNIST", "mnist": "MNIST digits"}
CONTROL_NAMES = ("mode", "dataset", "preset", "k_disc", "g_loss", "optimizer", "lr_d", "lr_g", "batch_size",
                 "latent_dim", "hidden", "steps", "seed")
PRESET_FIELDS = ("k_disc", "g_loss", "optimizer", "lr_d", "lr_g", "batch_size")


@dataclass
class SessionRun:
    """One browser session's run: what Continue resumes and what the exports are made from."""

    settings: dict | None = None
    state: dict | None = None  # CPU trainer snapshot from the latest frame that carried one
    records: list[dict] = field(default_factory=list)
    gif: GifFrames = field(default_factory=GifFrames)
    diverged: bool = False
    smoothing: float = 0.0
    pictures: tuple = (None, None, None)  # PNG paths of the latest D(x) map, D*(x) map and preview grid shown


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


def dataset_choices(mode: str) -> list[tuple[str, str]]:
    return [(DATASET_LABELS[name], name) for name in live.DATASETS[mode]]


# -- validation ---------------------------------------------------------------------------------
def parse_settings(mode, dataset, preset, k_disc, g_loss, optimizer, lr_d, lr_g, batch_size, latent_dim,
                   hidden, steps, seed) -> live.LiveSettings:
    """Check every API input with a gr.Error that names the value and what is allowed."""
    mode = check_choice(mode, "mode", live.MODES)
    values = dict(
        mode=mode,
        dataset=check_choice(dataset, f"dataset for {mode} mode", live.DATASETS[mode]),
        k_disc=check_int(k_disc, "k_disc", *live.LIMITS["k_disc"]),
        g_loss=check_choice(g_loss, "g_loss", live.G_LOSSES),
        optimizer=check_choice(optimizer, "optimizer", live.OPTIMIZERS),
        lr_d=check_float(lr_d, "lr_d", *live.LIMITS["lr"]),
        lr_g=check_float(lr_g, "lr_g", *live.LIMITS["lr"]),
        batch_size=check_int(batch_size, "batch_size", live.LIMITS["batch_size"][0], live.MAX_BATCH[mode]),
        latent_dim=check_int(latent_dim, "latent_dim", *live.LIMITS["latent_dim"]),
        hidden=check_int(hidden, "hidden", live.LIMITS["hidden"][0], live.MAX_HIDDEN[mode]),
        steps=check_int(steps, "steps", 1, live.MAX_STEPS[mode]),
        seed=check_int(seed, "seed", *live.LIMITS["seed"]),
    )
    check_choice(preset, "preset", live.PRESET_NAMES)
    try:
        return live.make_settings(preset, **values)
    except ValueError as err:
        raise gr.Error(str(err)) from err


# -- drawing frames -----------------------------------------------------------------------------
def plots(run: SessionRun):
    cols = history_columns(run.records)
    g_loss = run.settings["g_loss"] if run.settings else "non-saturating"
    return loss_table(cols, g_loss, run.smoothing), d_table(cols, run.smoothing)


def status_text(frame: live.Frame, rate: float) -> str:
    lines = [f"**Step {frame.step} / {frame.last_step}** · {rate:.0f} steps/s"]
    if frame.jsd is not None:
        lines[0] += (f" · JSD ≈ {frame.jsd:.3f} nats, so 2 JSD − 2 log 2 ≈ {2 * frame.jsd - 2 * np.log(2):.3f}"
                     f" · modes covered {frame.modes[0]} / {frame.modes[1]}")
    if frame.message:
        lines.append(("⚠️ " if frame.diverged else "") + frame.message)
    lines += [f"- {note}" for note in frame.health]
    return "\n\n".join(lines)


def export(run: SessionRun) -> tuple[str | None, list[str] | None]:
    """Write the CSV, the generator (safetensors + config.json) and the GIF into a fresh temp folder."""
    if not run.records or run.settings is None:
        return None, None
    folder = Path(tempfile.mkdtemp(dir=scratch_dir("live")))
    settings = live.settings_from_dict(run.settings)
    csv = history_csv(records_frame(run.records), settings.g_loss, folder / "loss_history.csv")
    files = []
    if run.state is not None and not run.diverged:
        G, _ = live.build_models(settings)
        G.load_state_dict(run.state["G"])
        model_dir = save_pretrained(G, folder / "generator")
        files += [str(model_dir / "model.safetensors"), str(model_dir / "config.json")]
    gif = run.gif.save(folder / "training.gif")
    if gif is not None:
        files.append(str(gif))
    return str(csv), files


# Stop requests of the runs in progress, by browser session. Stop ends a run at its next frame, through the
# generator itself, so the run finishes like any other (exports included). Cancelling the event instead raced
# with Gradio's own bookkeeping: now and then the status line showed "Error" after a clean stop.
_STOPS: dict[str, threading.Event] = {}


def drive(settings: live.LiveSettings, run: SessionRun, progress: gr.Progress, session: str | None = None):
    """Stream one run (fresh or continued) into the tab's outputs, ending with the exports.

    ``session`` (the browser session's hash) lets the Stop button end the run at its next frame."""
    first, started, steps_seen, saved = None, time.monotonic(), 0, PictureFiles()
    stop = threading.Event()
    if session:
        _STOPS[session] = stop
    frames = gpu_stream(settings, run.state, threads=LIVE_THREADS)
    try:
        for frame in frames:
            run.records.extend(frame.records)
            run.state = frame.state if frame.state is not None else run.state
            run.diverged = frame.diverged
            picture = frame.heatmap if frame.heatmap is not None else frame.preview
            if picture is not None:
                run.gif.add(picture[::2, ::2])  # half size: the GIF stays small and quick to write
            first = frame.step - len(frame.records) if first is None else first
            steps_seen += len(frame.records)
            progress((frame.step - first, frame.last_step - first), desc="training", unit="steps")
            status = status_text(frame, steps_seen / max(time.monotonic() - started, 1e-6))
            files = export(run) if frame.done else (None, None)
            if picture is not None or frame.done:
                run.pictures = tuple(saved.save(new, old) for new, old in
                                     zip((frame.heatmap, frame.optimal, frame.preview), run.pictures))
            # a curves-only frame sends the last pictures again: same file, already in Gradio's cache
            yield (status, *plots(run), *run.pictures, *files, run)
            if stop.is_set() and not frame.done:
                frames.close()
                yield (stopped_text(run), *plots(run), *run.pictures, *export(run), run)
                return
    finally:
        if session and _STOPS.get(session) is stop:
            del _STOPS[session]


def stopped_text(run: SessionRun) -> str:
    """The status after Stop; the weights exported are those of the latest snapshot (at most ~2 s old)."""
    return f"Stopped at step {run.records[-1]['step']}. Press **Continue** to train on."


def request_stop(request: gr.Request):
    """The Stop button: the session's run ends at its next frame (at most ~0.6 s away)."""
    stop = _STOPS.get(request.session_hash) if request else None
    if stop is not None:
        stop.set()


# -- event handlers -------------------------------------------------------------------------------
def train(mode="2d", dataset="ring", preset="balanced", k_disc=1, g_loss="non-saturating", optimizer="adam",
          lr_d=1e-3, lr_g=1e-3, batch_size=512, latent_dim=2, hidden=128, steps=1500, seed=0,
          run: SessionRun | None = None, smoothing: float = 0.0, progress=gr.Progress(),
          request: gr.Request = None):
    """Train a small GAN from scratch and stream its losses, D(x), D(G(z)) and pictures; the last yield has the CSV."""
    settings = parse_settings(mode, dataset, preset, k_disc, g_loss, optimizer, lr_d, lr_g, batch_size,
                              latent_dim, hidden, steps, seed)
    run = SessionRun(settings=asdict(settings), smoothing=float(smoothing or 0.0))
    yield from drive(settings, run, progress, request.session_hash if request else None)


def continue_training(steps, run: SessionRun | None, smoothing: float = 0.0, progress=gr.Progress(),
                      request: gr.Request = None):
    """Train this session's run for ``steps`` more generator steps, from its latest snapshot."""
    if run is None or run.settings is None or run.state is None:
        raise gr.Error("There is no run to continue yet: press Start first.")
    if run.diverged:
        raise gr.Error("This run diverged (a loss became NaN), so it cannot continue: lower the learning rates and press Start.")
    settings = live.settings_from_dict(run.settings)
    settings = replace(settings, steps=check_int(steps, "steps", 1, live.MAX_STEPS[settings.mode]))
    run.smoothing = float(smoothing or 0.0)
    # after Stop the snapshot can be a little older than the last record: resume the history from it
    run.records = [r for r in run.records if r["step"] <= run.state["step"]]
    yield from drive(settings, run, progress, request.session_hash if request else None)


def replot(smoothing: float, run: SessionRun | None):
    if run is None:
        return gr.skip(), gr.skip(), smoothing
    run.smoothing = float(smoothing)
    return *plots(run), smoothing


def on_mode(mode: str):
    """Switching mode resets dataset, sizes and optimiser settings to ones that suit it."""
    d = live.mode_defaults(mode)
    return (gr.update(choices=dataset_choices(mode), value=d["dataset"]), "balanced",
            *(d[name] for name in PRESET_FIELDS if name != "batch_size"),
            gr.update(value=d["batch_size"], maximum=live.MAX_BATCH[mode]),
            d["latent_dim"], gr.update(value=d["hidden"], maximum=live.MAX_HIDDEN[mode]),
            gr.update(value=d["steps"], maximum=live.MAX_STEPS[mode]),
            gr.update(visible=mode == "2d"), gr.update(visible=mode == "images"))


def on_preset(preset: str, mode: str):
    if preset == "custom":
        return tuple(gr.skip() for _ in PRESET_FIELDS) + (gr.update(),)
    values = live.PRESETS[preset].settings[mode]
    about = f"**{live.PRESETS[preset].title}.** {live.PRESETS[preset].about}"
    return tuple(values.get(name, gr.skip()) for name in PRESET_FIELDS) + (about,)


# -- layout -------------------------------------------------------------------------------------
def controls() -> dict[str, gr.components.Component]:
    """The settings, named exactly as the /train API takes them."""
    d = live.mode_defaults("2d")
    c = {}
    with gr.Row():
        c["mode"] = gr.Radio([("2-D toy", "2d"), ("Images", "images")], value="2d", label="Mode",
                             info="2-D points (exact density, so the JSD is known) or 28x28 images (a small DCGAN).")
        c["dataset"] = gr.Dropdown(dataset_choices("2d"), value=d["dataset"], label="Dataset", allow_custom_value=True,
                                   info="What the generator must learn to imitate.")
        c["preset"] = gr.Dropdown(PRESET_CHOICES, value="balanced", label="Preset",
                                  info="Fills the settings that show one phenomenon.")
    with gr.Row():
        c["k_disc"] = gr.Slider(1, 10, value=d["k_disc"], step=1, label="k_disc",
                                info="Discriminator steps per generator step.")
        c["g_loss"] = gr.Radio(list(live.G_LOSSES), value=d["g_loss"], label="g_loss",
                               info="minimax: log(1 − D(G(z))); non-saturating: −log D(G(z)).")
        c["optimizer"] = gr.Radio([("Adam", "adam"), ("SGD", "sgd")], value=d["optimizer"], label="optimizer",
                                  info="Adam (betas 0.5, 0.999) or plain SGD.")
        c["lr_d"] = gr.Number(d["lr_d"], label="lr_d", minimum=live.LIMITS["lr"][0], maximum=live.LIMITS["lr"][1],
                              info="Discriminator learning rate.")
        c["lr_g"] = gr.Number(d["lr_g"], label="lr_g", minimum=live.LIMITS["lr"][0], maximum=live.LIMITS["lr"][1],
                              info="Generator learning rate.")
    with gr.Row():
        c["batch_size"] = gr.Slider(8, live.MAX_BATCH["2d"], value=d["batch_size"], step=8, label="batch_size",
                                    info="Real and generated samples per step.")
        c["latent_dim"] = gr.Slider(1, 128, value=d["latent_dim"], step=1, label="latent_dim",
                                    info="Size of the noise z the generator starts from.")
        c["hidden"] = gr.Slider(8, live.MAX_HIDDEN["2d"], value=d["hidden"], step=8, label="hidden",
                                info="Width: MLP units (2-D) or DCGAN base channels (images).")
        c["steps"] = gr.Slider(1, live.MAX_STEPS["2d"], value=d["steps"], step=1, label="steps", elem_id="live-steps",
                               info="Generator steps for Start, or extra steps for Continue.")
        c["seed"] = gr.Number(0, precision=0, label="seed", minimum=0, maximum=live.LIMITS["seed"][1],
                              info="Same seed, same run.")
    for component in c.values():  # Gradio's own range and choice checks would not name the setting
        guarded(component)
    return c


def views():
    """Plots, pictures, status and downloads, in the order every training handler yields them."""
    status = gr.Markdown("Press **Start** to train.", latex_delimiters=LATEX, elem_id="live-status")
    with gr.Row():
        # show_label=False: Gradio 6.31 sizes the chart as if there were no label, so a label pushes the
        # legend out of the box; the caption would be cut off the same way, so it is a Markdown below
        loss_plot = gr.LinePlot(x="step", y="value", color="series", color_map=COLORS, height=460,
                                title="Losses and V(D, G) against the theory", y_title="nats", label="losses",
                                show_label=False,
                                colors_in_legend=loss_legend(live.mode_defaults("2d")["g_loss"], "2d"),
                                elem_id="live-losses")
        d_plot = gr.LinePlot(x="step", y="value", color="series", color_map=COLORS, height=460, y_lim=[0, 1],
                             title="What the discriminator says", y_title="probability", label="D outputs",
                             show_label=False, elem_id="live-d")
    gr.Markdown(LOSS_CAPTION, elem_id="live-conventions")
    with gr.Row(visible=True) as toy_row:
        heat = gr.Image(label="D(x) with real (black) and generated (green) points", format="png",
                        interactive=False, height=340)
        optimal = gr.Image(label="Optimal D*(x) = p_r / (p_r + p_g) with generated points", format="png",
                           interactive=False, height=340)
    with gr.Row(visible=False) as image_row:
        preview = gr.Image(label="Fixed-noise samples (the same z every frame)", format="png",
                           interactive=False, height=400)
    with gr.Row():
        csv = gr.File(label="Loss history (CSV)", interactive=False)
        files = gr.File(label="Generator (safetensors + config.json) and a GIF of the run", file_count="multiple",
                        interactive=False)
    return status, loss_plot, d_plot, heat, optimal, preview, csv, files, toy_row, image_row


def build(demo: gr.Blocks) -> None:
    """Lay out the tab inside the caller's gr.Tab and wire its events."""
    gr.Markdown(EXPLAIN, latex_delimiters=LATEX)
    c = controls()
    about = gr.Markdown(f"**{live.PRESETS['balanced'].title}.** {live.PRESETS['balanced'].about}")
    with gr.Row():
        start = gr.Button("Start", variant="primary", elem_id="live-start")
        stop = gr.Button("Stop", variant="stop", elem_id="live-stop")
        cont = gr.Button("Continue", elem_id="live-continue")
        smoothing = gr.Slider(0, 0.99, value=0.0, step=0.01, label="Smoothing",
                              info="Moving average of the curves (display only; the CSV keeps raw values).")
    status, loss_plot, d_plot, heat, optimal, preview, csv, files, toy_row, image_row = views()
    run, smooth_state = gr.State(None), gr.State(0.0)
    outputs = [status, loss_plot, d_plot, heat, optimal, preview, csv, files, run]
    inputs = [c[name] for name in CONTROL_NAMES]
    # the progress bar (and the queue position) goes on the status line only, so the plots stay visible as they update
    limits = dict(concurrency_limit=TRAIN_CONCURRENCY, concurrency_id="live_training", show_progress_on=[status])
    start.click(train, [*inputs, run, smooth_state], outputs, api_name="train", **limits)
    cont.click(continue_training, [c["steps"], run, smooth_state], outputs,
                         api_name="continue_training", **limits)
    stop.click(request_stop, None, None, api_visibility="private")
    smoothing.change(replot, [smoothing, run], [loss_plot, d_plot, smooth_state], api_visibility="private")
    gr.on([c["g_loss"].change, c["mode"].change], lambda g, m: gr.update(colors_in_legend=loss_legend(g, m)),
          [c["g_loss"], c["mode"]], loss_plot, api_visibility="private")
    preset_targets = [c[name] for name in PRESET_FIELDS] + [about]
    c["preset"].change(on_preset, [c["preset"], c["mode"]], preset_targets, api_visibility="private")
    c["mode"].change(on_mode, c["mode"], [c["dataset"], c["preset"], *(c[n] for n in PRESET_FIELDS[:-1]),
                                          c["batch_size"], c["latent_dim"], c["hidden"], c["steps"],
                                          toy_row, image_row], api_visibility="private")
    for name in PRESET_FIELDS:  # a hand-edited setting no longer matches the preset
        c[name].input(lambda: "custom", None, c["preset"], api_visibility="private")
