"""The text family: text-to-image in DALL-E 2's way, trained on top of this dataset's shipped CLIP."""
from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ...data.captions import Captioner
from ...hub import load_folder, weights_dir
from ...registry import CardRow, Evaluation, Family, Part, TrainData, register
from .. import inputs
from ..clip import CLIP
from ..clip.family import TINY_WORDS
from .decoder import Decoder
from .diffusion import check_interval
from .evaluation import checks, goals, measure, measure_flow, redrawn_note
from .flow import SOLVERS
from .generate import check_settings, sample
from .model import OBJECTIVES, TextToImage, check_redraw_below
from .prior import Prior
from .sweep import N_GUIDED, N_SWEEP
from .training import TextTrainer

TINY_CLIP = dict(words=TINY_WORDS, max_words=5, embed_dim=8, width=8, text_width=16, layers=1, heads=2)


@dataclass
class TextRecipe:
    """Copy the dataset's CLIP (``--clip``, default weights/clip-<dataset>), freeze it, train decoder and prior
    together, then (the last ``--prior-steps`` of ``--steps``) the prior alone. With ``--decoder-from PIPELINE`` a
    finished pipeline keeps its CLIP and decoder and every step trains a new prior (as DALL-E 2 trains its prior and
    decoder apart): a decoder trained without ``--decoder-text`` never sees a caption, so a new caption recipe for the
    prior needs only this.

    ``--decoder-text`` gives the decoder the caption's text embedding beside the image embedding (as unCLIP's
    decoder). ``--finetune-decoder PIPELINE`` goes on training a finished pipeline's decoder for all of --steps under
    its frozen CLIP and prior; with ``--decoder-text`` on a decoder without it, the text enters through zero weights,
    so training starts from exactly the finished pipeline's images."""

    defaults: dict[str, Any] = field(default_factory=lambda: dict(steps=5000, batch_size=128, lr=1e-3, channels=[16, 32, 64],
                                                                prior_width=256, guidance=2.0, prior_guidance=2.0,
                                                                prior_guidance_interval=None, prior_steps=0,
                                                                prediction="epsilon", attribute_p=Captioner.attribute_p,
                                                                decoder_text=False, redraw_below=None,
                                                                objective="ddpm", solver="euler"))

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--clip", type=Path, help="the CLIP weights folder to build on (default weights/clip-DATASET)")
        parser.add_argument("--channels", type=int, nargs="+", help="the decoder UNet's widths per resolution")
        parser.add_argument("--prior-width", type=int, help="the prior MLP's width")
        parser.add_argument("--prior-steps", type=int, help="how many of --steps, at the end, train the prior alone "
                            "(a few milliseconds each: CLIP embeds the images once)")
        parser.add_argument("--guidance", type=float, help="the decoder's default guidance scale (saved in config.json)")
        parser.add_argument("--prior-guidance", type=float, help="the prior's default guidance scale")
        parser.add_argument("--prior-guidance-interval", type=int, nargs=2, metavar=("LOW", "HIGH"),
                            help="guide the prior only on the timesteps t from LOW to HIGH (of 0-999; default: every "
                            "step); saved in config.json, like the scales")
        parser.add_argument("--redraw-below", type=float, metavar="COSINE",
                            help="decode an image again when its CLIP embedding's cosine with the embedding it was "
                            "decoded from is below this (the decoder's rare strays; default: never); saved in config.json")
        parser.add_argument("--prediction", choices=("epsilon", "sample"),
                            help="what the decoder predicts: the noise, or the clean image x_0")
        parser.add_argument("--attribute-p", type=float,
                            help="how often the prior's training captions name an attribute the image has (default "
                            "%(default)s as for CLIP); lower makes a prompt without attribute words stand for the whole "
                            "class rather than its middle thirds")
        parser.add_argument("--decoder-from", type=Path, metavar="PIPELINE",
                            help="a text pipeline's weights folder: keep its CLIP and decoder (and what the decoder "
                            "predicts) and train a new prior for all of --steps (--channels, --prediction and --clip "
                            "are then not used)")
        parser.add_argument("--decoder-text", action="store_true",
                            help="condition the decoder on the caption's CLIP text embedding too (dropped for half of "
                            "the training steps, so image variations, which have no caption, still work)")
        parser.add_argument("--finetune-decoder", type=Path, metavar="PIPELINE",
                            help="a text pipeline's weights folder: keep its CLIP, prior and settings frozen and go on "
                            "training its decoder for all of --steps (with --decoder-text, adding the caption)")

        parser.add_argument("--objective", choices=OBJECTIVES,
                            help="how the decoder learns: DDPM's noise prediction, or flow matching's velocity "
                            "(gan_demo/families/text/flow.py)")
        parser.add_argument("--solver", choices=list(SOLVERS),
                            help="a flow-matching decoder's default ODE solver (saved in config.json)")
        parser.add_argument("--prior-from", type=Path, metavar="PIPELINE",
                            help="a text pipeline's weights folder: keep its CLIP, prior and prior settings, frozen, "
                            "and train a new decoder for all of --steps (as DALL-E 2 trains its prior and decoder "
                            "apart): two decoders compared under one prior")

    def check(self, args: argparse.Namespace) -> None:
        if len(args.channels) not in (2, 3) or any(c % 8 for c in args.channels):
            raise ValueError("--channels takes 2 or 3 widths (28, 14[, 7] pixels), each a multiple of 8")
        check_settings(None, args.guidance)
        check_settings(None, args.prior_guidance)
        try:
            check_interval(args.prior_guidance_interval)
        except ValueError as err:
            raise ValueError(f"--prior-guidance-interval: {err}") from None
        check_redraw_below(args.redraw_below, "--redraw-below")
        if not 0 <= args.attribute_p <= 1:
            raise ValueError(f"--attribute-p is a probability, between 0 and 1, got {args.attribute_p}")
        for flag, folder, example in (("--clip", args.clip, "weights/clip-mnist"),
                                      ("--decoder-from", args.decoder_from, "weights/text-mnist"),
                                      ("--prior-from", args.prior_from, "weights/text-fashion"),
                                      ("--finetune-decoder", args.finetune_decoder, "weights/text-mnist")):
            if folder is not None and not (folder / "config.json").is_file():
                raise ValueError(f"{flag} {folder}: no config.json there; give a weights folder, e.g. {example}")
        starts = [flag for flag, folder in (("--decoder-from", args.decoder_from), ("--finetune-decoder",
                  args.finetune_decoder), ("--prior-from", args.prior_from)) if folder is not None]
        if len(starts) > 1:
            raise ValueError(f"{' and '.join(starts)} each start from a finished pipeline in their own way: give one of them")
        if args.objective != "ddpm" and (args.decoder_from or args.finetune_decoder):
            raise ValueError(f"--objective {args.objective} trains a new decoder: use it without {starts[0]}")
        if starts:
            if args.prior_steps:
                flag, part = starts[0], "prior" if args.decoder_from else "decoder"
                raise ValueError(f"with {flag} every step trains the {part}: leave out --prior-steps")
            return
        if not 0 <= args.prior_steps < args.steps:
            raise ValueError(f"--prior-steps must be between 0 and --steps - 1 ({args.steps - 1}), got {args.prior_steps}: "
                             "the decoder needs joint steps")

    def build(self, args: argparse.Namespace, data: TrainData, device: torch.device, world: int,
              rank: int = 0) -> TextTrainer:
        if world > 1:
            raise ValueError("the text pipeline trains in one process")
        scales = dict(prior={"width": args.prior_width}, guidance=args.guidance, prior_guidance=args.prior_guidance,
                      prior_guidance_interval=args.prior_guidance_interval, redraw_below=args.redraw_below)
        if args.decoder_from is not None:
            model, joint_steps = self.new_prior_for(args.decoder_from, scales), 0
        elif args.prior_from is not None:
            model = self.new_decoder_for(args.prior_from, dict(channels=args.channels, text=args.decoder_text),
                                         dict(guidance=args.guidance, prediction=args.prediction,
                                              redraw_below=args.redraw_below, objective=args.objective,
                                              solver=args.solver))
            joint_steps = args.steps
        elif args.finetune_decoder is not None:
            model, joint_steps = self.decoder_of(args.finetune_decoder, args.decoder_text), args.steps
        else:
            folder = args.clip or weights_dir() / f"clip-{args.dataset}"
            clip = load_folder(CLIP, folder)
            model = TextToImage(json.loads((folder / "config.json").read_text()), decoder={"channels": args.channels,
                                                                                     "text": args.decoder_text},
                                prediction=args.prediction, objective=args.objective, solver=args.solver,
                                **scales)  # every setting in config.json, none left to defaults
            model.clip.load_state_dict(clip.state_dict())
            joint_steps = args.steps - args.prior_steps
        model = model.to(device)
        captioner = Captioner(args.dataset, attribute_p=args.attribute_p).fit(data.images, data.labels)
        return TextTrainer(model, data.images, data.labels, captioner, joint_steps=joint_steps,
                           prior_steps=args.steps - joint_steps, batch_size=args.batch_size, lr=args.lr,
                           seed=args.seed, device=device)

    @staticmethod
    def new_prior_for(folder: Path, settings: dict) -> TextToImage:
        """The pipeline in ``folder`` (loaded strictly) with a freshly initialised prior and the given prior width
        and guidance scales; its CLIP, decoder and prediction type are kept."""
        finished = load_folder(TextToImage, folder)
        config = {**json.loads((Path(folder) / "config.json").read_text()), **settings}
        model = TextToImage(**config)
        kept = {k: v for k, v in finished.state_dict().items() if not k.startswith("prior.")}
        missing, unexpected = model.load_state_dict(kept, strict=False)
        assert not unexpected and all(k.startswith("prior.") for k in missing), (missing, unexpected)
        return model

    @staticmethod
    def new_decoder_for(folder: Path, decoder: dict, settings: dict) -> TextToImage:
        """The pipeline in ``folder`` (loaded strictly) with a freshly initialised decoder built from ``decoder`` and
        the decoder's ``settings`` (guidance, objective, ...); its CLIP, prior and the prior's settings are kept,
        frozen."""
        finished = load_folder(TextToImage, folder)
        config = {**json.loads((Path(folder) / "config.json").read_text()), "decoder": decoder, **settings}
        model = TextToImage(**config)
        kept = {k: v for k, v in finished.state_dict().items() if not k.startswith("decoder.")}
        missing, unexpected = model.load_state_dict(kept, strict=False)
        assert not unexpected and all(k.startswith("decoder.") for k in missing), (missing, unexpected)
        model.prior.requires_grad_(False)
        return model

    @staticmethod
    def decoder_of(folder: Path, text: bool) -> TextToImage:
        """The pipeline in ``folder`` (loaded strictly) with its CLIP and prior frozen, for its decoder to train on;
        with ``text`` the decoder takes the caption too, through zero weights (and a zero null) to start with."""
        finished = load_folder(TextToImage, folder)
        config = json.loads((Path(folder) / "config.json").read_text())
        config["decoder"] = {**config.get("decoder", {}), "text": text or finished.decoder.text}
        model = TextToImage(**config)
        state = finished.state_dict()
        if model.decoder.text and not finished.decoder.text:
            for key, dim in (("decoder.project.weight", 1), ("decoder.null", 0)):
                state[key] = torch.cat([state[key], torch.zeros_like(state[key])], dim)
        model.load_state_dict(state)
        model.prior.requires_grad_(False)
        return model

    def finish(self, args: argparse.Namespace, model: nn.Module, data: TrainData,
               device: torch.device) -> None:
        pass  # nothing to fit after training


def shown(key: str, fmt):
    """A card row's format that gives "-" for a dataset the family does not ship (no ``key`` in its result)."""
    return lambda r: fmt(r) if key in r else "-"


def sweep_rows(prefix: str) -> tuple[CardRow, ...]:
    """The speed-against-quality sweep's rows (sweep.py): per sampler, the prompted-class share, the Frechet
    distance and ms per image at each step count, the conditional GAN's single evaluation beside them."""
    def row(sampler: str, label: str, fmt) -> CardRow:
        def cell(r: dict) -> str:
            points = r.get(f"{prefix}_sweep", {}).get(sampler)
            if not points:
                return "-"
            gan = r[f"{prefix}_sweep"]["cgan"][0]
            return " · ".join(f"{p['steps']}: {fmt(p)}" for p in points) + f" (cGAN, 1 evaluation: {fmt(gan)})"
        return CardRow(f"{SWEEP_NAMES[sampler]}, {label} at each step count ({N_SWEEP:,} images)", cell)
    samplers = ("ddim",) if prefix == "text" else ("euler", "heun")
    return tuple(row(s, label, fmt) for s in samplers for label, fmt in (
        ("prompted class", lambda p: f"{100 * p['agreement']:.0f}%"),
        ("Frechet distance", lambda p: f"{p['fd']:.1f}"),
        ("ms per image", lambda p: f"{p['ms_per_image']:.1f}")))


SWEEP_NAMES = {"ddim": "DDPM decoder, DDIM (trailing)", "euler": "flow-matching decoder, Euler",
               "heun": "flow-matching decoder, Heun"}


def tiny_inputs(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, ...]:
    ids = torch.randint(1, len(model.tokenizer), (batch, model.tokenizer.max_words), generator=rng)
    return (torch.randn(batch, 1, 28, 28, generator=rng), torch.randn(batch, model.embed_dim, generator=rng), ids)


def embedded_images(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, ...]:
    t = torch.randint(0, 1000, (batch,), generator=rng)
    return (*inputs.images(model, batch, rng), t, torch.randn(batch, model.project.in_features, generator=rng))


def noisy_embeddings(model: nn.Module, batch: int, rng: torch.Generator) -> tuple[torch.Tensor, ...]:
    d = model.null.numel()
    return (torch.randn(batch, d, generator=rng), torch.randint(0, 1000, (batch,), generator=rng),
            torch.randn(batch, d, generator=rng))


FAMILY = register(Family(
    name="text",
    summary="DALL-E 2 in miniature: prompt -> CLIP text embedding -> diffusion prior -> image embedding -> "
            "diffusion decoder (diffusers UNet, DDIM, classifier-free guidance) -> image",
    parts={"pipeline": Part(TextToImage, dict(clip=TINY_CLIP, decoder=dict(channels=(8, 16)),
                                              prior=dict(width=16, depth=1), steps=2), tiny_inputs, (1, 28, 28), (-1, 1)),
           "decoder": Part(Decoder, dict(embed_dim=8, channels=(8, 16)), embedded_images, (1, 28, 28)),
           "prior": Part(Prior, dict(embed_dim=8, width=16, depth=1), noisy_embeddings, (8,))},
    pretrained="pipeline",
    recipe=TextRecipe(),
    sample=sample,
    conditional=True,
    prompted=True,
    evaluation=Evaluation(measure, rows=(
        CardRow("text-to-image (class prompts): samples judged the prompted class",
                lambda r: f"{100 * r['text_agreement']:.1f}% (cGAN on the same {r['text_n']}: "
                          f"{100 * r['text_cgan_agreement']:.1f}%)"),
        CardRow("Frechet distance, text-to-image vs test",
                lambda r: f"{r['text_fd']:.2f} (cGAN on the same {r['text_n']}: {r['text_cgan_fd']:.2f})"),
        CardRow("text-to-image samples: classifier >= 90% sure", lambda r: f"{100 * r['text_confident']:.1f}%"),
        CardRow("text-to-image vs cGAN: precision / recall (the same 1,000 prompts, k = 3)",
                lambda r: f"{r['text_precision']:.2f} / {r['text_recall']:.2f} vs "
                          f"{r['text_cgan_precision']:.2f} / {r['text_cgan_recall']:.2f} "
                          f"(real: {r['real_precision']:.2f} / {r['real_recall']:.2f})"),
        CardRow("text-to-image vs cGAN: diversity within a class (real = 1)",
                lambda r: f"{r['text_diversity']:.2f} vs {r['text_cgan_diversity']:.2f}"),
        CardRow("text-to-image vs cGAN: network evaluations, ms per image (CPU)",
                lambda r: f"{r['text_network_evaluations']:g} vs 1, {r['text_ms_per_image']:.1f} vs "
                          f"{r['text_cgan_ms_per_image']:.2f} ms"
                          + redrawn_note(r)),
        CardRow("text-to-image: group words give their group",
                lambda r: ", ".join(f"{w} {100 * v:.0f}%" for w, v in r["text_groups"].items())),
        CardRow("text-to-image: attribute pairs move the measure the right way",
                lambda r: ", ".join(f"{pair} in {sum(h > lo for lo, h in v)}/10 classes"
                                    for pair, v in r["text_attributes"].items())),
        *sweep_rows("text"),
        CardRow(f"decoder guidance w: prompted class, Frechet distance, precision / recall ({N_GUIDED:,} prompts)",
                lambda r: " · ".join(f"w {p['guidance']:g}: {100 * p['agreement']:.0f}%, {p['fd']:.1f}, "
                                     f"{p['precision']:.2f} / {p['recall']:.2f}" for p in r["text_guidance"]))),
        class_rows=(CardRow("text-to-image agreement",
                            lambda r: [f"{100 * a:.0f}%" for a in r["text_agreement_per_class"]]),),
        checks=checks, goals=goals),
))


@dataclass
class FlowRecipe(TextRecipe):
    """The text recipe with a flow-matching decoder: ``--prior-from`` the dataset's DDPM pipeline (weights/text-DATASET)
    unless given, so the two decoders share CLIP, prior and data and differ only in how they learn and sample."""

    defaults: dict[str, Any] = field(default_factory=lambda: {**TextRecipe().defaults, "objective": "flow-matching"})

    def check(self, args: argparse.Namespace) -> None:
        if args.objective != "flow-matching":
            raise ValueError("the text-flow family's decoder learns by flow matching: leave out --objective")
        if args.decoder_from is not None or args.finetune_decoder is not None:
            raise ValueError("the text-flow family trains a new decoder under a finished prior: use --prior-from")
        args.prior_from = args.prior_from or weights_dir() / f"text-{args.dataset}"
        super().check(args)


FLOW_FAMILY = register(Family(
    name="text-flow",
    summary="DALL-E 2 in miniature with a flow-matching decoder: the text pipeline's CLIP and prior, and a decoder "
            "that learns a velocity from noise to image and samples with Euler's or Heun's method",
    parts={"pipeline": Part(TextToImage, dict(clip=TINY_CLIP, decoder=dict(channels=(8, 16)),
                                              prior=dict(width=16, depth=1), steps=2, objective="flow-matching"),
                            tiny_inputs, (1, 28, 28), (-1, 1))},
    pretrained="pipeline",
    datasets=("fashion",),
    recipe=FlowRecipe(),
    sample=sample,
    conditional=True,
    prompted=True,
    evaluation=Evaluation(measure_flow, rows=(
        CardRow("flow-matching decoder (class prompts): samples judged the prompted class, Frechet distance",
                shown("text_flow_agreement", lambda r: f"{100 * r['text_flow_agreement']:.1f}%, "
                      f"{r['text_flow_fd']:.2f} (DDPM decoder: {100 * r['text_agreement']:.1f}%, {r['text_fd']:.2f})")),
        CardRow("flow-matching decoder: precision / recall (1,000 prompts, k = 3)",
                shown("text_flow_precision", lambda r: f"{r['text_flow_precision']:.2f} / {r['text_flow_recall']:.2f} "
                      f"(DDPM decoder: {r['text_precision']:.2f} / {r['text_recall']:.2f})")),
        CardRow("flow-matching decoder: network evaluations, ms per image (CPU)",
                shown("text_flow_ms_per_image", lambda r: f"{r['text_flow_network_evaluations']:g}, "
                      f"{r['text_flow_ms_per_image']:.1f} ms")),
        *sweep_rows("text_flow"),
        CardRow("both decoders timed side by side, ms per image at 1, 2, 4, 8, 16, 25, 50 steps (one batch of 64)",
                shown("text_flow_sweep_ms", lambda r: "; ".join(
                    f"{SWEEP_NAMES[s].split(', ')[-1]}: " + " · ".join(f"{ms:.1f}" for ms in r["text_flow_sweep_ms"][s])
                    for s in ("ddim", "euler", "heun")) + f"; cGAN: {r['text_flow_sweep_ms']['cgan']:.2f}")))),
))
