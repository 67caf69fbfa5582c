"""MNIST's autoencoder trained as shipped (32-d code, width 32, Adam 2e-3, batch 128, seed 0) with the
interpolation regulariser of ``python -m gan_demo.train autoencoder --acai LAMBDA`` (ACAI, Berthelot et al., 2019;
gan_demo/families/autoencoder/interpolation.py) for each ``--weight`` lambda: a critic learns to tell how far a
decoded mix of two same-class codes is from either, and the autoencoder learns to make it answer 0.

    python experiments/acai_autoencoder.py --weight 0 0.01 0.05

Each autoencoder is measured as noisy_autoencoder.py measures its own: reconstructions of the test digits
(Frechet distance, PSNR) and its training codes decoded, plain and mixed within a class. ``--weight 0`` is the
plain recipe. ``--out`` keeps the last one trained (``python -m gan_demo.train latent-ae --dataset mnist
--autoencoder FOLDER`` trains a flow on its codes). docs/training.md ("Latent diffusion") quotes its figures.
"""
from __future__ import annotations

import argparse

import torch
from noisy_autoencoder import measure_row, setup

from gan_demo.families.autoencoder.family import autoencoder_loss
from gan_demo.families.autoencoder.interpolation import InterpolationTrainer
from gan_demo.families.autoencoder.model import Autoencoder
from gan_demo.hub import save_pretrained
from gan_demo.training import SupervisedTrainer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weight", type=float, nargs="+", default=[0.0, 0.01, 0.05], help="the regulariser's lambda")
    args, x_train, labels, ctx = setup(p, "lambda")
    for weight in args.weight:
        torch.manual_seed(0)
        model = Autoencoder(latent_dim=32, width=32)
        common = dict(total_steps=args.steps, batch_size=128, lr=2e-3, seed=0)
        trainer = (InterpolationTrainer(model, x_train, labels, weight=weight, **common) if weight
                   else SupervisedTrainer(model, autoencoder_loss, x_train, labels, **common))
        for _ in trainer.run(args.steps):
            pass
        print(f"| {weight:g} | " + " | ".join(measure_row(model, x_train, labels, ctx, args.mix)) + " |",
              flush=True)
        if args.out:
            save_pretrained(model, args.out)


if __name__ == "__main__":
    main()
