"""How many Heun steps a latent flow needs: the Frechet distance of 3,000 unconditional samples per step count.

    python experiments/latent_steps.py latent-ae-mnist --steps 5 10 25 50

docs/training.md ("Latent diffusion") quotes its figures for latent-ae-mnist.
"""
from __future__ import annotations

import argparse

import torch

from gan_demo.evaluation.context import EvalContext
from gan_demo.families.latent.flow import sample
from gan_demo.hub import load_pretrained
from gan_demo.registry import parse_name


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="a shipped latent flow, e.g. latent-ae-mnist")
    p.add_argument("--steps", type=int, nargs="+", default=[5, 10, 25, 50])
    p.add_argument("--n", type=int, default=3000)
    args = p.parse_args()
    torch.set_num_threads(1)
    _, dataset = parse_name(args.name)
    model, ctx = load_pretrained(args.name), EvalContext(dataset, 10_000, "cpu")
    print("| steps | Frechet distance | classifier >= 90% sure |\n|---:|---:|---:|")
    for steps in args.steps:
        judged = ctx.judged(ctx.generated(sample(model, args.n, 0, None, steps=steps)))
        print(f"| {steps} | {ctx.frechet_distance(judged):.1f} | {100 * judged.confident:.1f}% |", flush=True)


if __name__ == "__main__":
    main()
