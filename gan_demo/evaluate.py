"""Measure the shipped models on the test split: ``python -m gan_demo.evaluate [--write-readme]``.

- classifier accuracy on the test split;
- autoencoder PSNR (dB, images in [0, 1]) on the test split;
- per GAN: the Frechet distance, in the classifier's feature space, between generated and test images,
  beside the same distance for real training images (the floor a perfect generator would reach);
- per conditional GAN: the share of samples the classifier assigns to the requested class;
- per unconditional GAN: the classifier's class histogram of its samples.
With ``--write-readme`` the model-card table replaces the block between the eval markers in README.md.
"""
from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .data import DATASETS, image_tensors, to_model_range
from .device import pick_device
from .hub import load_pretrained
from .metrics import class_histogram, frechet_distance, psnr
from .sampling import sample_many

log = logging.getLogger("gan_demo.evaluate")
README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- eval:start -->", "<!-- eval:end -->"


@torch.inference_mode()
def batched(fn, x: torch.Tensor, device: torch.device, batch: int = 500) -> torch.Tensor:
    return torch.cat([fn(chunk.to(device)).cpu() for chunk in x.split(batch)])


def generate_many(G: nn.Module, n: int, seed: int, labels: torch.Tensor | None) -> torch.Tensor:
    """``n`` generated images (n, 1, 28, 28) in [-1, 1], made as the sample CLI makes them (uint8 first)."""
    return to_model_range(sample_many(G, n, seed, labels=labels))


def evaluate_dataset(dataset: str, n: int, device: torch.device) -> dict:
    classes = DATASETS[dataset].classes
    k = len(classes)
    clf = load_pretrained(f"classifier-{dataset}", device)
    x_test, y_test = image_tensors(dataset, "test")
    x_train, _ = image_tensors(dataset, "train")
    x_test, y_test, x_train = x_test[:n], y_test[:n], x_train[:n]
    result = {"dataset": dataset, "n_test": len(x_test), "n_train_floor": len(x_train)}

    logits = batched(clf, x_test, device)
    result["classifier_accuracy"] = (logits.argmax(1) == y_test).float().mean().item()

    ae = load_pretrained(f"autoencoder-{dataset}", device)
    recon = batched(ae, x_test, device)
    result["autoencoder_psnr_db"] = psnr(recon, x_test).mean().item()

    feats_test = batched(clf.features, x_test, device).numpy()
    result["fd_floor_train_vs_test"] = frechet_distance(batched(clf.features, x_train, device).numpy(), feats_test)

    G = load_pretrained(f"gan-{dataset}", device)
    fake = generate_many(G, n, seed=0, labels=None)
    result["gan_fd"] = frechet_distance(batched(clf.features, fake, device).numpy(), feats_test)
    result["gan_class_histogram"] = class_histogram(batched(clf, fake, device).argmax(1), k).tolist()

    cG = load_pretrained(f"cgan-{dataset}", device)
    wanted = torch.arange(n) % k
    fake = generate_many(cG, n, seed=0, labels=wanted)
    pred = batched(clf, fake, device).argmax(1)
    result["cgan_fd"] = frechet_distance(batched(clf.features, fake, device).numpy(), feats_test)
    result["cgan_agreement"] = (pred == wanted).float().mean().item()
    result["cgan_agreement_per_class"] = [(pred[wanted == c] == c).float().mean().item() for c in range(k)]
    return result


def bar_checks(r: dict) -> dict[str, bool]:
    """The quality bar of the project (issue 2)."""
    hist = np.array(r["gan_class_histogram"])
    checks = {
        "cGAN agreement >= classifier accuracy": r["cgan_agreement"] >= r["classifier_accuracy"],
        "GAN covers every class (5-15% each)": bool(((hist >= 0.05) & (hist <= 0.15)).all()),
    }
    if r["dataset"] == "fashion":
        checks["autoencoder PSNR >= 20 dB"] = r["autoencoder_psnr_db"] >= 20
    return checks


def markdown(results: list[dict]) -> str:
    lines = ["| measure | " + " | ".join(DATASETS[r["dataset"]].title for r in results) + " |",
             "|---|" + "---:|" * len(results)]

    def row(label, fmt):
        lines.append(f"| {label} | " + " | ".join(fmt(r) for r in results) + " |")

    row("test images used", lambda r: f"{r['n_test']:,}")
    row("classifier accuracy (test)", lambda r: f"{100 * r['classifier_accuracy']:.1f}%")
    row("autoencoder PSNR (test)", lambda r: f"{r['autoencoder_psnr_db']:.1f} dB")
    row("Frechet distance, real train vs test (floor)", lambda r: f"{r['fd_floor_train_vs_test']:.2f}")
    row("Frechet distance, GAN vs test", lambda r: f"{r['gan_fd']:.2f}")
    row("Frechet distance, conditional GAN vs test", lambda r: f"{r['cgan_fd']:.2f}")
    row("conditional GAN: samples judged the requested class", lambda r: f"{100 * r['cgan_agreement']:.1f}%")
    out = ["\n".join(lines), ""]
    for r in results:
        classes = DATASETS[r["dataset"]].classes
        out += [f"**{DATASETS[r['dataset']].title}**, per class: conditional GAN agreement / unconditional GAN "
                "share of samples", "",
                "| class | " + " | ".join(classes) + " |", "|---|" + "---:|" * len(classes),
                "| cGAN agreement | " + " | ".join(f"{100 * a:.0f}%" for a in r["cgan_agreement_per_class"]) + " |",
                "| GAN share | " + " | ".join(f"{100 * h:.1f}%" for h in r["gan_class_histogram"]) + " |", ""]
        out += [f"- {'✅' if ok else '❌'} {name}" for name, ok in bar_checks(r).items()] + [""]
    return "\n".join(out)


def write_readme(table: str, readme: Path = README, start: str = START, end: str = END) -> None:
    """Replace what lies between the ``start`` and ``end`` markers of ``readme`` with ``table``."""
    text = readme.read_text()
    if start not in text or end not in text:
        raise ValueError(f"{readme} has no {start} ... {end} block to replace")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    readme.write_text(f"{head}{start}\n{table}\n{end}{tail}")


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="python -m gan_demo.evaluate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10_000, help="images per comparison (test splits may have fewer)")
    p.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    p.add_argument("--json", type=Path, default=Path("weights/evaluation.json"))
    p.add_argument("--write-readme", action="store_true", help="replace the table in README.md")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    device = pick_device()
    results = [evaluate_dataset(d, args.n, device) for d in args.datasets]
    table = markdown(results)
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.write_readme:
        write_readme(table)


if __name__ == "__main__":
    main()
