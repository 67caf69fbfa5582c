"""How the guidance scales trade adherence for quality: the table behind the text models' default scales.

    python scripts/tune_guidance.py --dataset mnist [--n 500] [--decoder 1 2 3 5] [--prior 1 2 4]

For each pair (decoder guidance w, prior guidance w_prior), ``n`` class-prompted samples (the same seeds) are
judged by the dataset's classifier: the share of the prompted class, the share it is sure of, and the Frechet
distance to the test images (from ``n`` samples, so compare rows with each other, not with the model card).
"""
from __future__ import annotations

import argparse

import torch

from gan_demo.device import configure_threads
from gan_demo.evaluation.context import EvalContext
from gan_demo.families.text.generate import class_prompts, generate
from gan_demo.hub import load_pretrained


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=["fashion", "mnist"], default="mnist")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--steps", type=int, help="DDIM steps (default: the model's)")
    p.add_argument("--decoder", type=float, nargs="+", default=[1.0, 2.0, 3.0, 5.0])
    p.add_argument("--prior", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    args = p.parse_args(argv)
    configure_threads()
    model = load_pretrained(f"text-{args.dataset}")
    ctx = EvalContext(args.dataset, 10_000, "cpu")  # the whole test split as the reference (MNIST's is sorted by class)
    wanted = torch.arange(args.n) % len(ctx.classes)
    prompts = class_prompts(model, wanted)
    print(f"text-{args.dataset}, {args.n} class-prompted samples, {args.steps or model.steps} steps\n")
    print("| decoder w | prior w | prompted class | classifier >= 90% sure | Frechet distance |\n|---:|---:|---:|---:|---:|")
    default = model.prior_guidance
    for w_prior in args.prior:
        model.prior_guidance = w_prior
        for w in args.decoder:
            judged = ctx.judged(generate(model, prompts, 0, args.steps, w))
            agreement = (judged.predicted == wanted).float().mean().item()
            print(f"| {w:g} | {w_prior:g} | {agreement:.1%} | {judged.confident:.1%} | {ctx.frechet_distance(judged):.1f} |",
                  flush=True)
    model.prior_guidance = default


if __name__ == "__main__":
    main()
