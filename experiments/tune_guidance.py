"""How the guidance scales trade adherence for quality: the table behind the text models' default scales.

    python experiments/tune_guidance.py --dataset mnist [--n 500] [--decoder 1 2 3 5] [--prior 1 2 4]
                                    [--interval all 200-700] [--seed 0] [--real] [--weights FOLDER]
                                    [--decoder-of FOLDER] [--redraw-below COSINE]

For each pair (decoder guidance w, prior guidance w_prior) and each interval of timesteps the prior is guided on
(``all``: every step; ``LOW-HIGH``: t from LOW to HIGH, both included), ``n`` class-prompted samples (the same
seeds) are judged by the dataset's classifier: the share of the prompted class, the share it is sure of, and the Frechet
distance to the test images (from ``n`` samples, so compare rows with each other, not with the model card).

With ``--real`` each decoder w also gets a row with the prior bypassed: the decoder is given the CLIP image
embeddings of ``n`` real test images (the same classes), as in image variations. Its distance is what the decoder
alone achieves; the gap between it and a prior row is the prior's share of the distance. A second row does the same
with training images: the decoder keeping their class more often than the test images' shows how much it learned
its training images rather than digits in general. A last row gives the
conditional GAN on the same classes, the reference the model card compares with, and two rows of the real test
images themselves: as they are, and with a faint background (1 to 7 of 255 added to each background pixel), which
shows how much of a distance such a haze alone costs in the classifier's features.

With ``--decoder-of FOLDER`` the pipeline samples through that pipeline's decoder instead of its own, for
ablations: one run's decoder under another run's prior (both must share one CLIP, the space the decoder reads).
With ``--redraw-below C`` images whose CLIP embedding has a cosine below C with the embedding they were decoded
from are decoded again (``redraw_below`` in a pipeline's config; see ``generate.redraw_strays``).

The "faint background" column is the share of pixels at 1 to 15 of 255 (as uint8 images): ink so light it is
invisible, which real digits hardly have and the diffusion samples may carry over their whole background.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gan_demo.data import image_tensors, to_model_range, to_uint8
from gan_demo.device import configure_threads
from gan_demo.evaluation.context import EvalContext
from gan_demo.families.text.diffusion import check_interval
from gan_demo.families.text.generate import class_prompts, decode_images, generate
from gan_demo.families.text.model import TextToImage, check_redraw_below
from gan_demo.hub import load_folder, load_pretrained
from gan_demo.sampling import sample_many


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=["fashion", "mnist"], default="mnist")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--steps", type=int, help="DDIM steps (default: the model's)")
    p.add_argument("--decoder", type=float, nargs="+", default=[1.0, 2.0, 3.0, 5.0])
    p.add_argument("--prior", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    p.add_argument("--interval", nargs="+", default=[None], type=interval,
                   help="where the prior is guided: 'all' or LOW-HIGH timesteps, one or more (default: all)")
    p.add_argument("--seed", type=int, default=0, help="the samples' seed (make evaluate's is 0); the cGAN row uses it too")
    p.add_argument("--weights", type=Path, metavar="FOLDER",
                   help="a text pipeline's weights folder to measure instead of the shipped weights/text-DATASET "
                   "(as python -m gan_demo.train text ... --out FOLDER writes it)")
    p.add_argument("--decoder-of", type=Path, metavar="FOLDER",
                   help="sample through this text pipeline's decoder instead (it must have the same CLIP)")
    p.add_argument("--redraw-below", type=float, metavar="COSINE",
                   help="redraw the decoder's strays: images further than this cosine from their embedding")
    p.add_argument("--real", action="store_true",
                   help="also decode the CLIP embeddings of real test images (the prior bypassed)")
    args = p.parse_args(argv)
    configure_threads()
    model = load_pretrained(f"text-{args.dataset}") if args.weights is None else load_folder(TextToImage, args.weights)
    if args.decoder_of is not None:
        try:
            swap_decoder(model, load_folder(TextToImage, args.decoder_of))
        except ValueError as err:
            p.error(f"--decoder-of {args.decoder_of}: {err}")
    if args.redraw_below is not None:
        try:
            check_redraw_below(args.redraw_below, "--redraw-below")
        except ValueError as err:
            p.error(str(err))
        model.redraw_below = args.redraw_below
    ctx = EvalContext(args.dataset, 10_000, "cpu")  # the whole test split as the reference (MNIST's is sorted by class)
    wanted = torch.arange(args.n) % len(ctx.classes)
    prompts = class_prompts(model, wanted)
    name = str(args.weights or f"text-{args.dataset}")
    if args.decoder_of is not None:
        name += f" with the decoder of {args.decoder_of}"
    if model.redraw_below is not None:
        name += f", strays redrawn below a cosine of {model.redraw_below:g}"
    print(f"{name}, {args.n} class-prompted samples, {args.steps or model.steps} steps, seed {args.seed}\n")
    print("| decoder w | prior w | prior guided on t | prompted class | classifier >= 90% sure | Frechet distance "
          "| faint background |\n|---:|---:|---:|---:|---:|---:|---:|")
    default = model.prior_guidance, model.prior_guidance_interval
    for span in args.interval:
        model.prior_guidance_interval = span
        for w_prior in args.prior:
            if w_prior == 1 and span != args.interval[0]:
                continue  # an unguided prior is the same on every interval
            model.prior_guidance = w_prior
            for w in args.decoder:
                row(ctx, wanted, generate(model, prompts, args.seed, args.steps, w).images, f"{w:g}", f"{w_prior:g}",
                    "-" if w_prior == 1 else span_text(span))
    model.prior_guidance, model.prior_guidance_interval = default
    if args.real:
        real = real_images(ctx.x_test, ctx.y_test, wanted)
        seen = real_images(*image_tensors(args.dataset, "train"), wanted)
        for w in args.decoder:
            row(ctx, wanted, decode_images(model, real, args.seed, args.steps, w).images, f"{w:g}", "real images", "-")
            row(ctx, wanted, decode_images(model, seen, args.seed, args.steps, w).images, f"{w:g}", "real training images", "-")
        cgan = load_pretrained(f"cgan-{args.dataset}")
        row(ctx, wanted, ctx.generated(sample_many(cgan, args.n, args.seed, labels=wanted)), "-", "cGAN (reference)", "-")
        row(ctx, wanted, real, "-", "real test images", "-")
        row(ctx, wanted, faint_background(real, torch.Generator().manual_seed(args.seed)), "-", "real, faint background",
            "-")


def swap_decoder(model: TextToImage, other: TextToImage) -> None:
    """Give ``model`` the decoder of ``other`` (and what that decoder predicts, the noise or x_0): only meaningful
    when both read the same CLIP's embeddings."""
    ours, theirs = model.clip.state_dict(), other.clip.state_dict()
    if ours.keys() != theirs.keys() or any(not torch.equal(ours[k], theirs[k]) for k in ours):
        raise ValueError("its CLIP differs from the pipeline's, so its decoder reads another embedding space")
    model.decoder, model.image_noising = other.decoder, other.image_noising


def interval(text: str) -> tuple[int, int] | None:
    """``all`` -> None (every step), ``LOW-HIGH`` -> (LOW, HIGH), checked like a model's interval."""
    if text == "all":
        return None
    try:
        span = tuple(int(v) for v in text.split("-"))
        check_interval(span)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r}: 'all' or LOW-HIGH, e.g. 200-700 ({err})") from None
    return span


def span_text(span: tuple[int, int] | None) -> str:
    return "all" if span is None else f"{span[0]}-{span[1]}"


def row(ctx: EvalContext, wanted: torch.Tensor, images: torch.Tensor, *cells: str) -> None:
    """One table row: the given cells, then how the classifier judges ``images`` (as the sample CLI writes them:
    uint8) against the wanted classes, and the share of faint pixels."""
    pixels = to_uint8(images)
    judged = ctx.judged(ctx.generated(pixels))
    agreement = (judged.predicted == wanted).float().mean().item()
    faint = ((pixels >= 1) & (pixels <= 15)).float().mean().item()
    print(f"| {' | '.join(cells)} | {agreement:.1%} | {judged.confident:.1%} | {ctx.frechet_distance(judged):.1f} "
          f"| {faint:.1%} |", flush=True)


def faint_background(images: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """``images`` in [-1, 1] with 1 to 7 of 255 added to every pixel that is 0 (the background)."""
    pixels = to_uint8(images)
    haze = torch.randint(1, 8, pixels.shape, generator=rng, dtype=torch.uint8)
    return to_model_range(torch.where(pixels == 0, haze, pixels))


def real_images(x: torch.Tensor, y: torch.Tensor, wanted: torch.Tensor) -> torch.Tensor:
    """For each wanted class, the next image of that class in ``x`` (the k-th request for class c gets its k-th)."""
    by_class = {c: torch.nonzero(y == c).flatten() for c in wanted.unique().tolist()}
    rank = [int((wanted[:i] == c).sum()) for i, c in enumerate(wanted.tolist())]
    return x[torch.stack([by_class[c][k] for c, k in zip(wanted.tolist(), rank)])]


if __name__ == "__main__":
    main()
