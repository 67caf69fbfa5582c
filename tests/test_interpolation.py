"""The autoencoder's interpolation regulariser (ACAI): same-class pairs, the critic's step, and what it changes."""
from __future__ import annotations

import pytest
import torch

from gan_demo.families.autoencoder.family import autoencoder_loss
from gan_demo.families.autoencoder.interpolation import InterpolationTrainer, same_class_partners
from gan_demo.families.autoencoder.model import Autoencoder
from gan_demo.training import SupervisedTrainer


def test_partners_share_the_class_and_are_never_themselves_unless_alone():
    labels = torch.tensor([3, 1, 3, 3, 1, 7, 3])  # class 7 has one image
    for seed in range(20):
        partner = same_class_partners(labels, torch.Generator().manual_seed(seed))
        assert torch.equal(labels[partner], labels)
        assert partner[5] == 5 and all(partner[i] != i for i in range(7) if i != 5)
        assert sorted(partner.tolist()) == list(range(7))  # a permutation: each image is someone's partner once


def trained(weight: float, steps: int = 3) -> tuple[Autoencoder, list[dict], SupervisedTrainer]:
    torch.manual_seed(0)
    model = Autoencoder(latent_dim=4, width=4)
    x = torch.rand(32, 1, 28, 28, generator=torch.Generator().manual_seed(0)) * 2 - 1
    y = torch.arange(32) % 4
    common = dict(total_steps=steps, batch_size=8, lr=1e-3, seed=0)
    trainer = (InterpolationTrainer(model, x, y, weight=weight, **common) if weight
               else SupervisedTrainer(model, autoencoder_loss, x, y, **common))
    return model, list(trainer.run(steps)), trainer


def test_the_critic_trains_beside_the_autoencoder_and_the_regulariser_moves_it():
    plain, _, _ = trained(0)
    model, records, trainer = trained(0.5)
    critic_before = torch.nn.utils.parameters_to_vector(InterpolationTrainer(
        Autoencoder(latent_dim=4, width=4), torch.zeros(8, 1, 28, 28), torch.zeros(8), weight=0.5,
        total_steps=1).critic.parameters())
    assert all({"loss", "mse", "critic"} <= r.keys() and r["loss"] >= r["mse"] for r in records)
    assert not torch.equal(torch.nn.utils.parameters_to_vector(trainer.critic.parameters()), critic_before)
    # the same seed and data with the regulariser off: the autoencoder ends elsewhere
    assert any(not torch.equal(a, b) for a, b in zip(plain.state_dict().values(), model.state_dict().values()))
    # only the autoencoder is exported: what is saved loads strictly into a plain Autoencoder
    assert trainer.export() is model
    assert trainer.export().state_dict().keys() == Autoencoder(latent_dim=4, width=4).state_dict().keys()


def test_same_seed_same_run_and_the_weight_must_be_positive():
    a, b = trained(0.5)[0], trained(0.5)[0]
    assert all(torch.equal(a.state_dict()[k], b.state_dict()[k]) for k in a.state_dict())
    with pytest.raises(ValueError, match="weight must be > 0"):
        InterpolationTrainer(Autoencoder(latent_dim=4, width=4), torch.zeros(8, 1, 28, 28), torch.zeros(8),
                             weight=0, total_steps=1)
