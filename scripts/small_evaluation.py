"""The fast tier's evaluation fixture: ``make evaluate``'s measures of the MNIST models on the first 300 test digits.

    python scripts/small_evaluation.py    # rewrites tests/fixtures/evaluation-mnist-300.json

Run it again after retraining a model or changing a measure. tests/test_readme.py recomputes these figures in the
fast tier (seconds) and checks every one; its slow test recomputes the whole of weights/evaluation.json. The
text-to-image pipeline is left to that slow test: its measures sample a few hundred images even for a small test
set (over a minute on 2 busy cores). On the CPU, on one torch thread: the same figures on any machine count.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch

from gan_demo.evaluate import evaluate_dataset
from gan_demo.registry import families_with

DATASET, N = "mnist", 300
FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / f"evaluation-{DATASET}-{N}.json"
LEFT_TO_THE_SLOW_TEST = ("text",)


def families() -> list[str]:
    return [f.name for f in families_with("evaluation") if f.name not in LEFT_TO_THE_SLOW_TEST]


def evaluate() -> dict:
    """The fixture's figures, measured now."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a sum split over two threads can round differently in its last digits
    try:
        return evaluate_dataset(DATASET, N, torch.device("cpu"), families())
    finally:
        torch.set_num_threads(threads)


def main() -> None:
    FIXTURE.parent.mkdir(parents=True, exist_ok=True)
    FIXTURE.write_text(json.dumps(evaluate(), indent=2) + "\n")
    print(f"wrote {FIXTURE.relative_to(FIXTURE.parents[2])}")


if __name__ == "__main__":
    main()
