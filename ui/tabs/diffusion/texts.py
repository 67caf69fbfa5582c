"""The "What came next" tab's words: the explanation with the math, the vocabulary, the GAN-vs-diffusion table.

The figures in them are read from files (the pipelines' config.json, ``make evaluate``'s weights/evaluation.json),
never typed, so a retrained model's numbers show without editing the text.
"""
from __future__ import annotations

import json
from pathlib import Path

from gan_demo.data import dataset_info
from gan_demo.data.captions import ATTRIBUTES, vocabulary
from gan_demo.families.text.evaluation import redrawn_note
from gan_demo.hub import pretrained_config, weights_dir

EXPLAIN = r"""
### After GANs: diffusion, and text in through CLIP
DALL-E 2 (Ramesh et al., 2022) turns a sentence into an image, and it is *not* a GAN. Every model below was trained
here, on the same images as the GANs, from captions made from each image's class and pixels ("a small dark sneaker").

**CLIP** (Radford et al., 2021) maps images and captions into one space of unit vectors. For a batch of $B$ pairs
with image embeddings $u_i$, caption embeddings $v_j$ and a learned temperature $\tau$, it minimises the symmetric
contrastive (InfoNCE) loss
$$\mathcal{L} = -\frac{1}{2B}\sum_{i}\Big[\log \frac{e^{u_i^\top v_i/\tau}}{\sum_j e^{u_i^\top v_j/\tau}}
+ \log \frac{e^{u_i^\top v_i/\tau}}{\sum_j e^{u_j^\top v_i/\tau}}\Big]$$
(here, captions identical to one's own count as right too).

**Diffusion** (Ho et al., 2020) destroys an image $x_0$ with Gaussian noise in $T = 1000$ small steps,
$$q(x_t \mid x_0) = \mathcal{N}\big(\sqrt{\bar\alpha_t}\,x_0,\ (1 - \bar\alpha_t)\,I\big),$$
and trains a network $\epsilon_\theta$ to find the noise: $\mathbb{E}_{x_0, t, \epsilon}\,\lVert \epsilon -
\epsilon_\theta(\sqrt{\bar\alpha_t}x_0 + \sqrt{1-\bar\alpha_t}\,\epsilon,\ t,\ c)\rVert^2$. **DDIM** (Song et al.,
2021) then walks back from pure noise $x_T$ in a few dozen deterministic steps, each predicting the clean image
$\hat x_0 = (x_t - \sqrt{1-\bar\alpha_t}\,\epsilon_\theta)/\sqrt{\bar\alpha_t}$ and moving towards it. (The
MNIST decoder predicts $\hat x_0$ itself, trained on $\lVert x_0 - \hat x_0\rVert^2$: the same step, written the
other way round; its samples keep a cleaner background.)

**Classifier-free guidance** (Ho & Salimans, 2021): the condition $c$ is dropped 10% of the time in training, so
one network predicts both $\epsilon_\theta(x_t, c)$ and $\epsilon_\theta(x_t, \varnothing)$; sampling follows
$\tilde\epsilon = \epsilon_\theta(x_t, \varnothing) + w\,\big(\epsilon_\theta(x_t, c) - \epsilon_\theta(x_t, \varnothing)\big)$:
$w = 1$ is plain conditional sampling, larger $w$ follows the prompt harder at the cost of variety. The prior is
guided the same way (as DALL-E 2 guides its prior too), so the sampled image embedding fits the prompt. Guidance
may be kept to the middle of the schedule (Kynkäänniemi et al., 2024): at the noisiest steps it pulls every sample
towards the most typical one, at the last few it hardly matters, so guiding only in between keeps the prompt at
far less cost in variety. Each dataset's scales were tuned for the prompted class at the least cost in variety
(`experiments/tune_guidance.py`): {tuned}; the slider starts at the decoder's.

**The pipeline** (the picture): the prompt's CLIP text embedding goes to the **prior**, a diffusion model over
CLIP *image* embeddings (a caption fits many images, so it samples one rather than averaging them), and the
**decoder**, a diffusion UNet (diffusers' `UNet2DModel`) conditioned on that image embedding (MNIST's also on the
prompt's text embedding, as DALL-E 2's decoder reads the caption too), draws the image.

**The decoder checked against its condition.** Now and then the decoder strays: from an image embedding $e$ that
CLIP reads as a 7 it draws a 2. A pipeline can catch that as it samples: it embeds each decoded image $\hat x$
with its own CLIP, and if $\cos\big(\mathrm{CLIP}(\hat x),\ e\big) < \rho$ it decodes $e$ again from fresh
noise (drawn from the same seed), at most twice, keeping the closest decode. It costs a CLIP pass per image and a
decoder pass per stray; the status under the images says how many strayed. {redraws}.
"""


def tuned_scales() -> str:
    """The explanation's sentence on each dataset's default scales, read from the pipelines' config.json files (so
    a retrained model's scales show without editing the text; local or from the Hub, as the models load)."""
    parts = []
    for dataset in ("fashion", "mnist"):
        config = pretrained_config(f"text-{dataset}")
        w, w_prior, span = config["guidance"], config["prior_guidance"], config.get("prior_guidance_interval")
        decoder = f"decoder {w:g}" + (" (no guidance: one network evaluation a step)" if w == 1 else "")
        prior = f"prior {w_prior:g}" + (f" on the steps with $t$ from {span[0]} to {span[1]}" if span else "")
        parts.append(f"{decoder} and {prior} for {dataset_info(dataset).title}")
    return ", ".join(parts)


def self_checks() -> str:
    """The explanation's sentence on each pipeline's redraw threshold (``redraw_below`` in its config.json)."""
    parts = []
    for dataset in ("fashion", "mnist"):
        below, title = pretrained_config(f"text-{dataset}").get("redraw_below"), dataset_info(dataset).title
        parts.append(f"{title}: redrawn below $\\rho = {below:g}$" if below is not None else f"{title}: never redrawn")
    return "; ".join(parts)


def known_words(dataset: str) -> str:
    """The vocabulary, said in the tab: prompts with other words get an error naming them."""
    vocab = vocabulary(dataset)
    nouns = {word for names in vocab.nouns for name in names for word in name.split()}
    groups = "; ".join(f"**{g}** = {', '.join(vocab.nouns[c][0] for c in members)}" for g, members in vocab.groups.items())
    other = [w for w in vocab.words() if w not in nouns | set(vocab.groups) | set(ATTRIBUTES)]
    return (f"**The words these models know** (their captions' words; any other word gets an error naming it). "
            f"Classes: {', '.join(' / '.join(n) for n in vocab.nouns)}. Groups: {groups}. Attributes, relative to the "
            f"class: **dark** / **light** (ink brightness), **small** / **large** (ink area). Also: {', '.join(other)}.")


def evaluation_results(path: Path | None = None) -> list[dict]:
    """``make evaluate``'s results (weights/evaluation.json), or none when it has not run."""
    try:
        return json.loads((path or weights_dir() / "evaluation.json").read_text())
    except (OSError, ValueError):
        return []


def comparison_table(dataset: str, path: Path | None = None) -> str:
    """The GAN-vs-diffusion figures ``make evaluate`` measured for ``dataset`` (weights/evaluation.json)."""
    path = path or weights_dir() / "evaluation.json"
    try:
        r = next(x for x in json.loads(path.read_text()) if x["dataset"] == dataset)
        rows = [("samples judged the prompted / requested class", f"{r['text_agreement']:.1%}", f"{r['text_cgan_agreement']:.1%}"),
                ("Frechet distance to the test images (lower is better)", f"{r['text_fd']:.1f}", f"{r['text_cgan_fd']:.1f}"),
                ("classifier ≥ 90% sure", f"{r['text_confident']:.1%}", f"{r['text_cgan_confident']:.1%}"),
                ("precision: share of samples among real images (real images: "
                 f"{r['real_precision']:.2f})", f"{r['text_precision']:.2f}", f"{r['text_cgan_precision']:.2f}"),
                (f"recall: share of real images the samples reach (real images: {r['real_recall']:.2f})",
                 f"{r['text_recall']:.2f}", f"{r['text_cgan_recall']:.2f}"),
                ("diversity within a class (real images = 1)", f"{r['text_diversity']:.2f}", f"{r['text_cgan_diversity']:.2f}"),
                ("network evaluations per image", f"{r['text_network_evaluations']:g}" + redrawn_note(r), "1"),
                ("milliseconds per image (CPU, batch sampling)", f"{r['text_ms_per_image']:.1f}", f"{r['text_cgan_ms_per_image']:.2f}")]
    except (OSError, ValueError, KeyError, StopIteration):
        return "No evaluation of the text-to-image models yet: run `make evaluate`."
    head = f"Measured by `make evaluate` on {r['text_n']} class-prompted samples of each model:\n\n"
    table = head + "| | diffusion (text-to-image) | conditional GAN |\n|---|---|---|\n" + "\n".join(
        f"| {a} | {b} | {c} |" for a, b, c in rows)
    return table + latent_note(r) + scoreboard(r)


# every generator make evaluate measures: (name, key prefix, network evaluations per image as the page says them)
GENERATORS = (("GAN", "gan", lambda r: "1"), ("conditional GAN", "cgan", lambda r: "1"),
              ("VAE, N(0, I) codes", "vae", lambda r: "1"),
              ("latent diffusion over the autoencoder", "latent_ae", lambda r: f"{r['latent_ae_evaluations']} + 1"),
              ("latent diffusion over the VAE", "latent_vae", lambda r: f"{r['latent_vae_evaluations']} + 1"),
              ("text-to-image diffusion (class prompts)", "text", lambda r: f"{r['text_network_evaluations']:g}"))


def scoreboard(r: dict) -> str:
    """Precision, recall and Frechet distance of every generator of the dataset, real images as the ceiling, and a
    sentence saying which does best on each (the figures decide, not the textbook)."""
    shown = [(name, key, calls(r)) for name, key, calls in GENERATORS if f"{key}_precision" in r]
    if not shown or "real_precision" not in r:
        return ""
    rows = [f"| real training images (the ceiling) | {r['real_precision']:.2f} | {r['real_recall']:.2f} | "
            f"{r['fd_floor_train_vs_test']:.1f} | - |"]
    rows += [f"| {name} | {r[f'{key}_precision']:.2f} | {r[f'{key}_recall']:.2f} | {r[f'{key}_fd']:.1f} | {calls} |"
             for name, key, calls in shown]
    guided = r.get("text_guidance", [])
    rows += [f"| text-to-image, decoder guidance w = {g['guidance']:g} | {g['precision']:.2f} | {g['recall']:.2f} | "
             f"{g['fd']:.1f} | - |" for g in guided]
    sharpest = max(shown, key=lambda s: r[f"{s[1]}_precision"])[0]
    widest = max(shown, key=lambda s: r[f"{s[1]}_recall"])[0]
    trade = ""
    if len(guided) > 1:
        low, high = guided[0], guided[-1]
        trade = (f" Guidance trades variety for adherence: from w = {low['guidance']:g} to w = {high['guidance']:g} the "
                 f"decoder's samples go from {low['agreement']:.0%} to {high['agreement']:.0%} the prompted class, "
                 f"precision {low['precision']:.2f} → {high['precision']:.2f}, recall {low['recall']:.2f} → "
                 f"{high['recall']:.2f} (the same prompts and noise at each scale, the prior at its own).")
    return ("\n\n**One scoreboard for every generator** (`make evaluate`; precision and recall on 1,000 samples "
            "against 1,000 test images in the classifier's features, k = 3, Kynkäänniemi et al., 2019). Precision asks "
            "*are the samples realistic?*, recall *do they cover everything real?*: a generator that collapses onto a "
            "few images keeps its precision and loses its recall, a blurry one the other way round.\n\n"
            "| generator | precision | recall | Frechet distance | network evaluations per image |\n"
            "|---|---:|---:|---:|---:|\n" + "\n".join(rows)
            + f"\n\nOn these figures the most realistic samples come from the **{sharpest}** and the widest "
            f"coverage from the **{widest}**.{trade} The Frechet distances compare each generator's samples with the "
            f"{r['n_test']:,} test images; the text-to-image pipeline's come from {r['text_n']:,} samples, and fewer "
            f"samples give a larger distance: beside it, the conditional GAN on the same prompts gives "
            f"{r['text_cgan_fd']:.1f}.")


def latent_note(r: dict) -> str:
    """One sentence between this tab and the Autoencoder tab's latent diffusion, with its measured speed."""
    if "latent_ae_ms_per_image" not in r:
        return ""
    return ("\n\nDALL-E 2's decoder works on pixels (784 numbers here, a UNet at every step); Stable Diffusion's works "
            "on an autoencoder's latents. The Autoencoder tab's **latent diffusion** does that: a flow over the "
            f"autoencoder's 32-number codes takes {r['latent_ae_evaluations']} evaluations of a small MLP and "
            f"{r['latent_ae_ms_per_image']:.1f} ms per image, decoding included, against "
            f"{r['text_ms_per_image']:.1f} ms for this pipeline (`make evaluate`, CPU).")



SPEED = r"""
### Speed against quality: how many steps does an image need?
A GAN draws an image in **one** network evaluation; a diffusion decoder in as many as its sampler takes steps, twice
that under guidance. Beside the DDPM decoder, Fashion-MNIST has a second decoder trained here by **flow matching**
(Lipman et al., 2023) under the same CLIP and prior, on the same images for the same number of steps: it learns the
velocity of a straight path from noise $\epsilon$ to image $x_0$,
$$x_t = t\,x_0 + (1 - t)\,\epsilon,\qquad \mathcal{L} = \mathbb{E}_{x_0, \epsilon, t}\,\big\lVert v_\theta(x_t, t, c) -
(x_0 - \epsilon)\big\rVert^2,$$
and samples by integrating $dx/dt = v_\theta$ from $t = 0$ to $1$: Euler's method
($x \leftarrow x + h\,v$, one evaluation a step) or Heun's (the average of the slopes at both ends of the step, two
evaluations, second order). `make evaluate` decodes the same prompts' image embeddings from the same noise at
1 to 50 steps and asks the classifier what it sees (DDIM here visits trailing timesteps, so even one step starts from
pure noise).
"""


def sweep_series(r: dict) -> dict[str, list[dict]]:
    """Every sampler's points of ``make evaluate``'s sweep for one dataset (the cGAN's as "cgan"), each point's
    ``ms_per_image`` taken from the side-by-side timing pass where there is one (the decoders of one dataset timed
    in turns in one run), else from the run that measured the point."""
    series = {**r.get("text_sweep", {}), **r.get("text_flow_sweep", {})}
    timing = r.get("text_flow_sweep_ms")
    if timing:
        series = {name: [{**p, "ms_per_image": timing["cgan"] if name == "cgan" else
                          timing[name][timing["steps"].index(p["steps"])]} for p in points]
                  for name, points in series.items()}
    return series


def timed_side_by_side(r: dict) -> bool:
    return "text_flow_sweep_ms" in r


def sweep_verdict(r: dict) -> str:
    """What the sweep says for one dataset's result, from its figures: for each decoder the fewest evaluations within
    10% of its best Frechet distance, and the conditional GAN's single evaluation beside them."""
    series = sweep_series(r)
    gan = series.pop("cgan", [None])[0]
    if not series or gan is None:
        return ""
    names = {"ddim": "the DDPM decoder with DDIM", "euler": "the flow-matching decoder with Euler",
             "heun": "the flow-matching decoder with Heun"}
    parts, reached = [], {}
    for name, points in series.items():
        best = min(p["fd"] for p in points)
        enough = next(p for p in points if p["fd"] <= 1.1 * best)
        reached[name] = enough["evaluations"]
        parts.append(f"{names[name]} comes within 10% of its best Frechet distance ({best:.1f}) at "
                     f"{enough['evaluations']} evaluations ({enough['steps']} steps, {enough['ms_per_image']:.1f} ms "
                     f"per image, {enough['agreement']:.0%} the prompted class)")
    first = {name: next((p for p in points if p["agreement"] >= 0.9), None) for name, points in series.items()}
    prompted = "; ".join(f"{names[name]} from {p['evaluations']} evaluation{'s' if p['evaluations'] > 1 else ''}"
                         for name, p in first.items() if p is not None)
    cheapest = min(reached, key=reached.get)
    return (f"**{dataset_info(r['dataset']).title}**: " + "; ".join(parts) + f". Of the decoders, {names[cheapest]} "
            f"gets there cheapest. The prompted class for 90% of images: {prompted}. The conditional GAN, at one "
            f"evaluation ({gan['ms_per_image']:.2f} ms per image), scores {gan['fd']:.1f} and {gan['agreement']:.0%}.")


def speed_table(results: list[dict]) -> str:
    """Every point of the sweep, per dataset: the figures behind the chart, a row per sampler and a column per step
    count, each cell the Frechet distance, the prompted-class share and the milliseconds per image."""
    lines = []
    names = {"ddim": "DDPM, DDIM", "euler": "flow matching, Euler", "heun": "flow matching, Heun",
             "cgan": "conditional GAN"}
    for r in results:
        series = sweep_series(r)
        if not series:
            continue
        timing = ("the decoders and the GAN timed in turns in one pass, one batch of "
                  f"{r['text_flow_sweep_ms']['n']} images" if timed_side_by_side(r) else
                  "timed in the run that measured them")
        steps = sorted({p["steps"] for points in series.values() for p in points})
        lines += ["", sweep_verdict(r), "", f"Each cell: Frechet distance / prompted class / ms per image ({timing}).",
                  "", "| sampler (evaluations per step) | " + " | ".join(f"{k} step{'s' * (k > 1)}" for k in steps) + " |",
                  "|---|" + "---:|" * len(steps)]
        for name, points in series.items():
            at = {p["steps"]: p for p in points}
            per_step = points[0]["evaluations"] // points[0]["steps"]
            cells = [f"{at[k]['fd']:.1f} / {at[k]['agreement']:.0%} / {at[k]['ms_per_image']:.1f}" if k in at else "-"
                     for k in steps]
            lines.append(f"| {names[name]} ({per_step}) | " + " | ".join(cells) + " |")
    if not lines:
        return "No speed-against-quality sweep yet: run `make evaluate`."
    n = results[0].get("text_sweep_n", "")
    return (f"Measured by `make evaluate` ({n} class-prompted images per point; fewer images than the scoreboard's "
            "give larger Frechet distances, so compare them within this table; CPU milliseconds for the decoder "
            "alone):" + "\n".join(lines))
