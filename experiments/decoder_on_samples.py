"""A latent flow's decoder fine-tuned to draw the flow's own codes: L1 on the training digits' codes (so it still
reconstructs) plus a hinge adversarial term on a pool of the flow's class-by-class samples (fresh seeds, never the
evaluation's), against a discriminator trained alongside on the training digits. Measured: the decoder's
reconstructions of the test digits and the flow's class-by-class samples (10,000, seed 0, as make evaluate).

    python experiments/decoder_on_samples.py latent-ae-mnist --steps 2000 --adversarial 0.1
    python experiments/decoder_on_samples.py latent-ae-mnist --folder some/weights/folder

``--folder`` fine-tunes (a copy of) the flow in that weights folder instead of the shipped one; nothing is saved.
docs/training.md ("Latent diffusion") quotes its figures.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gan_demo.data import image_tensors, to_uint8
from gan_demo.evaluation.context import EvalContext
from gan_demo.families.gan.model import Discriminator
from gan_demo.families.latent.flow import balanced_labels, flow, sample
from gan_demo.families.latent.model import LatentFlow
from gan_demo.hub import load_folder, load_pretrained
from gan_demo.registry import parse_name
from gan_demo.sampling import make_noise
from gan_demo.training.losses import discriminator_loss, generator_loss


@torch.no_grad()
def sample_pool(model, n: int, seed: int) -> torch.Tensor:
    """``n`` class-by-class flow codes (standardised), chunks of 1,000 with seeds seed, seed + 1, ..."""
    labels = balanced_labels(n, model.num_classes)
    return torch.cat([list(flow(model, make_noise(len(idx), model.latent_dim, seed + i), labels[idx], guidance=1.0))[-1]
                      for i, idx in enumerate(torch.arange(n).split(1000))])


def measure(model, ctx: EvalContext, n: int) -> tuple[float, float]:
    recon = ctx.judged(ctx.generated(to_uint8(ctx.batched(lambda x: model.decode(model.standardise(model.codes(x))),
                                                          ctx.x_test))))
    samples = ctx.judged(ctx.generated(sample(model, n, 0, balanced_labels(n, model.num_classes), guidance=1.0)))
    return ctx.frechet_distance(recon), ctx.frechet_distance(samples)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="a shipped latent flow, e.g. latent-ae-mnist (its dataset, and its weights)")
    p.add_argument("--folder", type=Path, help="the flow in this weights folder instead of the shipped one")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--adversarial", type=float, default=0.1)
    p.add_argument("--pool", type=int, default=20_000)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--n", type=int, default=10_000)
    args = p.parse_args()
    torch.set_num_threads(1)
    _, dataset = parse_name(args.name)
    model = (load_folder(LatentFlow, args.folder) if args.folder else load_pretrained(args.name)).eval()
    ctx = EvalContext(dataset, 10_000, "cpu")
    print(f"before: reconstructions {measure(model, ctx, args.n)[0]:.2f}", flush=True)
    images, _ = image_tensors(dataset, "train")
    with torch.no_grad():
        codes = model.standardise(ctx.batched(model.codes, images))
    pool = sample_pool(model, args.pool, 1000)
    rng = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    disc = Discriminator(width=32, spectral=True)
    decoder = model.autoencoder.decoder.requires_grad_(True)
    opt_g = torch.optim.Adam(decoder.parameters(), lr=args.lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2 * args.lr, betas=(0.5, 0.9))
    for step in range(1, args.steps + 1):
        pick = torch.randint(len(images), (32,), generator=rng)
        real, z = images[pick], codes[pick]
        drawn = model.decode(pool[torch.randint(len(pool), (32,), generator=rng)])
        d_loss = discriminator_loss(disc(real), disc(drawn.detach()), "hinge")
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        disc.requires_grad_(False)
        l1 = (model.decode(z) - real).abs().mean()
        adv = generator_loss(disc(drawn), "hinge")
        opt_g.zero_grad(set_to_none=True)
        (l1 + args.adversarial * adv).backward()
        opt_g.step()
        disc.requires_grad_(True)
        if step % 500 == 0 or step == args.steps:
            decoder.requires_grad_(False)
            recon_fd, sample_fd = measure(model, ctx, args.n if step == args.steps else 3000)
            decoder.requires_grad_(True)
            print(f"step {step}: L1 {l1.item():.4f}, D {d_loss.item():.3f}; reconstructions {recon_fd:.2f}, "
                  f"class by class {sample_fd:.2f} ({args.n if step == args.steps else 3000} samples)", flush=True)


if __name__ == "__main__":
    main()
