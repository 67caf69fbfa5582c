"""Guided lessons, one per tab: think first, then see.

Each :class:`Step` asks a question with a few plausible answers, and its ``run`` does the real thing with the
shipped models (or, for the live tab, a short 2-D run) and returns an :class:`Outcome`: the measured facts, the
answer those facts point to, a sentence or two with the figures, and a picture. The verdict on a learner's
prediction is read from the run, never from a stored number: :func:`verdict`.

``run(dataset, seed, load)``: ``load(name)`` returns a shipped model (the tabs pass their model cache, the tests
``cached_pretrained``), so this module picks no device and imports no gradio.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy.linalg import LinAlgWarning
from torch import nn

from . import explore, prior_hole
from .data import DATASETS, shuffled_split, to_model_range, to_uint8
from .data.captions import vocabulary
from .evaluation.context import CONFIDENT
from .evaluation.metrics import frechet_distance
from .families.clip import scoring
from .families.latent.flow import DEFAULT_GUIDANCE, DEFAULT_STEPS
from .families.text.diffusion import network_evaluations
from .families.text.generate import generate as text_generate
from .images import labelled_grid
from .sampling import generate, make_noise, sample, slerp

Load = Callable[[str], nn.Module]
PICK_FIRST = "Pick your prediction first: which answer do you expect?"


@dataclass
class Outcome:
    """What one run measured (``facts``), which choice that points to (``observed``), the figures in words
    (``explanation``), and what it drew (``picture``, RGB, with ``alt`` for a screen reader)."""

    facts: dict[str, float]
    observed: int
    explanation: str
    picture: np.ndarray | None = None
    alt: str = ""


@dataclass(frozen=True)
class Step:
    title: str
    question: str
    choices: tuple[str, ...]
    answer: int  # the choice the theory predicts; the tests check that the run agrees
    math: str  # the one line of math behind it
    run: Callable[[str, int, Load], Outcome] = field(repr=False)


@dataclass(frozen=True)
class Lesson:
    tab: str
    steps: tuple[Step, ...]


def check_prediction(step: Step, prediction) -> int:
    """The index of the learner's choice; a ValueError that says what to do when there is none."""
    if isinstance(prediction, bool) or not isinstance(prediction, (int, np.integer)) \
            or not 0 <= prediction < len(step.choices):
        raise ValueError(PICK_FIRST)
    return int(prediction)


def verdict(step: Step, prediction: int, outcome: Outcome) -> str:
    """Markdown: right or not, what the run showed, why, and the math."""
    right = prediction == outcome.observed
    head = "**Right.**" if right else f"**Not this time.** The run points to: *{step.choices[outcome.observed]}*."
    return f"{head} {outcome.explanation}\n\n`{step.math}`"


# -- helpers ------------------------------------------------------------------------------------------------
def _class_name(dataset: str, k: int) -> str:
    return DATASETS[dataset].classes[k]


def _judge(load: Load, dataset: str, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return explore.classify(load(f"classifier-{dataset}"), images)


def _recognised(load: Load, dataset: str, images: np.ndarray) -> tuple[float, int]:
    """Share of images the classifier is sure of, and how many classes it is sure of at least once."""
    labels, confidence = _judge(load, dataset, images)
    sure = confidence >= CONFIDENT
    return float(sure.mean()), len(set(labels[sure].tolist()))


def _rows(*rows: np.ndarray, labels: list[str], scale: int = 2) -> np.ndarray:
    return labelled_grid([list(r) for r in rows], row_labels=labels, scale=scale)


_REAL_FEATURES: dict[tuple[str, int], np.ndarray] = {}


def _features(classifier: nn.Module, images: np.ndarray | torch.Tensor) -> np.ndarray:
    x = to_model_range(torch.as_tensor(np.asarray(images, np.uint8)))
    with torch.inference_mode():
        return classifier.features(x.to(next(classifier.parameters()).device)).cpu().numpy()


def _test_images(dataset: str, start: int, n: int) -> np.ndarray:
    return shuffled_split(dataset, "test", start, n)[0].numpy()


def _frechet(load: Load, dataset: str, images: np.ndarray, n_real: int = 500) -> float:
    """Frechet distance of the classifier's features of ``images`` from ``n_real`` test images' (all classes)."""
    classifier = load(f"classifier-{dataset}")
    key = (dataset, id(classifier))
    if key not in _REAL_FEATURES:
        _REAL_FEATURES[key] = _features(classifier, _test_images(dataset, 0, n_real))
    with warnings.catch_warnings():  # 64 images, 128 features: a singular covariance, a biased but ordered distance
        warnings.simplefilter("ignore", LinAlgWarning)
        return frechet_distance(_REAL_FEATURES[key], _features(classifier, images))


def _nearest(value: float, targets: tuple[float, ...]) -> int:
    return int(np.argmin([abs(value - t) for t in targets]))


def _roughness(images: np.ndarray) -> float:
    """Mean absolute difference of horizontally neighbouring pixels (0..255): static is rough, images are not."""
    return float(np.abs(np.diff(images.astype(np.float32), axis=-1)).mean())


# -- Autoencoder ----------------------------------------------------------------------------------------------
def ae_random_code(dataset: str, seed: int, load: Load) -> Outcome:
    """64 codes z ~ N(0, I) decoded by the autoencoder: does the classifier recognise them, of how many classes?"""
    images = explore.decode_random_codes([load(f"autoencoder-{dataset}")], 64, seed)[0]  # (64, 28, 28)
    sure, classes = _recognised(load, dataset, images)
    rough = _roughness(images) / _roughness(_test_images(dataset, 0, 64))
    observed = 2 if rough > 2 else 0 if sure >= 0.5 and classes >= 8 else 1
    return Outcome(dict(confident=sure, classes=classes, roughness=rough), observed,
                   f"The classifier is sure of {sure:.0%} of the 64 decodes and sees {classes} of 10 classes among them; "
                   f"they are {rough:.1f}x as rough as real images (static would be far rougher). Training only asked "
                   "g(f(x)) to match x, so the codes of real images fill an oddly shaped corner of the code space and "
                   "N(0, I) draws land where the decoder never learned what to draw.",
                   _rows(images[:8], images[8:16], labels=["z ~ N(0, I)", ""]),
                   f"autoencoder-{dataset}: 16 decodes of random codes")


def ae_denoise(dataset: str, seed: int, load: Load) -> Outcome:
    """16 test images (a shuffled order's, from ``seed`` mod 100 on), with noise 0.3 (explore's fixed noise), rebuilt."""
    clean = _test_images(dataset, seed % 100, 16)
    made = [explore.reconstruct(load(f"autoencoder-{dataset}"), x, 0.3) for x in clean]
    gain = float(np.mean([r.psnr - r.noisy_psnr for r in made]))
    observed = 0 if gain > 1 else 1 if gain < -1 else 2
    return Outcome(dict(psnr=float(np.mean([r.psnr for r in made])), noisy_psnr=float(np.mean([r.noisy_psnr for r in made])),
                        gain=gain), observed,
                   f"Against the clean images the reconstructions score {np.mean([r.psnr for r in made]):.1f} dB, the "
                   f"noisy inputs {np.mean([r.noisy_psnr for r in made]):.1f} dB: {gain:+.1f} dB. The 32-number code cannot "
                   "hold 784 independent noise values, so the decoder draws what it learned images look like.",
                   _rows(clean[:8], [r.noisy for r in made[:8]], [r.output for r in made[:8]],
                         labels=["clean", "noise 0.3", "rebuilt"]),
                   f"autoencoder-{dataset}: 8 test images, with noise, and rebuilt")


def ae_three_ways(dataset: str, seed: int, load: Load) -> Outcome:
    """The same 64 noise vectors decoded by the autoencoder, the VAE and (after the latent flow) the autoencoder:
    the Frechet distance of each from real test images."""
    ae, vae = load(f"autoencoder-{dataset}"), load(f"vae-{dataset}")
    as_ae, as_vae = explore.decode_random_codes([ae, vae], 64, seed)
    flowed = prior_hole.codes_of(load(f"latent-ae-{dataset}"), 64, seed, steps=DEFAULT_STEPS,
                                 guidance=DEFAULT_GUIDANCE).flowed_images
    distances = [_frechet(load, dataset, x) for x in (as_ae, as_vae, flowed)]
    observed = int(np.argmin(distances))
    return Outcome(dict(ae=distances[0], vae=distances[1], flow=distances[2]), observed,
                   f"Frechet distance from real test images (lower is closer): autoencoder {distances[0]:.0f}, VAE "
                   f"{distances[1]:.0f}, latent flow {distances[2]:.0f}. The flow carries N(0, I) to where real images' "
                   "codes lie, so its codes decode into images: Stable Diffusion's step, in miniature.",
                   _rows(as_ae[:8], as_vae[:8], flowed[:8], labels=["autoencoder", "VAE", "flow + decoder"]),
                   f"the same 8 noise vectors decoded by autoencoder-{dataset}, vae-{dataset}, and after the latent flow")


# -- GAN ------------------------------------------------------------------------------------------------------
def gan_copy(dataset: str, seed: int, load: Load) -> Outcome:
    """8 samples' distance to their nearest training image, against a real test image's."""
    images = sample(load(f"gan-{dataset}"), 8, seed).numpy()
    found = [explore.nearest(dataset, x, 1) for x in images]
    distance = float(np.median([d[0] for _, d in found]))
    typical = explore.typical_real_distance(dataset)
    ratio = distance / typical
    observed = 0 if ratio < 0.25 else 1 if ratio <= 2 else 2
    nearest = explore.training_images(dataset, np.array([i[0] for i, _ in found]))[0]
    return Outcome(dict(distance=distance, typical=typical, ratio=ratio), observed,
                   f"Median distance from a sample to its nearest training image: {distance:.3f}; from a real test "
                   f"image to its nearest: {typical:.3f} ({ratio:.2f}x). G never sees a training image, only D's "
                   "verdicts, so it makes new images from the same distribution.",
                   _rows(images, nearest, labels=["GAN sample", "nearest train"]),
                   f"8 samples of gan-{dataset}, seed {seed}, above their nearest training images")


def gan_lerp(dataset: str, seed: int, load: Load) -> Outcome:
    """How long the straight line's midpoint between two noise vectors is, over 64 pairs; its decodes beside slerp's."""
    g = load(f"gan-{dataset}")
    a, b = make_noise(64, g.latent_dim, seed), make_noise(64, g.latent_dim, seed + 1)
    middle = (a + b) / 2
    ratio = float((middle.norm(dim=1) / a.norm(dim=1)).mean())
    arc = torch.stack([slerp(x, y, torch.tensor([0.5]))[0] for x, y in zip(a[:8], b[:8])])
    observed = _nearest(ratio, (1.0, 0.5 ** 0.5, 2.0))
    return Outcome(dict(ratio=ratio, dim=g.latent_dim), observed,
                   f"Over 64 pairs the straight line's midpoint is {ratio:.2f} times as long as z_A ({g.latent_dim} "
                   "numbers each). Gaussian noise lives near a sphere of radius sqrt(d): the straight line cuts "
                   "through its unlikely middle, the great circle (slerp) stays on it.",
                   _rows(generate(g, middle[:8]).numpy(), generate(g, arc).numpy(),
                         labels=["straight middle", "slerp middle"]),
                   f"gan-{dataset}: the midpoints of 8 straight lines and 8 great circles between noise vectors")


def gan_modes(dataset: str, seed: int, load: Load) -> Outcome:
    """The classes the classifier sees in 200 samples."""
    images = sample(load(f"gan-{dataset}"), 200, seed).numpy()
    labels, _ = _judge(load, dataset, images)
    share = np.bincount(labels, minlength=10) / len(labels)
    seen = int((share >= 0.03).sum())
    observed = 0 if seen >= 9 else 2 if seen <= 1 else 1
    return Outcome(dict(classes=seen, smallest=float(share.min()), largest=float(share.max())), observed,
                   f"The classifier sees {seen} of 10 classes at 3% or more; the smallest share is {share.min():.0%}, "
                   f"the largest {share.max():.0%}. At the game's optimum p_g = p_data, every class in its share; a "
                   "collapsed G would fool this D with a few.",
                   _rows(images[:8], images[8:16], labels=["samples", ""]),
                   f"16 of 200 samples of gan-{dataset}, seed {seed}")


# -- Conditional GAN -----------------------------------------------------------------------------------------
ASKED = 7  # Sneaker / 7


def cgan_unconditional(dataset: str, seed: int, load: Load) -> Outcome:
    """The plain GAN's share of class ASKED in 200 samples."""
    images = sample(load(f"gan-{dataset}"), 200, seed).numpy()
    labels, _ = _judge(load, dataset, images)
    share = float((labels == ASKED).mean())
    observed = 0 if share < 0.03 else 1 if share < 0.3 else 2
    wanted = _class_name(dataset, ASKED)
    picked = images[labels == ASKED][:8]
    return Outcome(dict(share=share), observed,
                   f"{share:.0%} of 200 samples are {wanted} to the classifier. Without a label, G draws every class "
                   "in about its share of the data, and you cannot ask for one.",
                   _rows(images[:8], picked if len(picked) else images[8:16], labels=["samples", f"the {wanted}s"]),
                   f"gan-{dataset}: 8 samples, then 8 of those the classifier calls {wanted}")


def cgan_ask(dataset: str, seed: int, load: Load) -> Outcome:
    """The classifier's agreement with 32 samples of the conditional GAN asked for class ASKED."""
    images = sample(load(f"cgan-{dataset}"), 32, seed, labels=[ASKED] * 32).numpy()
    labels, _ = _judge(load, dataset, images)
    agree = float((labels == ASKED).mean())
    observed = 0 if agree < 0.25 else 1 if agree < 0.75 else 2
    return Outcome(dict(agreement=agree), observed,
                   f"The classifier agrees on {agree:.0%} of 32 samples asked for {_class_name(dataset, ASKED)}. Both "
                   "players see the label, so a sample of the wrong class is an easy catch for D.",
                   _rows(images[:8], images[8:16], labels=["asked", ""]),
                   f"cgan-{dataset}: 16 samples asked for {_class_name(dataset, ASKED)}")


def cgan_style(dataset: str, seed: int, load: Load) -> Outcome:
    """Three noise vectors across the ten labels: does the classifier see the asked class in each column?"""
    cells = explore.class_grid(load(f"cgan-{dataset}"), seed, 3)  # (3, K, 28, 28)
    labels, _ = _judge(load, dataset, cells.reshape(-1, 28, 28))
    agree = float((labels.reshape(3, -1) == np.arange(cells.shape[1])).mean())
    one_class = bool((labels.reshape(3, -1) == labels.reshape(3, -1)[:, :1]).all())
    observed = 1 if agree >= 0.9 else 0 if one_class else 2
    return Outcome(dict(agreement=agree), observed,
                   f"Along each row (one z) the classifier finds the asked class in {agree:.0%} of the images: the label "
                   "carries the content; what the row keeps (thickness, slant, size) is the style z carries.",
                   labelled_grid([list(r) for r in cells], row_labels=["z1", "z2", "z3"], scale=2,
                                 col_labels=[str(k) for k in range(cells.shape[1])]),
                   f"cgan-{dataset}: 3 noise vectors, one row each, by the 10 classes")


# -- Live training (2-D, no shipped models) -------------------------------------------------------------------
# Steps of each run: 2 to 6 s on one busy CPU core (a live step is ~15 ms on the ring, 28 ms with 5 D steps)
SETTLE_STEPS, MODES_STEPS, PUSH_STEPS = 400, 300, 40
def _live(preset: str, steps: int, seed: int, **values):
    from .live import PRESETS, make_settings, stream  # noqa: PLC0415 - the live package is only needed here

    if values:
        settings = make_settings(**{**PRESETS[preset].settings["2d"], **values}, dataset="ring", seed=seed, steps=steps)
    else:
        settings = make_settings(preset, dataset="ring", seed=seed, steps=steps)
    frames = list(stream(settings, frame_seconds=1e9, max_seconds=1e9, device="cpu"))
    return frames[-1], [r for f in frames for r in f.records]


def _beside(*pictures: np.ndarray) -> np.ndarray:
    height = max(p.shape[0] for p in pictures)
    padded = [np.pad(p, ((0, height - p.shape[0]), (0, 8), (0, 0)), constant_values=255) for p in pictures]
    return np.concatenate(padded, axis=1)


def live_settle(dataset: str, seed: int, load: Load) -> Outcome:
    """D(x) and D(G(z)) over the first and the last fifth of a short Balanced run on the ring."""
    last, records = _live("balanced", SETTLE_STEPS, seed)
    fifth = len(records) // 5
    tail = records[-fifth:]
    d_real, d_fake = (float(np.mean([r[k] for r in tail])) for k in ("d_real", "d_fake"))
    gap_then = float(np.mean([r["d_real"] - r["d_fake"] for r in records[:fifth]]))
    trend = "closing in on 1/2" if d_real - d_fake < gap_then else "no closer to 1/2 yet"
    targets = ((1.0, 0.0), (0.5, 0.5), (1.0, 1.0))
    observed = int(np.argmin([np.hypot(d_real - a, d_fake - b) for a, b in targets]))
    return Outcome(dict(d_real=d_real, d_fake=d_fake, gap_start=gap_then), observed,
                   f"Over the last {fifth} of {SETTLE_STEPS} steps D(x) = {d_real:.2f} and D(G(z)) = {d_fake:.2f} (the "
                   f"gap was {gap_then:.2f} over the first {fifth}): {trend}. Where G matches the data, D cannot do "
                   "better than a coin; press Start below for the full run.",
                   last.heatmap, f"D(x) over the plane after {SETTLE_STEPS} steps, real points black, generated white "
                   "rings")


def live_modes(dataset: str, seed: int, load: Load) -> Outcome:
    """Modes of the ring covered by a Mode collapse GAN and by a flow-matching model after as many steps."""
    from .live import diffusion  # noqa: PLC0415

    gan, _ = _live("mode-collapse", MODES_STEPS, seed)
    flow = list(diffusion.stream(diffusion.DiffusionSettings(dataset="ring", steps=MODES_STEPS, seed=seed),
                                 frame_seconds=1e9, max_seconds=1e9))[-1]
    g, f = gan.modes[0], flow.modes[0]
    observed = 2 if g == f == 8 else 0 if g == 8 else 1 if f == 8 else 3
    return Outcome(dict(gan_modes=g, flow_modes=f), observed,
                   f"After {MODES_STEPS} steps each the GAN covers {g} of 8 modes, the flow model {f}. The flow is a regression "
                   "onto every data point, so nothing rewards it for dropping a mode; a G that outruns its D can pile "
                   "onto the few that fool it.",
                   _beside(gan.heatmap, flow.trajectories),
                   "Left: the GAN's D(x) map with its points; right: the flow model's paths from noise to the ring")


def live_vanishing(dataset: str, seed: int, load: Load) -> Outcome:
    """G's gradient norm with G started far from the data, with the minimax and the non-saturating loss."""
    runs = {loss: _live("disjoint-supports", PUSH_STEPS, seed, g_loss=loss) for loss in ("minimax", "non-saturating")}
    push = {loss: float(np.median([r["grad_g"] for r in records])) for loss, (_, records) in runs.items()}
    ratio = push["non-saturating"] / push["minimax"]
    observed = 2 if ratio > 10 else 1 if ratio < 0.1 else 0
    return Outcome(dict(minimax=push["minimax"], non_saturating=push["non-saturating"], ratio=ratio), observed,
                   f"Median gradient norm over {PUSH_STEPS} steps: minimax {push['minimax']:.4f}, non-saturating "
                   f"{push['non-saturating']:.3f} ({ratio:.0f}x). D rejects the fakes with confidence, where "
                   "log(1 - D) is flat; -log D is steep there, so G still gets a push.",
                   _beside(runs["minimax"][0].heatmap, runs["non-saturating"][0].heatmap),
                   f"D(x) maps after {PUSH_STEPS} steps: left minimax, right non-saturating")


# -- What came next -------------------------------------------------------------------------------------------
def next_clip(dataset: str, seed: int, load: Load) -> Outcome:
    """CLIP's zero-shot accuracy on 200 test images of every class (one prompt per class)."""
    x, y = shuffled_split(dataset, "test", seed % 100, 200)
    predicted = scoring.zero_shot(load(f"text-{dataset}").clip, dataset, to_model_range(x))
    accuracy = float((predicted == y).float().mean())
    observed = 0 if accuracy < 0.25 else 1 if accuracy < 0.75 else 2
    wrong = (predicted != y).nonzero().flatten()[:8]
    return Outcome(dict(accuracy=accuracy), observed,
                   f"The best-scoring prompt names the right class for {accuracy:.0%} of 200 test images. Captions "
                   "taught CLIP to put an image and the words for it at the same place.",
                   _rows(x[:8].numpy(), x[wrong].numpy() if len(wrong) else x[8:16].numpy(),
                         labels=["scored", "missed"]),
                   f"clip-{dataset}: 8 test images scored, then the ones it missed")


GUIDED = (0.0, 3.0)


def next_guidance(dataset: str, seed: int, load: Load) -> Outcome:
    """The classifier's agreement with 8 images of the class-ASKED prompt at guidance 0 and 3, the same noise."""
    prompt = vocabulary(dataset).class_prompt(ASKED)
    model = load(f"text-{dataset}")
    rows, agree = [], []
    for w in GUIDED:
        images = to_uint8(text_generate(model, [prompt] * 8, seed, 10, w).images).numpy()
        agree.append(float((_judge(load, dataset, images)[0] == ASKED).mean()))
        rows.append(images)
    observed = 1 if agree[1] - agree[0] > 0.2 else 0 if agree[0] - agree[1] > 0.2 else 2
    return Outcome(dict(unguided=agree[0], guided=agree[1]), observed,
                   f'For "{prompt}" the classifier sees the asked class in {agree[0]:.0%} of the images at w = 0 and '
                   f"{agree[1]:.0%} at w = 3, from the same noise. At w = 0 the prompt is not used at all.",
                   _rows(*rows, labels=["w = 0", "w = 3"]), f'text-{dataset}: "{prompt}" at guidance 0 and 3')


def next_cost(dataset: str, seed: int, load: Load) -> Outcome:
    """Network evaluations of one image (25 DDIM steps, guidance 2), and milliseconds against the cGAN's."""
    prompt, steps, w = vocabulary(dataset).class_prompt(ASKED), 25, 2.0
    began = time.perf_counter()
    images = to_uint8(text_generate(load(f"text-{dataset}"), [prompt] * 4, seed, steps, w).images).numpy()
    diffusion_ms = 1000 * (time.perf_counter() - began) / 4
    began = time.perf_counter()
    gan = sample(load(f"cgan-{dataset}"), 4, seed, labels=[ASKED] * 4).numpy()
    gan_ms = 1000 * (time.perf_counter() - began) / 4
    evaluations = network_evaluations(steps, w)
    observed = _nearest(evaluations, (1, 25, 50))
    return Outcome(dict(evaluations=evaluations, diffusion_ms=diffusion_ms, gan_ms=gan_ms), observed,
                   f"{evaluations} decoder evaluations per image; here {diffusion_ms:.0f} ms per image against the "
                   f"conditional GAN's {gan_ms:.1f} ms. Each step removes a little noise, and a guided step asks the "
                   "network twice, with and without the prompt.",
                   _rows(images, gan, labels=["diffusion", "cGAN"]), f"4 images of text-{dataset} and of cgan-{dataset}")


# -- the lessons ----------------------------------------------------------------------------------------------
LESSONS = {
    "ae": Lesson("ae", (
        Step("Random code", "The autoencoder rebuilds images from 32-number codes. Decode 64 random codes "
             "z ~ N(0, I): what comes out?",
             ("Images like the training set, of every class", "Nothing like it: blobs, or one shape over and over",
              "Pure static, like a detuned TV"), 1,
             "L = ||x - g(f(x))||^2 never says where f puts the codes, so q(z) is not N(0, I)", ae_random_code),
        Step("Noise", "Add noise (std 0.3) to 16 test images and rebuild them. Are the rebuilt images closer to the "
             "clean ones than the noisy inputs are?",
             ("Yes: the decoder draws what it learned, not the noise", "No: it rebuilds the noise faithfully",
              "About the same"), 0, "PSNR = 10 log10(2^2 / MSE), pixels in [-1, 1]", ae_denoise),
        Step("Three ways", "The same 64 noise vectors: decoded by the autoencoder, by the VAE, or carried by the "
             "latent flow first and then decoded. Which lands closest to real images?",
             ("The autoencoder", "The VAE", "The latent flow, then the decoder"), 2,
             "FD = ||mu_r - mu_g||^2 + Tr(S_r + S_g - 2 (S_r S_g)^(1/2)) on the classifier's features", ae_three_ways),
    )),
    "gan": Lesson("gan", (
        Step("Copy?", "Is a GAN sample a copy of a training image?",
             ("Yes: G memorises training images", "No: about as far from them as a real test image is",
              "No: far from every image, like noise"), 1,
             "d(x) = min_i ||x - x_i|| / sqrt(784), against the median for real test images", gan_copy),
        Step("Straight line", "Halfway along the straight line between two noise vectors z_A, z_B ~ N(0, I): how "
             "long is the midpoint, against z_A?",
             ("About as long", "About 0.7 times as long", "About twice as long"), 1,
             "||(z_A + z_B) / 2|| ~ sqrt(d / 2) = ||z|| / sqrt(2) for independent z_A, z_B", gan_lerp),
        Step("Modes", "Sample 200 images from the GAN. Which classes will the classifier see?",
             ("All ten, roughly evenly", "Only a few (mode collapse)", "One class"), 0,
             "min_G max_D V(D, G) is reached at p_g = p_data", gan_modes),
    )),
    "cgan": Lesson("cgan", (
        Step("No label", "The plain GAN gets no label. Of 200 of its samples, how many does the classifier call "
             "class 7 (Sneaker, or the digit 7)?",
             ("Almost none, under 3%", "About one in ten", "Most of them"), 1,
             "p_g(y) ~ p_data(y) = 1/10 on a balanced dataset", cgan_unconditional),
        Step("Ask", "Now ask the conditional GAN for class 7, 32 times. How often will the classifier agree?",
             ("About one in ten, as before", "About half", "Over 90%"), 2,
             "D(x, y) = psi(phi(x)) + e_y^T phi(x): D judges image and label together", cgan_ask),
        Step("Content, style", "Keep one noise vector z and change only the label y through all ten classes. What "
             "are the ten images?",
             ("One class ten times: z decides", "One of each class asked for, in a shared style",
              "Ten unrelated images"), 1, "x = G(z, y): y carries the content, z the style", cgan_style),
    )),
    "train": Lesson("train", (
        Step("D settles", f"Train the Balanced GAN on the ring ({SETTLE_STEPS} steps). Where do D(x) and D(G(z)) head?",
             ("D(x) to 1, D(G(z)) to 0: D keeps winning", "Both to 1/2: D cannot tell them apart", "Both to 1"), 1,
             "D*(x) = p_r / (p_r + p_g) = 1/2 where p_g = p_r; V(D*, G) = 2 JSD - 2 log 2", live_settle),
        Step("Eight modes", "A GAN whose G learns 5x faster than its D (Mode collapse preset) and a flow-matching "
             f"model, {MODES_STEPS} steps each on the ring. Which covers all eight modes?",
             ("The GAN", "The flow model", "Both", "Neither"), 1,
             "flow matching: min E ||v(x_t, t) - (x_1 - x_0)||^2, a regression on every data point", live_modes),
        Step("Vanishing push", "G starts in one spot far from the data. Which loss gives G the larger gradient: "
             "minimax log(1 - D(G(z))) or non-saturating -log D(G(z))?",
             ("About the same", "Minimax", "Non-saturating"), 2,
             "d/da log(1 - s(a)) = -s(a) -> 0 as D(G(z)) = s(a) -> 0; d/da -log s(a) = s(a) - 1 -> -1",
             live_vanishing),
    )),
    "next": Lesson("next", (
        Step("CLIP", "CLIP learned from captions, never from labels. Score 200 test images against one prompt per "
             "class: how often is the best prompt the right class?",
             ("About chance, 10%", "About half", "Most of the time, over 75%"), 2,
             "y = argmax_c cos(f_image(x), f_text(prompt_c))", next_clip),
        Step("Guidance", "The prompt for class 7, 8 images, the same noise: guidance w = 0 or w = 3. Which follows "
             "the prompt more often?", ("w = 0", "w = 3", "The same"), 1,
             "e = e(x_t, 0) + w (e(x_t, c) - e(x_t, 0)); w = 0 ignores the prompt", next_guidance),
        Step("Cost", "25 DDIM steps with guidance w = 2: how many network evaluations does one image cost? (A GAN: "
             "one.)", ("1", "25", "50"), 2,
             "one evaluation per step, two on a guided step: e(x_t, c) and e(x_t, 0)", next_cost),
    )),
}
