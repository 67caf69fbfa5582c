"""Train one of the shipped models: ``python -m gan_demo.train KIND --dataset {fashion,mnist}``.

KIND is autoencoder, gan, cgan or classifier. The run checkpoints to ``checkpoints/<name>/`` every
``--checkpoint-every`` steps and resumes from there when started again with the same command; the
final weights go to ``weights/<name>/``. Under ``torchrun --nproc_per_node N`` the same command trains
with DistributedDataParallel (gloo on CPU, nccl on CUDA).
"""
from __future__ import annotations

import argparse
import logging
import os
import time
from pathlib import Path

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from .checkpoint import load_checkpoint, save_checkpoint
from .data import dataset_info, image_tensors
from .device import configure_threads, pick_device
from .hub import KINDS, save_pretrained, weights_dir
from .models import create_model
from .sampling import save_grid
from .training import (GANConfig, GANTrainer, autoencoder_loss, classifier_loss, random_shift,
                       tensor_sampler, train_supervised)

log = logging.getLogger("gan_demo.train")

# Defaults per kind: what made the shipped weights (see README). Every one can be overridden by a flag.
DEFAULTS = {
    "gan": dict(steps=3000, batch_size=64, lr=2e-4),
    "cgan": dict(steps=3000, batch_size=64, lr=2e-4),
    "autoencoder": dict(steps=3000, batch_size=128, lr=2e-3),
    "classifier": dict(steps=3000, batch_size=128, lr=2e-3),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m gan_demo.train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", choices=sorted(KINDS))
    p.add_argument("--dataset", choices=["fashion", "mnist"], default="fashion")
    p.add_argument("--steps", type=int, help="optimiser steps (generator steps for GANs)")
    p.add_argument("--batch-size", type=int)
    p.add_argument("--lr", type=float, help="learning rate (both players for GANs unless --lr-d/--lr-g)")
    p.add_argument("--lr-d", type=float)
    p.add_argument("--lr-g", type=float)
    p.add_argument("--beta1", type=float, default=0.0)
    p.add_argument("--beta2", type=float, default=0.9)
    p.add_argument("--k-disc", type=int, default=1, help="discriminator steps per generator step")
    p.add_argument("--g-loss", choices=["minimax", "non-saturating", "hinge"], default="hinge")
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--aux-weight", type=float, default=0.0,
                   help="cgan: weight of an auxiliary class loss on the discriminator's features (AC-GAN)")
    p.add_argument("--latent-dim", type=int, help="size of z (GANs) or of the code (autoencoder)")
    p.add_argument("--width", type=int, help="base channel width")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", type=Path, help="weights folder (default weights/<kind>-<dataset>)")
    p.add_argument("--checkpoint-dir", type=Path, help="default checkpoints/<kind>-<dataset>")
    p.add_argument("--checkpoint-every", type=int, default=250)
    p.add_argument("--preview-every", type=int, default=500, help="write a fixed-noise grid every N steps")
    p.add_argument("--threads", type=int, help="CPU threads (default $CPU_CORES or all cores)")
    p.add_argument("--device", help="cpu, cuda, mps (default: best available)")
    p.add_argument("--push-to-hub", metavar="REPO", help="also upload the final weights to this Hub repo")
    args = p.parse_args(argv)
    for key, value in DEFAULTS[args.kind].items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    args.lr_d, args.lr_g = args.lr_d or args.lr, args.lr_g or args.lr
    if args.kind in ("gan", "cgan"):
        try:  # the loop's own checks, before any data is loaded
            gan_config(args)
        except ValueError as err:
            p.error(str(err))
    name = f"{args.kind}-{args.dataset}"
    args.out = args.out or weights_dir() / name
    args.checkpoint_dir = args.checkpoint_dir or Path("checkpoints") / name
    return args


def setup_distributed(device: torch.device) -> tuple[int, int]:
    """(rank, world size); initialises the process group when launched by torchrun."""
    world = int(os.getenv("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return (dist.get_rank() if world > 1 else 0), world


def model_overrides(args, num_classes: int) -> dict:
    over = {k: v for k, v in (("latent_dim", args.latent_dim), ("width", args.width)) if v is not None}
    if args.kind in ("cgan", "classifier"):
        over["num_classes"] = num_classes
    if args.kind == "classifier":
        over.pop("latent_dim", None)
    return over


def gan_config(args, rank: int = 0) -> GANConfig:
    """The loop's options from the command line; each process of a distributed run gets its own seed."""
    return GANConfig(k_disc=args.k_disc, g_loss=args.g_loss, lr_d=args.lr_d, lr_g=args.lr_g, beta1=args.beta1,
                     beta2=args.beta2, batch_size=args.batch_size, ema_decay=args.ema_decay,
                     aux_weight=args.aux_weight if args.kind == "cgan" else 0.0, seed=args.seed + rank)


def build_gan(args, images, labels, num_classes, device, world) -> GANTrainer:
    conditional = args.kind == "cgan"
    over = model_overrides(args, num_classes)
    G = create_model("cond_generator" if conditional else "generator", **over).to(device)
    d_over = {k: v for k, v in over.items() if k != "latent_dim"}
    if conditional and args.aux_weight > 0:
        d_over["aux_classifier"] = True
    D = create_model("cond_discriminator" if conditional else "discriminator", **d_over).to(device)
    if world > 1:
        G, D = DistributedDataParallel(G), DistributedDataParallel(D)
    cfg = gan_config(args, rank=dist.get_rank() if world > 1 else 0)
    sampler = tensor_sampler(images, labels if conditional else None)
    return GANTrainer(G, D, sampler, cfg, num_classes=num_classes if conditional else 0, device=device)


def train_gan(args, trainer: GANTrainer, rank: int) -> torch.nn.Module:
    ckpt = args.checkpoint_dir / "checkpoint.safetensors"
    if ckpt.is_file():
        trainer.load_state_dict(load_checkpoint(ckpt))
        log.info("resumed from %s at step %d", ckpt, trainer.step)
    bar = tqdm(total=args.steps, initial=trainer.step, disable=rank != 0, desc=f"{args.kind}-{args.dataset}")
    for rec in trainer.run(max(0, args.steps - trainer.step)):
        bar.update(1)
        bar.set_postfix(loss_d=f"{rec['loss_d']:.3f}", loss_g=f"{rec['loss_g']:.3f}",
                        d_real=f"{rec['d_real']:.2f}", d_fake=f"{rec['d_fake']:.2f}")
        if rank == 0 and (rec["step"] % args.checkpoint_every == 0 or rec["step"] == args.steps):
            save_checkpoint(trainer.state_dict(), ckpt)
        if rank == 0 and rec["step"] % args.preview_every == 0:
            save_grid(trainer.preview(), args.checkpoint_dir / f"preview_{rec['step']:06d}.png", nrow=8)
    bar.close()
    return trainer.sampler()


def train_other(args, images, labels, num_classes, device, world, rank) -> torch.nn.Module:
    model = create_model(args.kind, **model_overrides(args, num_classes)).to(device)
    ckpt = args.checkpoint_dir / "final.safetensors"
    if ckpt.is_file():  # these runs are short: checkpoint the finished model so a rerun only refits/saves
        model.load_state_dict(load_checkpoint(ckpt)["model"])
        log.info("loaded finished %s from %s", args.kind, ckpt)
        return model
    wrapped = DistributedDataParallel(model) if world > 1 else model
    loss_fn = autoencoder_loss if args.kind == "autoencoder" else classifier_loss
    augment = random_shift if args.kind == "classifier" else None
    bar = tqdm(total=args.steps, disable=rank != 0, desc=f"{args.kind}-{args.dataset}")
    for rec in train_supervised(wrapped, loss_fn, images, labels, steps=args.steps, batch_size=args.batch_size,
                                lr=args.lr, seed=args.seed + rank, device=device, augment=augment):
        bar.update(1)
        bar.set_postfix({k: f"{v:.4f}" for k, v in rec.items() if k != "step"})
    bar.close()
    if rank == 0:
        save_checkpoint({"model": model.state_dict()}, ckpt)
    return model


@torch.no_grad()
def fit_autoencoder_map(model, images, labels, device) -> None:
    """Fit the 2-D latent map on (up to) 20,000 training codes."""
    model.eval()
    codes = torch.cat([model.encode(chunk.to(device)).cpu() for chunk in images[:20000].split(1000)])
    model.fit_map(codes, labels[: len(codes)])


def main(argv=None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    configure_threads(args.threads)
    torch.manual_seed(args.seed)  # a script, so one global seed at the start, for weight initialisation
    device = pick_device(args.device)
    rank, world = setup_distributed(device)
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.getenv("LOCAL_RANK", "0")))
    info = dataset_info(args.dataset)
    images, labels = image_tensors(args.dataset, "train")
    start = time.process_time()
    if args.kind in ("gan", "cgan"):
        model = train_gan(args, build_gan(args, images, labels, len(info.classes), device, world), rank)
    else:
        model = train_other(args, images, labels, len(info.classes), device, world, rank)
        if args.kind == "autoencoder":
            fit_autoencoder_map(model, images, labels, device)
    if rank == 0:
        folder = save_pretrained(model.cpu().eval(), args.out, push_to_hub=args.push_to_hub)
        log.info("saved %s (CPU time of this process: %.0f s)", folder, time.process_time() - start)
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
