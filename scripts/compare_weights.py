"""Measure candidate weights folders the way ``make evaluate`` measures the shipped ones, to choose between runs.

    python scripts/compare_weights.py gan --dataset fashion runs/a runs/b weights/gan-fashion [--n 10000]

Each folder (``config.json`` + ``model.safetensors``, as ``python -m gan_demo.train ... --out FOLDER`` writes it)
is loaded strictly into the family's model and measured by the family's own evaluation against the test split,
judged by the shipped classifier: a GAN's Frechet distance, class histogram and confident share, an autoencoder's
PSNR, and so on. One markdown row per folder; the numbers match the model card's for the shipped folder.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from gan_demo.device import configure_threads
from gan_demo.evaluation.context import EvalContext
from gan_demo.hub import WeightsError, load_folder
from gan_demo.registry import families_with, get_family


def cell(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return " ".join(f"{v:.3f}" for v in value)
    return str(value)


def main(argv=None) -> None:
    evaluated = [f.name for f in families_with("evaluation") if f.pretrained]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("family", choices=evaluated)
    p.add_argument("folders", nargs="+", type=Path)
    p.add_argument("--dataset", choices=["fashion", "mnist"], required=True)
    p.add_argument("--n", type=int, default=10_000, help="images per comparison (as make evaluate)")
    args = p.parse_args(argv)
    configure_threads()
    family = get_family(args.family)
    ctx = EvalContext(args.dataset, args.n, "cpu")
    header = None
    for folder in args.folders:
        try:
            model = load_folder(family.model_class, folder).eval()
        except (WeightsError, FileNotFoundError) as e:
            p.error(f"{folder} is not a {args.family} weights folder: {str(e).splitlines()[0]}")
        result = family.evaluation.measure(ctx, model)
        if header is None:
            header = list(result)
            print("| folder | " + " | ".join(header) + " |")
            print("|---" * (len(header) + 1) + "|")
        print(f"| {folder} | " + " | ".join(cell(result[k]) for k in header) + " |", flush=True)


if __name__ == "__main__":
    main()
