"""MNIST's autoencoder trained as shipped (32-d code, width 32, Adam 2e-3, batch 128, seed 0) but decoding its code
plus Gaussian noise of ``--noise`` times the batch's spread in each dimension: a regularised latent space, as
Stable Diffusion's autoencoder has one. Then its decoder is measured as decoder_off_manifold.py measures a flow's:
its reconstructions of the test digits (Frechet distance, PSNR), and its training codes, plain and mixed within a
class, in the standardised code space a latent flow would see.

    python experiments/noisy_autoencoder.py --noise 0 0.1 0.3
    python experiments/noisy_autoencoder.py --noise 0.1 --steps 4000 --out runs/noisy-autoencoder

``--noise 0`` is the shipped recipe (not bit for bit the shipped weights). ``--out`` keeps the last one trained (a
weights folder: ``python -m gan_demo.train latent-ae --dataset mnist --autoencoder FOLDER`` trains a flow on its
codes). docs/training.md ("Latent diffusion") quotes its figures.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F
from decoder_off_manifold import off_manifold, within_class_variance

from gan_demo.data import load_split, to_model_range, to_uint8
from gan_demo.evaluation.context import EvalContext
from gan_demo.evaluation.metrics import psnr
from gan_demo.families.autoencoder.model import Autoencoder
from gan_demo.hub import save_pretrained
from gan_demo.training import SupervisedTrainer


def noisy_loss(noise: float):
    def loss(model: Autoencoder, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
        z = model.encode(x)
        eps = torch.randn(z.shape, generator=rng).to(z.device)
        return F.mse_loss(model.decode(z + noise * z.std(0, keepdim=True).detach() * eps), x), {}
    return loss


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--noise", type=float, nargs="+", default=[0.0, 0.1, 0.3])
    args, x_train, labels, ctx = setup(p, "code noise")
    for noise in args.noise:
        torch.manual_seed(0)
        model = Autoencoder(latent_dim=32, width=32)
        trainer = SupervisedTrainer(model, noisy_loss(noise), x_train, labels, total_steps=args.steps,
                                    batch_size=128, lr=2e-3, seed=0)
        for _ in trainer.run(args.steps):
            pass
        print(f"| {noise:g} | " + " | ".join(measure_row(model, x_train, labels, ctx, args.mix)) + " |", flush=True)
        if args.out:
            save_pretrained(model, args.out)


def setup(p: argparse.ArgumentParser, knob: str):
    """The flags both autoencoder experiments share, MNIST's training split, the evaluation context, and the
    table's header (its first column named ``knob``)."""
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--mix", type=float, nargs="+", default=[0.25, 0.5])
    p.add_argument("--out", type=Path, help="save the last autoencoder trained here")
    args = p.parse_args()
    torch.set_num_threads(1)
    images, labels = load_split("mnist", "train")
    print(f"{args.steps} steps\n\n| {knob} | reconstructions: Frechet distance | PSNR | within-class variance | "
          "training codes | " + " | ".join(f"mixed, a = {a:g}" for a in args.mix) + " |\n|" + "---:|" * (5 + len(args.mix)))
    return args, to_model_range(images), labels, EvalContext("mnist", 10_000, "cpu")


def measure_row(model: Autoencoder, x_train: torch.Tensor, labels: torch.Tensor, ctx: EvalContext,
                mix: list[float]) -> list[str]:
    """The table's cells for one autoencoder: its reconstructions of the test digits (Frechet distance, PSNR), the
    within-class variance of its standardised training codes, and those codes decoded, plain and mixed."""
    model.eval()
    with torch.no_grad():
        recon = ctx.batched(model, ctx.x_test)
        codes = ctx.batched(model.encode, x_train)
    recon_fd = ctx.frechet_distance(ctx.judged(ctx.generated(to_uint8(recon))))
    mean, std = codes.mean(0), codes.std(0)
    z = (codes - mean) / std
    rows = dict(off_manifold(lambda s: model.decode(s * std + mean), z, labels, ctx, [], mix))
    return [f"{recon_fd:.2f}", f"{psnr(recon, ctx.x_test).mean().item():.2f} dB",
            f"{within_class_variance(z, labels):.2f}"] + [f"{fd:.2f}" for fd in rows.values()]

if __name__ == "__main__":
    main()
