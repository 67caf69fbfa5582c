"""Measure the shipped models on the test split: ``python -m gan_demo.evaluate [--write-docs]``.

Every registered family with an evaluation measures its shipped model of each dataset against the same
context (:class:`~gan_demo.evaluation.context.EvalContext`): the test split and the shipped classifier as judge.
Today that is the classifier's accuracy (and the Frechet floor: real training vs test images), the autoencoder's
PSNR, each GAN's Frechet distance in the classifier's feature space and its class histogram, and the conditional
GAN's agreement with the class asked for. ``--datasets`` and ``--families`` measure again only those; their
figures replace theirs in ``weights/evaluation.json`` and the rest are kept. With ``--write-docs`` (or its older
name ``--write-readme``) the model card's table (:mod:`gan_demo.evaluation.card`) replaces the block between the
eval markers in docs/models.md, the table of the shipped models the block in README.md, and every shipped model's
own card (:mod:`gan_demo.evaluation.model_card`) is written to ``weights/<name>/README.md``.
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
from .evaluation.model_card import MODELS_END, MODELS_START, README, models_table, write_cards
from .hub import load_pretrained
from .registry import families_with, pretrained_names

log = logging.getLogger("gan_demo.evaluate")


def evaluate_dataset(dataset: str, n: int, device: torch.device, families: list[str] | None = None) -> dict:
    """The measures of every evaluated family (or of ``families``) on ``dataset``, in registration order, in one
    flat dict."""
    ctx = EvalContext(dataset, n, device)
    result = {"dataset": dataset, "n_test": len(ctx.x_test)}
    for family in families_with("evaluation"):
        if dataset in family.datasets and (families is None or family.name in families):
            result |= family.evaluation.measure(ctx, load_pretrained(f"{family.name}-{dataset}", device))
    return result


def merged(old: list[dict], new: list[dict]) -> list[dict]:
    """``old`` results with ``new``'s figures written over them, dataset by dataset, in the datasets' order."""
    by_dataset = {r["dataset"]: dict(r) for r in old}
    for r in new:
        by_dataset.setdefault(r["dataset"], {}).update(r)
    return [by_dataset[d] for d in DATASETS if d in by_dataset]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m gan_demo.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="images per comparison (test splits may have fewer)")
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    evaluated = [f.name for f in families_with("evaluation")]
    p.add_argument("--families", nargs="+", choices=evaluated, metavar="FAMILY",
                   help=f"measure only these (default: all of {', '.join(evaluated)}); the others' figures are kept")
    p.add_argument("--json", type=Path, default=Path("weights/evaluation.json"))
    p.add_argument("--write-docs", "--write-readme", dest="write_docs", action="store_true",
                   help="rewrite the model card's table in docs/models.md, the README's table of the shipped models "
                        "and every weights/<name>/README.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    device = pick_device()
    fresh = [evaluate_dataset(d, args.n, device, args.families) for d in args.datasets]
    old = json.loads(args.json.read_text()) if args.json.is_file() else []
    results = merged(old, fresh)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")  # first: the measures are kept whatever follows
    table = markdown(results)
    print(table)
    if args.write_docs:
        write_block(table)
        write_block(models_table(results, list(pretrained_names())), README, MODELS_START, MODELS_END)
        cards = write_cards(results)
        print(f"rewrote the model card in {MODELS_DOC}, the table of models in {README} and {len(cards)} cards")


if __name__ == "__main__":
    main()
