"""How many Heun steps a latent flow needs, sampled unconditionally and class by class (balanced classes, w = 1):
the Frechet distance of ``--n`` samples per step count. ``--spread`` instead samples class by class at 10 steps for
each guidance scale and noise temperature given (z_0 ~ N(0, tau^2 I)), with precision and recall: whether the
samples miss accuracy or spread.

    python experiments/latent_steps.py latent-ae-mnist --steps 5 10 25 50
    python experiments/latent_steps.py latent-ae-mnist --steps 10 --n 10000 --folder some/weights/folder
    python experiments/latent_steps.py latent-ae-mnist --n 10000 --spread --guidance 1 0.75 0.5 --temperature 1 1.1 1.2

``--folder`` measures a flow trained elsewhere (``python -m gan_demo.train latent-ae --dataset mnist --out FOLDER``);
``--shuffle`` deals the balanced labels in a random order (seed 0), to see the measure's own spread.
docs/training.md ("Latent diffusion") quotes its figures for latent-ae-mnist.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

from gan_demo.evaluation.context import EvalContext
from gan_demo.families.latent.flow import balanced_labels, sample
from gan_demo.families.latent.model import LatentFlow
from gan_demo.hub import load_folder, load_pretrained
from gan_demo.registry import parse_name


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="a shipped latent flow, e.g. latent-ae-mnist (its dataset, and its weights)")
    p.add_argument("--folder", type=Path, help="measure the flow in this weights folder instead of the shipped one")
    p.add_argument("--steps", type=int, nargs="+", default=[5, 10, 25, 50])
    p.add_argument("--n", type=int, default=3000)
    p.add_argument("--shuffle", action="store_true", help="the balanced labels in a random order")
    p.add_argument("--spread", action="store_true", help="class by class at each --guidance and --temperature")
    p.add_argument("--guidance", type=float, nargs="+", default=[1.0])
    p.add_argument("--temperature", type=float, nargs="+", default=[1.0])
    args = p.parse_args()
    torch.set_num_threads(1)
    _, dataset = parse_name(args.name)
    model = load_folder(LatentFlow, args.folder).eval() if args.folder else load_pretrained(args.name)
    ctx = EvalContext(dataset, 10_000, "cpu")
    labels = balanced_labels(args.n, model.num_classes)
    if args.shuffle:
        labels = labels[torch.randperm(args.n, generator=torch.Generator().manual_seed(0))]
    if args.spread:
        print("| guidance | temperature | Frechet distance, class by class | precision | recall | classifier >= 90% sure |"
              "\n|---:|---:|---:|---:|---:|---:|")
        for guidance in args.guidance:
            for temperature in args.temperature:
                judged = ctx.judged(ctx.generated(sample(model, args.n, 0, labels, guidance=guidance,
                                                         temperature=temperature)))
                pr = ctx.precision_recall(judged, "flow")
                print(f"| {guidance:g} | {temperature:g} | {ctx.frechet_distance(judged):.2f} | "
                      f"{pr['flow_precision']:.3f} | {pr['flow_recall']:.3f} | {100 * judged.confident:.1f}% |",
                      flush=True)
        return
    print("| steps | Frechet distance, unconditional | classifier >= 90% sure | Frechet distance, class by class |\n"
          "|---:|---:|---:|---:|")
    for steps in args.steps:
        judged = ctx.judged(ctx.generated(sample(model, args.n, 0, None, steps=steps)))
        by_class = ctx.judged(ctx.generated(sample(model, args.n, 0, labels, steps=steps, guidance=1.0)))
        print(f"| {steps} | {ctx.frechet_distance(judged):.1f} | {100 * judged.confident:.1f}% | "
              f"{ctx.frechet_distance(by_class):.1f} |", flush=True)


if __name__ == "__main__":
    main()
