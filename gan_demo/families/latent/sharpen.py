"""A sharper decoder for a latent flow, as Stable Diffusion's autoencoder is trained.

An autoencoder trained on pixel error alone draws the mean of what a code could be: blurred edges, no texture.
Stable Diffusion's autoencoder adds an adversarial loss (and a perceptual one) to the reconstruction error (Esser
et al., 2021; Rombach et al., 2022), and its decoder was later fine-tuned the same way with the encoder frozen.
That is what :func:`sharpen_decoder` does after the flow is trained: the encoder does not change, so the codes the
flow learned stay the codes, and the decoder learns to draw them so that a discriminator cannot tell its drawings
from the training images, while an L1 term keeps each drawing the image its code came from.

The discriminator is the GAN family's (spectral normalisation, hinge loss); the decoder's batch normalisation keeps
its running statistics (eval mode), so only its weights move. No perceptual loss: the usual one (LPIPS) needs a
network trained on ImageNet, and the repo's own classifier is the evaluation's judge, which a loss must not use.
"""
from __future__ import annotations

import logging

import torch
from torch import nn

from ...training.losses import discriminator_loss, generator_loss
from ..gan.model import Discriminator

log = logging.getLogger(__name__)


def sharpen_decoder(autoencoder: nn.Module, images: torch.Tensor, steps: int, *, seed: int,
                    batch_size: int = 32, lr: float = 1e-4, adversarial: float = 0.1,
                    device: torch.device | str = "cpu") -> list[dict]:
    """Fine-tune ``autoencoder.decoder`` in place for ``steps`` steps on ``images`` (N, 1, 28, 28) in [-1, 1]:
    L1(decode(encode(x)), x) + ``adversarial`` * the hinge generator loss, against a discriminator trained
    alongside. Returns the per-step losses (every 100th step also logged)."""
    if steps < 0:
        raise ValueError(f"sharpening steps must be >= 0, got {steps}")
    rng = torch.Generator().manual_seed(seed)
    device = torch.device(device)
    autoencoder.to(device).eval()  # batch norm keeps its statistics; dropout-free, so eval mode is training here
    with torch.inference_mode():
        codes = torch.cat([autoencoder.encode(chunk.to(device)) for chunk in images.split(1000)]).clone()
    decoder = autoencoder.decoder.requires_grad_(True)
    with torch.random.fork_rng(devices=[]):  # the discriminator's initial weights, from the seed; the caller's
        torch.manual_seed(seed)               # global generator is left as it was
        disc = Discriminator(width=32, spectral=True).to(device)
    opt_g = torch.optim.Adam(decoder.parameters(), lr=lr, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(disc.parameters(), lr=2 * lr, betas=(0.5, 0.9))
    history = []
    for step in range(1, steps + 1):
        pick = torch.randint(len(images), (batch_size,), generator=rng)
        real, z = images[pick].to(device), codes[pick.to(device)]
        fake = decoder(z)
        d_loss = discriminator_loss(disc(real), disc(fake.detach()), "hinge")
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
        disc.requires_grad_(False)  # the decoder's step moves the decoder only
        adv = generator_loss(disc(fake), "hinge")
        l1 = (fake - real).abs().mean()
        opt_g.zero_grad(set_to_none=True)
        (l1 + adversarial * adv).backward()
        opt_g.step()
        disc.requires_grad_(True)
        history.append(dict(step=step, l1=l1.item(), adversarial=adv.item(), d_loss=d_loss.item()))
        if step % 100 == 0:
            log.info("sharpening the decoder: step %d/%d, L1 %.4f, adversarial %.3f, D %.3f", step, steps,
                     l1.item(), adv.item(), d_loss.item())
    decoder.requires_grad_(False)
    return history
