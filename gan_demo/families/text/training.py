"""How the text pipeline trains: decoder and prior together, then the prior alone.

The joint stage is a :class:`~gan_demo.training.SupervisedTrainer` run (it pays for the UNet); the prior-only
stage is a small loop of its own over CLIP image embeddings computed once (the prior is a small MLP over
64-number embeddings, so a step costs a few milliseconds). The prior learns more slowly than the decoder, and
its samples set how typical each image embedding is: see the README's guidance table and model card for what
20,000 prior-only steps changed. A finished decoder can also go on training alone under its frozen prior (the
joint stage with the prior's loss left out), optionally learning to read the caption (``decoder_condition``).
"""
from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import nn

from ...data.captions import Captioner
from ...training import SupervisedTrainer
from ...training.supervised import anneal_over
from .diffusion import diffusion_loss, drop_condition
from .flow import flow_loss
from .model import TextToImage

P_UNCONDITIONAL = 0.1  # share of training steps with the condition dropped (classifier-free guidance)
P_NO_CAPTION = 0.5  # a decoder trained with captions: share of steps with the caption's half dropped (as unCLIP)


def embeddings(model: TextToImage, captioner: Captioner, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
    """The frozen CLIP's image embeddings of ``x`` and text embeddings of fresh captions of them."""
    with torch.no_grad():
        return model.clip.encode_image(x), model.clip.encode_prompts(captioner.caption(x.cpu(), y.cpu(), rng))


def prior_loss(model: TextToImage, image: torch.Tensor, text: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    return diffusion_loss(model.prior, image * model.embedding_scale,
                          drop_condition(text, model.prior.null, P_UNCONDITIONAL, rng), model.prior_noising, rng)


def decoder_condition(model: TextToImage, image: torch.Tensor, text: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """The decoder's training condition: the image embeddings (and, for a decoder that takes captions, the captions'
    text embeddings, each dropped with probability P_NO_CAPTION), all of it dropped with probability P_UNCONDITIONAL."""
    if model.decoder.text:
        image = model.condition(image, drop_condition(text, model.decoder.null_caption, P_NO_CAPTION, rng))
    return drop_condition(image, model.decoder.null, P_UNCONDITIONAL, rng)


def pipeline_loss(captioner: Captioner):
    """Decoder and prior losses on one batch: the frozen CLIP embeds the images and fresh captions of them. A frozen
    prior (a decoder fine-tuned under a finished prior) is left out."""
    def loss_fn(model: nn.Module, x: torch.Tensor, y: torch.Tensor, rng: torch.Generator):
        image, text = embeddings(model, captioner, x, y, rng)
        condition = decoder_condition(model, image, text, rng)
        if model.objective == "flow-matching":
            decoder = flow_loss(model.decoder, x, condition, rng)
        else:
            decoder = diffusion_loss(model.decoder, x, condition, model.image_noising, rng)
        if not model.prior.null.requires_grad:
            return decoder, {"decoder": decoder.item()}
        prior = prior_loss(model, image, text, rng)
        return decoder + prior, {"decoder": decoder.item(), "prior": prior.item()}
    return loss_fn


class TextTrainer:
    """``joint_steps`` steps of decoder and prior together (a :class:`SupervisedTrainer`), then ``prior_steps`` of
    the prior alone, with its own Adam, cosine schedule and RNG. CLIP is frozen (and has no batch statistics), so
    the prior stage embeds every training image once and then costs a few milliseconds a step. One step count
    and one checkpoint span both stages, so the train CLI resumes it like any run."""

    def __init__(self, model: TextToImage, images: torch.Tensor, labels: torch.Tensor, captioner: Captioner, *,
                 joint_steps: int, prior_steps: int, batch_size: int, lr: float, seed: int, device: torch.device):
        self.model, self.images, self.labels, self.captioner = model, images, labels, captioner
        self.joint_steps, self.batch_size, self.device = joint_steps, batch_size, torch.device(device)
        self.joint = SupervisedTrainer(model, pipeline_loss(captioner), images, labels, total_steps=joint_steps,
                                       batch_size=batch_size, lr=lr, seed=seed, device=device)
        self.opt = torch.optim.Adam(model.prior.parameters(), lr=lr)
        self.total_prior_steps = max(1, prior_steps)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=self.total_prior_steps)
        self.rng = torch.Generator().manual_seed(seed + 1)
        self.prior_step = 0
        self.embedded: torch.Tensor | None = None  # CLIP image embeddings of every training image, once needed

    @property
    def step(self) -> int:
        return self.joint.step + self.prior_step

    def run(self, steps: int) -> Iterator[dict]:
        for _ in range(steps):
            if self.joint.step < self.joint_steps:
                yield next(self.joint.run(1))
            else:
                yield self.train_prior()

    @torch.no_grad()
    def embed_images(self) -> torch.Tensor:
        clip = self.model.clip
        return torch.cat([clip.encode_image(chunk.to(self.device)) for chunk in self.images.split(1000)])

    def train_prior(self) -> dict:
        """One step of the prior alone, on fresh captions of a minibatch and its stored image embeddings."""
        if self.embedded is None:
            self.embedded = self.embed_images()
        self.model.prior.train()
        idx = torch.randint(len(self.images), (self.batch_size,), generator=self.rng)
        with torch.no_grad():
            text = self.model.clip.encode_prompts(self.captioner.caption(self.images[idx], self.labels[idx], self.rng))
        loss = prior_loss(self.model, self.embedded[idx.to(self.embedded.device)], text, self.rng)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        self.sched.step()
        self.prior_step += 1
        return {"step": self.step, "loss": loss.item(), "prior": loss.item()}

    def export(self) -> nn.Module:
        return self.model

    def preview(self) -> None:
        return None

    def state_dict(self) -> dict:
        """Both stages; the weights once, in the joint stage's (its model is the whole pipeline, prior included)."""
        return {"joint": self.joint.state_dict(), "prior": {"opt": self.opt.state_dict(), "sched": self.sched.state_dict(),
                                                            "rng": self.rng.get_state(), "step": self.prior_step}}

    def load_state_dict(self, state: dict) -> None:
        if "joint" not in state:  # written before the prior-only stage existed: the joint stage's own, at its end
            self.joint.load_state_dict(state)
            return
        self.joint.load_state_dict(state["joint"])
        prior = state["prior"]
        self.opt.load_state_dict(prior["opt"])
        self.sched.load_state_dict(prior["sched"])
        anneal_over(self.sched, self.total_prior_steps)  # as SupervisedTrainer: a longer resumed run anneals over it
        self.rng.set_state(prior["rng"])
        self.prior_step = int(prior["step"])
