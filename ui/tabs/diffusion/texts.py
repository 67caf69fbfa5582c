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
    sharpest = max(shown, key=lambda s: r[f"{s[1]}_precision"])[0]
    widest = max(shown, key=lambda s: r[f"{s[1]}_recall"])[0]
    return ("\n\n**One scoreboard for every generator** (`make evaluate`; precision and recall on 1,000 samples "
            "against 1,000 test images in the classifier's features, k = 3, Kynkäänniemi et al., 2019). Precision asks "
            "*are the samples realistic?*, recall *do they cover everything real?*: a generator that collapses onto a "
            "few images keeps its precision and loses its recall, a blurry one the other way round.\n\n"
            "| generator | precision | recall | Frechet distance | network evaluations per image |\n"
            "|---|---:|---:|---:|---:|\n" + "\n".join(rows)
            + f"\n\nOn these figures the most realistic samples come from the **{sharpest}** and the widest "
            f"coverage from the **{widest}**. The Frechet distances compare each generator's samples with the "
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

