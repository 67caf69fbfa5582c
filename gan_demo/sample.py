"""Batch generation: ``python -m gan_demo.sample NAME --n N --seed S [--label L | --all-labels] --out FILE``.

NAME is a shipped model of a family that can sample (``gan-fashion``, ``cgan-mnist``, ``text-fashion``, ...), or
the folder of a generator exported by the live training tab (its ``generator/`` download: ``config.json``,
``model.safetensors`` and ``gan_demo.json``).
``FILE.png`` gets an image grid; ``FILE.npz`` gets ``images`` uint8 (N, 28, 28) and ``labels`` (N,) (-1 for an
unconditional model or a free prompt). ``--all-labels`` cycles through the classes evenly (for the text-to-image
models: the class names as prompts). Text-to-image models take ``--prompt "a dark sneaker"`` instead of a label,
and ``--steps`` / ``--guidance`` as in the app.
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .data import dataset_info
from .device import pick_device
from .hub import WeightsError, load_pretrained, load_saved
from .images import grid
from .registry import Family, families_with, get_family, parse_name
from .sampling import MAX_SEED

MAX_N = 100_000


def generator_names() -> list[str]:
    return [name for family in families_with("sample") for name in family.weights_names()]


def labels_for(args: argparse.Namespace, family: Family, classes: tuple[str, ...]) -> torch.Tensor | None:
    """The label per sample, or None for an unconditional model; errors name the valid choices."""
    if not family.conditional:
        if args.label is not None or args.all_labels:
            conditional = [f.name for f in families_with("sample") if f.conditional]
            raise ValueError(f"{args.name} is unconditional: drop --label/--all-labels (or use a model of the "
                             f"{', '.join(conditional)} families)")
        return None
    if args.all_labels:
        return torch.arange(args.n) % len(classes)
    if args.label is None and family.prompted:
        if args.prompt is None:
            raise ValueError(f"{args.name} turns text into images: pass --prompt \"...\" (or --label / --all-labels "
                             "for the class names as prompts)")
        return None
    if args.label is None:
        raise ValueError(f"{args.name} is class-conditional: pass --label (one of {list(classes)}) or --all-labels")
    if args.label in classes:
        return torch.full((args.n,), classes.index(args.label))
    if args.label.isdigit() and int(args.label) < len(classes):
        return torch.full((args.n,), int(args.label))
    raise ValueError(f"unknown label {args.label!r}; choose an index 0-{len(classes) - 1} or one of {list(classes)}")


def prompt_options(args: argparse.Namespace, family: Family) -> dict:
    """--prompt / --steps / --guidance for text-to-image models; an error for any other model."""
    options = {k: v for k in ("prompt", "steps", "guidance") if (v := getattr(args, k, None)) is not None}
    if options and not family.prompted:
        prompted = [f.name for f in families_with("sample") if f.prompted]
        raise ValueError(f"{args.name} takes no {'/'.join('--' + k for k in options)}: only the "
                         f"{' and '.join(prompted)} models turn a prompt into images")
    return options  # the family's sampler checks their values


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gan_demo.sample", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name", help="a shipped generator (" + ", ".join(generator_names()) + ") or the folder of a "
                   "generator exported by the live training tab")
    p.add_argument("--n", type=int, default=64, help=f"number of images (1-{MAX_N})")
    p.add_argument("--seed", type=int, default=0)
    group = p.add_mutually_exclusive_group()
    group.add_argument("--label", help="class index or name (conditional models)")
    group.add_argument("--all-labels", action="store_true", help="cycle through all classes evenly")
    group.add_argument("--prompt", help="text-to-image models: what to draw, e.g. \"a dark sneaker\"")
    p.add_argument("--steps", type=int, help="text-to-image models: DDIM sampling steps")
    p.add_argument("--guidance", type=float, help="text-to-image models: classifier-free guidance scale")
    p.add_argument("--nrow", type=int, default=10, help="images per row of a PNG grid")
    p.add_argument("--out", type=Path, required=True, help="output .png (grid) or .npz (arrays)")
    p.add_argument("--device", help="cpu, cuda or mps (default: best available)")
    return p.parse_args(argv)


def resolve(name: str, device: torch.device) -> tuple[Family, tuple[str, ...], Callable[[], torch.nn.Module]]:
    """NAME -> (its family, its class names, a loader): a shipped model, or a saved generator's folder."""
    if Path(name).is_dir():
        saved, model = load_saved(name)
        family, part = get_family(saved.partition(".")[0]), saved.partition(".")[2]
        if family.sample is None or part != family.pretrained:
            raise ValueError(f"{name} holds a {saved} ({family.summary.split(':')[0]}), which does not draw images; "
                             "export an image-mode run, or choose one of " + ", ".join(generator_names()))
        classes = tuple(str(k) for k in range(getattr(model, "num_classes", 0)))
        return family, classes, lambda: model.to(device)
    family, dataset = parse_name(name)
    if family.sample is None:
        raise ValueError(f"{name} is not a generator; choose one of {generator_names()}")
    return family, dataset_info(dataset).classes, lambda: load_pretrained(name, device)


def run(args: argparse.Namespace) -> Path:
    device = pick_device(args.device)
    family, classes, load = resolve(args.name, device)
    if not 1 <= args.n <= MAX_N:
        raise ValueError(f"--n must be between 1 and {MAX_N}, got {args.n}")
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed must be between 0 and {MAX_SEED}, got {args.seed}")
    if args.out.suffix not in (".png", ".npz"):
        raise ValueError(f"--out must end in .png or .npz, got {args.out}")
    options = prompt_options(args, family)
    labels = labels_for(args, family, classes)
    model = load()
    images = family.sample(model, args.n, args.seed, labels, **options).numpy()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.out.suffix == ".npz":
        np.savez_compressed(args.out, images=images,
                            labels=(labels.numpy() if labels is not None else np.full(args.n, -1)))
    else:
        Image.fromarray(grid(images, nrow=args.nrow)).save(args.out)
    return args.out


def main(argv=None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    args = parse_args(argv)
    try:
        out = run(args)
    except (ValueError, WeightsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {args.n} images to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
