"""The cgan family: the DCGAN with the class as input (conditional BatchNorm) and a projection discriminator.

With ``--aux-weight`` the discriminator also has an auxiliary class head (AC-GAN) the generator must satisfy.
"""
from __future__ import annotations

import argparse

import torch
from torch import nn

from ...registry import CardRow, Evaluation, Family, Part, TrainData, given, precision_recall_row, register
from .. import inputs
from ..gan.family import GANRecipe, sample
from .model import ConditionalGenerator, ProjectionDiscriminator


class ConditionalGANRecipe(GANRecipe):
    conditional = True

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        super().add_arguments(p)
        p.add_argument("--aux-weight", type=float, default=0.0,
                       help="weight of an auxiliary class loss on the discriminator's features (AC-GAN)")

    def models(self, args: argparse.Namespace, data: TrainData) -> tuple[nn.Module, nn.Module]:
        classes = {"num_classes": data.num_classes}
        return (ConditionalGenerator(**given(args, "latent_dim", "width"), **classes),
                ProjectionDiscriminator(**given(args, "width"), **classes, aux_classifier=args.aux_weight > 0))


def measure(ctx, model: nn.Module) -> dict:
    """Frechet distance of samples asked for every class in turn, and how often the judge sees the class asked."""
    k = len(ctx.classes)
    wanted = torch.arange(ctx.n) % k
    judged = ctx.judged(ctx.generated(sample(model, ctx.n, 0, wanted)))
    predicted = judged.predicted
    return {"cgan_fd": ctx.frechet_distance(judged),
            "cgan_agreement": (predicted == wanted).float().mean().item(), "cgan_confident": judged.confident,
            "cgan_agreement_per_class": [(predicted[wanted == c] == c).float().mean().item() for c in range(k)],
            **ctx.precision_recall(judged, "cgan")}


def checks(r: dict) -> dict[str, bool]:
    bars = {"cGAN agreement >= classifier accuracy": r["cgan_agreement"] >= r["classifier_accuracy"]}
    if r["dataset"] == "mnist":
        bars["cGAN: the requested digit for >= 99% of samples"] = r["cgan_agreement"] >= 0.99
    return bars


FAMILY = register(Family(
    name="cgan",
    summary="the gan family with the class as a one-hot input and conditional BatchNorm in the generator, and a "
            "projection discriminator (Miyato & Koyama, 2018), optionally with an auxiliary class head (AC-GAN)",
    parts={"generator": Part(ConditionalGenerator, dict(latent_dim=16, width=8), inputs.labelled_noise, (1, 28, 28),
                             (-1, 1)),
           "discriminator": Part(ProjectionDiscriminator, dict(width=8), inputs.labelled_images, ())},
    pretrained="generator",
    recipe=ConditionalGANRecipe(),
    sample=sample,
    conditional=True,
    evaluation=Evaluation(measure, rows=(
        CardRow("Frechet distance, conditional GAN vs test", lambda r: f"{r['cgan_fd']:.2f}"),
        CardRow("conditional GAN: samples judged the requested class", lambda r: f"{100 * r['cgan_agreement']:.1f}%"),
        CardRow("conditional GAN samples: classifier >= 90% sure", lambda r: f"{100 * r['cgan_confident']:.1f}%"),
        precision_recall_row("conditional GAN samples", "cgan")),
        class_rows=(CardRow("cGAN agreement", lambda r: [f"{100 * a:.0f}%" for a in r["cgan_agreement_per_class"]]),),
        checks=checks),
))
