"""Measure the shipped models on the test split: ``python -m gan_demo.evaluate [--write-docs]``.

Every registered family with an evaluation measures its shipped model of each dataset against the same
context (:class:`~gan_demo.evaluation.context.EvalContext`): the test split and the shipped classifier as judge.
Today that is the classifier's accuracy (and the Frechet floor: real training vs test images), the autoencoder's
PSNR, each GAN's Frechet distance in the classifier's feature space and its class histogram, and the conditional
GAN's agreement with the class asked for. With ``--write-docs`` (or its older name ``--write-readme``) the model
card (see :mod:`gan_demo.evaluation.card`) replaces the block between the eval markers in docs/models.md.
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import torch

from .data import DATASETS
from .device import pick_device
from .evaluation.card import MODELS_DOC, markdown, write_block
from .evaluation.context import EvalContext
from .hub import load_pretrained
from .registry import families_with

log = logging.getLogger("gan_demo.evaluate")


def evaluate_dataset(dataset: str, n: int, device: torch.device) -> dict:
    """Every evaluated family's measures on ``dataset``, in registration order, in one flat dict."""
    ctx = EvalContext(dataset, n, device)
    result = {"dataset": dataset, "n_test": len(ctx.x_test)}
    for family in families_with("evaluation"):
        if dataset in family.datasets:
            result |= family.evaluation.measure(ctx, load_pretrained(f"{family.name}-{dataset}", device))
    return result


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m gan_demo.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="images per comparison (test splits may have fewer)")
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--json", type=Path, default=Path("weights/evaluation.json"))
    p.add_argument("--write-docs", "--write-readme", dest="write_docs", action="store_true",
                   help="replace the model card's table in docs/models.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    device = pick_device()
    results = [evaluate_dataset(d, args.n, device) for d in args.datasets]
    table = markdown(results)
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.write_docs:
        write_block(table)
        print(f"rewrote the model card in {MODELS_DOC}")


if __name__ == "__main__":
    main()
