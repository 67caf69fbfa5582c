"""Speed against quality: one decoder sampled at 1 to 50 steps, measured at each, beside the conditional GAN's one.

A GAN draws an image in one network evaluation; a diffusion or flow decoder in as many as its sampler takes steps
(twice that under guidance). The sweep decodes the same class prompts' image embeddings (the prior run once, at its
default steps, so only the decoder changes) from the same noise at each step count and measures what the judge
makes of them: the prompted-class share, the Frechet distance against the test images, and the milliseconds per
image the decoder took. DDPM decoders step with DDIM on trailing timesteps (see :func:`.diffusion.ddim_steps`);
flow-matching decoders with Euler's method and Heun's. The decoder's self-check (redrawing strays) is left out:
the sweep measures the sampler alone. The conditional GAN is measured on the same classes and number of images.
"""
from __future__ import annotations

import time

import torch
from torch import nn

from ...data import to_uint8
from ...hub import load_pretrained
from ..cgan.family import sample as cgan_sample
from .diffusion import ddim_steps
from .diffusion import network_evaluations as ddim_evaluations
from .flow import flow_steps
from .flow import network_evaluations as flow_evaluations
from .generate import MAX_BATCH, class_prompts, noises, text_embeddings

STEPS = (1, 2, 4, 8, 16, 25, 50)  # decoder steps swept by make evaluate
QUICK_STEPS = (1, 4)  # a quick evaluation (make evaluate --n below 1000, as in the tests)
N_SWEEP = 500  # class-prompted images per point (50 per class)
SAMPLERS = {"ddpm": ("ddim",), "flow-matching": ("euler", "heun")}  # what each objective is swept with
GUIDANCE_SCALES = (1.0, 2.0, 3.0, 5.0)  # the decoder's scales whose precision and recall make evaluate measures
N_GUIDED = 1000  # images per scale: precision and recall compare 1,000 samples with 1,000 test images


def evaluations(solver: str, steps: int, guidance: float) -> int:
    """Decoder network evaluations per image (the prior's are the same for every point, and few)."""
    if solver == "ddim":
        return ddim_evaluations(steps, guidance)
    return flow_evaluations(steps, solver, guidance)


@torch.inference_mode()
def decode(model: nn.Module, embedding: torch.Tensor, noise: torch.Tensor, text: torch.Tensor | None, *,
           solver: str, steps: int) -> torch.Tensor:
    """Images in [-1, 1] decoded with ``solver`` in ``steps`` steps at the model's guidance."""
    args = (model.decoder, noise, model.condition(embedding, text), model.decoder.null)
    if solver == "ddim":
        walk = ddim_steps(*args, model.image_noising, steps=steps, guidance=model.guidance, spacing="trailing")
    else:
        walk = flow_steps(*args, steps=steps, guidance=model.guidance, solver=solver)
    *_, (_, _, x, _) = walk
    return x.clamp(-1, 1)


def prompted_embeddings(model: nn.Module, wanted: torch.Tensor, seed: int = 0):
    """The class prompts of ``wanted``: their text embeddings, the prior's image embeddings (at its default steps, in
    batches of MAX_BATCH) and the decoder's noise, all from ``seed``, on the model's device."""
    text = text_embeddings(model, class_prompts(model, wanted))
    prior_noise, image_noise = noises(model, len(wanted), seed)
    parts = [slice(s, s + MAX_BATCH) for s in range(0, len(wanted), MAX_BATCH)]
    embedding = torch.cat([model.image_embedding(text[p], prior_noise[p].to(model.device)) for p in parts])
    return text, embedding, image_noise.to(model.device), parts


@torch.inference_mode()
def guidance_points(ctx, model: nn.Module, prefix: str, decoded: dict[float, torch.Tensor] | None = None) -> dict:
    """``{prefix}_guidance``: the decoder at each of GUIDANCE_SCALES (its own sampler and steps, the prior at its
    defaults, the same embeddings and noise for every scale): prompted-class share, Frechet distance, precision and
    recall of N_GUIDED class-prompted images. Guidance trades variety (recall) for adherence (precision, the
    prompted class); the decoder's self-check is left out, as in the sweep. ``decoded``: {scale: images} already
    made from the same prompts, seed and batches (the pipeline's first decodes at its own scale, before any redraw:
    the same pixels), used instead of decoding them again."""
    full = ctx.n >= 1000
    n, scales = (N_GUIDED, GUIDANCE_SCALES) if full else (min(100, ctx.n), GUIDANCE_SCALES[:2])
    wanted = torch.arange(n) % len(ctx.classes)
    text, embedding, noise, parts = prompted_embeddings(model, wanted)
    caption = text if model.decoder.text else None
    points = []
    for w in scales:
        images = (decoded or {}).get(w)
        if images is None or len(images) != n:
            images = torch.cat([model.decode(embedding[p], noise[p], guidance=w,
                                             text=None if caption is None else caption[p]).cpu() for p in parts])
        judged = ctx.judged(ctx.generated(to_uint8(images)))
        pr = ctx.precision_recall(judged, "x")
        points.append({"guidance": w, "agreement": (judged.predicted == wanted).float().mean().item(),
                       "fd": ctx.frechet_distance(judged), "precision": pr["x_precision"], "recall": pr["x_recall"]})
    return {f"{prefix}_guidance": points, f"{prefix}_guidance_n": n}


@torch.inference_mode()
def sweep(ctx, model: nn.Module, prefix: str) -> dict:
    """``{prefix}_sweep``: for each sampler of the model's objective, one point per step count (steps, network
    evaluations, prompted-class share, Frechet distance, ms per image), and the conditional GAN's single point;
    ``{prefix}_sweep_n``: the images per point."""
    full = ctx.n >= 1000
    n, counts = min(N_SWEEP, ctx.n) if full else min(100, ctx.n), STEPS if full else QUICK_STEPS
    wanted = torch.arange(n) % len(ctx.classes)
    text, embedding, image_noise, parts = prompted_embeddings(model, wanted)
    caption = text if model.decoder.text else None

    def point(images: torch.Tensor, ms: float, steps: int, calls: int) -> dict:
        judged = ctx.judged(ctx.generated(images))
        return {"steps": steps, "evaluations": calls, "agreement": (judged.predicted == wanted).float().mean().item(),
                "fd": ctx.frechet_distance(judged), "ms_per_image": ms / n}

    points = {}
    for solver in SAMPLERS[model.objective]:
        points[solver] = []
        for steps in counts:
            start = time.perf_counter()
            images = torch.cat([decode(model, embedding[p], image_noise[p],
                                       None if caption is None else caption[p], solver=solver, steps=steps).cpu()
                                for p in parts])
            ms = 1000 * (time.perf_counter() - start)
            points[solver].append(point(to_uint8(images), ms, steps, evaluations(solver, steps, model.guidance)))
    cgan = load_pretrained(f"cgan-{ctx.dataset}", ctx.device)
    start = time.perf_counter()
    gan_images = cgan_sample(cgan, n, 0, wanted)
    points["cgan"] = [point(gan_images, 1000 * (time.perf_counter() - start), 1, 1)]
    return {f"{prefix}_sweep": points, f"{prefix}_sweep_n": n}


@torch.inference_mode()
def compare(models: list[nn.Module], prompt: str, n: int, seed: int, steps: int) -> list[tuple[str, torch.Tensor, float]]:
    """One prompt through each pipeline's decoders at ``steps`` steps, the sweep in miniature: the prior of the first
    model samples the image embeddings once (the pipelines share it), then every sampler of every model decodes them
    from the same ``seed`` noise. Returns (sampler, images in [-1, 1] on the CPU, ms per image) per sampler."""
    first = models[0]
    text = text_embeddings(first, [prompt] * n)
    prior_noise, image_noise = noises(first, n, seed)
    embedding = first.image_embedding(text, prior_noise.to(first.device))  # n <= MAX_BATCH: one batch
    rows = []
    for model in models:
        for solver in SAMPLERS[model.objective]:
            start = time.perf_counter()
            images = decode(model, embedding.to(model.device), image_noise.to(model.device),
                            text.to(model.device) if model.decoder.text else None, solver=solver, steps=steps).cpu()
            rows.append((solver, images, 1000 * (time.perf_counter() - start) / n))
    return rows


@torch.inference_mode()
def side_by_side_ms(ctx, models: list[nn.Module], prefix: str, repeats: int = 3) -> dict:
    """``{prefix}_sweep_ms``: milliseconds per image of every sampler of ``models`` at each step count, and of the
    conditional GAN, timed in one pass on one batch of MAX_BATCH class prompts, the samplers taking turns at each
    step count and the median of ``repeats`` kept: the sweep's own timings come from whatever run measured each model,
    so only these compare decoders with each other on a shared machine."""
    full = ctx.n >= 1000
    n, counts = (MAX_BATCH, STEPS) if full else (8, QUICK_STEPS)
    wanted = torch.arange(n) % len(ctx.classes)
    text, embedding, noise, _ = prompted_embeddings(models[0], wanted)
    cgan = load_pretrained(f"cgan-{ctx.dataset}", ctx.device)

    def median_ms(fn) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(1000 * (time.perf_counter() - start) / n)
        return sorted(times)[len(times) // 2]

    out = {"n": n, "steps": list(counts)}
    for steps in counts:
        for model in models:
            for solver in SAMPLERS[model.objective]:
                caption = text if model.decoder.text else None
                out.setdefault(solver, []).append(median_ms(lambda: decode(
                    model, embedding, noise, caption, solver=solver, steps=steps)))  # noqa: B023 - called at once
    out["cgan"] = median_ms(lambda: cgan_sample(cgan, n, 0, wanted))
    return {f"{prefix}_sweep_ms": out}
