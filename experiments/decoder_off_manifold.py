"""How a latent flow's decoder draws codes a little off the codes of real images: the Frechet distance (the repo's
classifier, against the test split) of the decoded training codes, of the same codes plus Gaussian noise of each
``--noise`` standard deviation, and of mixes (1 - a) z_i + a z_j of each code with another code of its class for each
``--mix`` a, all in the flow's standardised code space; beside them the flow's own class-by-class samples (w = 1).

    python experiments/decoder_off_manifold.py latent-ae-mnist
    python experiments/decoder_off_manifold.py latent-ae-mnist --noise 0.1 0.2 0.3 0.5 --mix 0.25 0.5
    python experiments/decoder_off_manifold.py latent-ae-mnist --folder some/weights/folder

A flow that generalises between the codes of one class puts its samples between them: if the decoder already fails
there, no better flow can reach the decoder's own reconstructions. docs/training.md ("Latent diffusion") quotes its
figures for latent-ae-mnist.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gan_demo.data import image_tensors, to_uint8
from gan_demo.evaluation.context import EvalContext
from gan_demo.families.autoencoder.interpolation import same_class_partners
from gan_demo.families.latent.flow import balanced_labels, sample
from gan_demo.families.latent.model import LatentFlow
from gan_demo.hub import load_folder, load_pretrained
from gan_demo.registry import parse_name


def off_manifold(decode, z: torch.Tensor, labels: torch.Tensor, ctx: EvalContext, noise: list[float],
                 mix: list[float]):
    """Yield (codes, Frechet distance) rows for standardised codes ``z`` (N, D) of classes ``labels`` decoded by
    ``decode``: the codes, the codes plus noise of each standard deviation, and same-class mixes for each a."""
    def fd(codes: torch.Tensor) -> float:
        return ctx.frechet_distance(ctx.judged(ctx.generated(to_uint8(ctx.batched(decode, codes)))))

    rng = torch.Generator().manual_seed(0)
    yield f"the {len(z):,} training codes", fd(z)
    for sigma in noise:
        yield f"plus N(0, {sigma:g}^2 I)", fd(z + sigma * torch.randn(z.shape, generator=rng))
    partner = same_class_partners(labels, rng)
    for a in mix:
        yield f"mixed with a same-class code, a = {a:g}", fd((1 - a) * z + a * z[partner])


def within_class_variance(z: torch.Tensor, labels: torch.Tensor) -> float:
    means = torch.stack([z[labels == c].mean(0) for c in labels.unique()])
    return (z - means[labels]).pow(2).mean().item()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="a shipped latent flow, e.g. latent-ae-mnist (its dataset, and its weights)")
    p.add_argument("--folder", type=Path, help="measure the flow in this weights folder instead of the shipped one")
    p.add_argument("--noise", type=float, nargs="+", default=[0.1, 0.2, 0.3, 0.5])
    p.add_argument("--mix", type=float, nargs="+", default=[0.25, 0.5])
    p.add_argument("--n", type=int, default=10_000, help="flow samples (and the test images compared against)")
    args = p.parse_args()
    torch.set_num_threads(1)
    _, dataset = parse_name(args.name)
    model = load_folder(LatentFlow, args.folder).eval() if args.folder else load_pretrained(args.name)
    ctx = EvalContext(dataset, args.n, "cpu")
    x_train, y_train = image_tensors(dataset, "train")
    z = model.standardise(ctx.batched(model.codes, x_train))  # (N, D), as the flow sees them
    print(f"{args.name}'s training codes, standardised: within-class variance per dimension "
          f"{within_class_variance(z, y_train):.2f}\n\n| codes | Frechet distance |\n|---|---:|")
    for codes, fd in off_manifold(model.decode, z, y_train, ctx, args.noise, args.mix):
        print(f"| {codes} | {fd:.2f} |", flush=True)
    labels = balanced_labels(args.n, model.num_classes)
    flow = ctx.judged(ctx.generated(sample(model, args.n, 0, labels, guidance=1.0)))
    print(f"| the flow, class by class (w = 1, {args.n:,} samples) | {ctx.frechet_distance(flow):.2f} |")


if __name__ == "__main__":
    main()
