"""The Live training tab's layout and wiring: train a small GAN in the page and watch it approach the equilibrium.

Training, presets, frames, plot tables and exports come from ``gan_demo.live``; the handlers are in
``handlers.py``. Each browser session keeps its own run in a ``gr.State``; the training itself runs inside one
generator (GPU-wrapped for ZeroGPU), which yields frames.
"""
from __future__ import annotations

import gradio as gr

from gan_demo import live
from ui.components import LATEX, guarded, initial
from ui.concurrency import LIVE
from ui.lessons import lesson
from ui.widgets.scrubber import scrubber

from . import diffusion, drawing
from .handlers import (
    MODEL_CHOICES,
    PRESET_FIELDS,
    LiveTab,
    RunOutputs,
    dataset_choices,
    request_stop,
    train_concurrency,
)
from .session import opening_text

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
PRACTICE = r"""
### Why practice does not reach $-2\log 2$
The theorem assumes an optimal $D$ at every step, players that can be any function, and $p_g$ able to equal
$p_r$. Each preset below breaks one assumption in front of you:
- **$D$ is never optimal** (a few gradient steps, a small network), and $V(D, G) \le V(D^*, G) = 2\,\mathrm{JSD} -
  2\log 2$ always: the status line shows the gap. *Discriminator not optimal* makes it huge ($V$ sits at
  $-2\log 2$ and looks converged while the points miss the data); *Optimal discriminator* closes it and the two
  curves meet.
- **The gradient can vanish.** With disjoint supports $D^*$ is 1 on the data and 0 on the fakes, $\mathrm{JSD} =
  \log 2$ at any distance and $V(D^*, G) = 0$ is flat, so the minimax generator gets no push (*Disjoint supports*;
  watch the gradient plot and the arrows); the non-saturating loss keeps one.
- **Gradient steps on a game circle** instead of settling (*Non-convergence*).
- **A continuous $G$ cannot tear its noise apart.** $z \sim \mathcal{N}(0, I)$ is one connected cloud and $G$ is
  continuous, so $G(z)$ is connected too: to cover the ring's 8 separate modes it must leave trails of points
  between them (see the maps). Those trails keep the JSD above its floor: *Balanced* ends near 0.07 nats with
  all 8 modes, not 0; only a generator ever steeper between the modes thins them (Khayatkhoei et al., 2018).
"""
LOSS_CAPTION = ("**Conventions.** V(D, G) = E log D(x) + E log(1 - D(G(z))), optimum -2 log 2. D loss = -V, the "
                "cross-entropies on real and on generated data summed, optimum 2 log 2. G loss: non-saturating "
                "-log D(G(z)), optimum log 2, or minimax log(1 - D(G(z))), optimum -log 2. 2-D mode: "
                "2 JSD - 2 log 2 is V(D*, G) from the grid estimate of the JSD. Faint lines: the optima.")
GRAD_CAPTION = r"""
**The generator's gradient** $\lVert \nabla_\theta \,\text{loss}_G \rVert$ at every step, on a log scale: the
push G gets from D. Where D rejects the fakes with confidence, $D(G(z)) \to 0$, the minimax loss
$\log(1 - D(G(z)))$ is flat and this norm collapses by orders of magnitude (try **Disjoint supports**); the
non-saturating $-\log D(G(z))$ has the same fixed points but keeps a gradient there, which is why practice
uses it. In 2-D the arrows on the D(x) map show the same push on each point: $-\nabla_x \text{loss}_G$.
"""
PRESET_CHOICES = [("Custom", "custom")] + [(p.title, name) for name, p in live.PRESETS.items()]
G_INIT_CHOICES = [("Spread", "default"), ("In one spot, far", "far")]
CONTROL_NAMES = ("mode", "dataset", "preset", "k_disc", "g_loss", "optimizer", "lr_d", "lr_g", "batch_size",
                 "latent_dim", "hidden", "steps", "seed", "model", "g_init")  # the /train API's arguments, in its order


# -- layout ---------------------------------------------------------------------------------------------
def controls() -> dict[str, gr.components.Component]:
    """The settings, named exactly as the /train API takes them."""
    d = live.mode_defaults("2d")
    c = {}
    with gr.Row():
        c["mode"] = gr.Radio([("2-D toy", "2d"), ("Images", "images")], value="2d", label="Mode",
                             info="2-D points (exact density, so the JSD is known) or 28x28 images.")
        c["dataset"] = gr.Dropdown(dataset_choices("2d"), value=d["dataset"], label="Dataset", allow_custom_value=True,
                                   info="What the generator must learn to imitate.")
        # hidden in 2-D mode (MLPs only); the choices are all the models, so the server accepts the DCGAN
        c["model"] = gr.Radio(MODEL_CHOICES, value=d["model"], label="Model", visible=False,
                              info="Fully connected (fast), or a small DCGAN (about 10x slower per step).")
        c["preset"] = gr.Dropdown(PRESET_CHOICES, value="balanced", label="Preset",
                                  info="Fills the settings that show one phenomenon.")
        c["g_init"] = gr.Radio(G_INIT_CHOICES, value=d["g_init"], label="G starts",
                               info="Spread as usual, or with every point in one spot away from the data.")
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
                                info="Width: MLP units, or the DCGAN's base channels.")
        c["steps"] = gr.Slider(1, live.MAX_STEPS["2d"], value=d["steps"], step=1, label="steps", elem_id="live-steps",
                               info="Generator steps for Start, or extra steps for Continue.")
        c["seed"] = gr.Number(0, precision=0, label="seed", minimum=0, maximum=live.LIMITS["seed"][1],
                              info="Same seed, same run.")
    for name, component in c.items():  # Gradio's own range and choice checks would not name the setting
        guarded(component).elem_id = f"live-{name}"  # also how a link to the tab finds it (ui/deeplink.py)
    return c


def results(first: live.Frame | None = None, plots: tuple = (None, None, None)
            ) -> tuple[dict[str, gr.components.Component], gr.Row, gr.Row]:
    """Status, plots, pictures and downloads by RunOutputs field name, and the 2-D and image rows; the status and
    maps start from ``first``, the default run's step 0, when given, and the plots from the tables ``plots``."""
    status = gr.Markdown(opening_text(first) if first else "Press **Start** to train.", latex_delimiters=LATEX,
                         elem_id="live-status")
    with gr.Row():
        # show_label=False: Gradio 6.31 sizes the chart as if there were no label, so a label pushes the
        # legend out of the box; the caption would be cut off the same way, so it is a Markdown below
        loss_plot = gr.LinePlot(plots[0], x="step", y="value", color="series", color_map=live.COLORS, height=460,
                                title="Losses and V(D, G) against the theory", y_title="nats", label="losses",
                                show_label=False,
                                colors_in_legend=live.loss_legend(live.mode_defaults("2d")["g_loss"], "2d"),
                                elem_id="live-losses")
        d_plot = gr.LinePlot(plots[1], x="step", y="value", color="series", color_map=live.COLORS, height=460, y_lim=[0, 1],
                             title="What the discriminator says", y_title="probability", label="D outputs",
                             show_label=False, colors_in_legend=live.D_SERIES, elem_id="live-d")
    gr.Markdown(LOSS_CAPTION, elem_id="live-conventions")
    with gr.Row():
        grad_plot = gr.LinePlot(plots[2], x="step", y="value", color="series", color_map=live.COLORS, height=300,
                                title="How hard G is pushed: its gradient norm", y_title="log10 ||grad||",
                                label="G gradient", show_label=False, elem_id="live-grad")
        gr.Markdown(GRAD_CAPTION, latex_delimiters=LATEX, elem_id="live-grad-caption")
    with gr.Row(visible=True) as toy_row:
        heat = gr.Image(first and first.heatmap, label="D(x) with real (black) and generated (white ring) points",
                        format="png", interactive=False, height=340, elem_id="live-heatmap",
                        alt_text="Map of the discriminator's D(x) over the plane: purple where D says fake, "
                                 "orange where it says real; real points black dots, generated ones white rings")
        optimal = gr.Image(first and first.optimal, label="Optimal D*(x) = p_r / (p_r + p_g) with generated points",
                           format="png", interactive=False, height=340, elem_id="live-optimal",
                           alt_text="Map of the optimal discriminator D*(x) with the generated points")
    with gr.Row(visible=False) as image_row:
        preview = gr.Image(label="Fixed-noise samples (the same z every frame)", format="png",
                           alt_text="The generator's samples of 64 fixed noise vectors at this step",
                           interactive=False, height=400)
    replay = scrubber("live-replay", "Replay: training step", width="360px", pixelated=False,
                      note="After a run stops or finishes: its recorded frames, a cursor on its curves at each.")
    with gr.Row():
        csv = gr.File(label="Loss history (CSV)", interactive=False)
        files = gr.File(label="Generator (safetensors + config.json) and a GIF of the run", file_count="multiple",
                        interactive=False)
    shown = dict(status=status, loss_plot=loss_plot, d_plot=d_plot, heatmap=heat, optimal=optimal, preview=preview,
                 csv=csv, files=files, grad_plot=grad_plot, replay=replay)
    return shown, toy_row, image_row


def build(demo: gr.Blocks) -> LiveTab:
    """Lay out the tab inside the caller's gr.Tab and wire its events; returns the tab's handlers."""
    gr.Markdown(EXPLAIN, latex_delimiters=LATEX)
    lesson("train")
    with gr.Accordion("Why practice does not reach −2 log 2", open=False):
        gr.Markdown(PRACTICE, latex_delimiters=LATEX, elem_id="live-practice")
    c = controls()
    canvas = drawing.layout()  # the learner's own 2-D data, for both kinds of run
    about = gr.Markdown(f"**{live.PRESETS['balanced'].title}.** {live.PRESETS['balanced'].about}")
    with gr.Row():
        start = gr.Button("Start", variant="primary", elem_id="live-start")
        stop = gr.Button("Stop", variant="stop", elem_id="live-stop")
        cont = gr.Button("Continue", elem_id="live-continue")
        smoothing = gr.Slider(0, 0.99, value=0.0, step=0.01, label="Smoothing",
                              info="Moving average of the curves (display only; the CSV keeps raw values).")
    # the page opens on the default run's step 0: the data, G's first points, the untrained D and the optimal D*,
    # and the plots' equilibrium lines across the run's steps
    defaults = {name: c[name].value for name in CONTROL_NAMES}
    shown, toy_row, image_row = results(initial(live.opening, live.make_settings(**defaults)),
                                        live.opening_tables(defaults["g_loss"], defaults["steps"]))
    out = RunOutputs(**shown, run=gr.State(None))
    tab = LiveTab(c, about, out, toy_row, image_row, smooth_state=gr.State(0.0))
    wire(tab, start, stop, cont, smoothing)
    flow = diffusion.build()  # the second kind of run, on the same 2-D data: a denoiser, and a race against the GAN
    drawing.wire(canvas, c["mode"], c["dataset"], flow.controls["dataset"])
    return tab


def wire(tab: LiveTab, start: gr.Button, stop: gr.Button, cont: gr.Button, smoothing: gr.Slider) -> None:
    """The tab's events; the training ones are the public /train and /continue_training endpoints."""
    c, out = tab.controls, tab.outputs
    inputs = [c[name] for name in CONTROL_NAMES]
    # the progress bar (and the queue position) goes on the status line only, so the plots stay visible as they update
    limits = dict(concurrency_limit=train_concurrency(), concurrency_id=LIVE, show_progress_on=[out.status])
    start.click(tab.train, [*inputs, out.run, tab.smooth_state], out.components(), api_name="train", **limits)
    cont.click(tab.continue_training, [c["steps"], out.run, tab.smooth_state], out.components(),
               api_name="continue_training", **limits)
    stop.click(request_stop, None, None, api_visibility="private")
    smoothing.change(tab.replot, [smoothing, out.run], [out.loss_plot, out.d_plot, tab.smooth_state],
                     api_visibility="private")
    # the legend first, then the lines: a LinePlot sent both at once redraws its old lines with the new legend
    gr.on([c["g_loss"].change, c["mode"].change, c["steps"].change], tab.legend, [c["g_loss"], c["mode"]],
          out.loss_plot, api_visibility="private").then(
        tab.opening_plots, [c["g_loss"], c["steps"], out.run], [out.loss_plot, out.d_plot, out.grad_plot],
        api_visibility="private")
    preset_targets = [c[name] for name in PRESET_FIELDS] + [tab.about]
    c["preset"].change(tab.on_preset, [c["preset"], c["mode"]], preset_targets, api_visibility="private")
    sizes = [c[name] for name in ("latent_dim", "hidden", "steps")]
    mode_targets = [c[name] for name in ("dataset", "preset", "model", *PRESET_FIELDS)] + sizes
    c["mode"].change(tab.on_mode, [c["mode"], out.run], [*mode_targets, tab.toy_row, tab.image_row, out.status],
                     api_visibility="private")
    c["model"].change(tab.on_model, [c["mode"], c["model"]], sizes, api_visibility="private")
    for name in PRESET_FIELDS:  # a hand-edited setting no longer matches the preset
        c[name].input(lambda: "custom", None, c["preset"], api_visibility="private")
