"""Latent diffusion in miniature: the flow's solvers on known fields, guidance, seeding, the frozen autoencoder,
the recipe's checks, and the shipped flows' promise (their samples beat N(0, I) codes through the same decoder)."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from torch import nn

from gan_demo import explore, prior_hole
from gan_demo.data import load_split, to_model_range
from gan_demo.families.latent.family import LatentRecipe, flow_matching_loss, ot_pairs
from gan_demo.families.latent.flow import balanced_labels, flow, network_evaluations, sample
from gan_demo.families.latent.model import LatentFlow
from gan_demo.families.latent.sharpen import sharpen_decoder
from gan_demo.hub import cached_pretrained, weights_dir
from gan_demo.registry import create_model, get_part
from gan_demo.training import SupervisedTrainer


class Field(nn.Module):
    """A velocity field given as a formula, with what :func:`flow` asks of a model."""

    def __init__(self, v, latent_dim: int = 3):
        super().__init__()
        self.v, self.latent_dim, self.num_classes = v, latent_dim, 2
        self.anchor = nn.Parameter(torch.zeros(1))  # so the model has a device

    @property
    def null_class(self) -> int:
        return self.num_classes

    def forward(self, z, t, labels=None):
        return self.v(z, t, labels)


def last(steps):
    *_, z = steps
    return z


def test_a_constant_field_moves_the_noise_by_exactly_that_much():
    z0 = torch.randn(5, 3, generator=torch.Generator().manual_seed(0))
    c = torch.tensor([1.0, -2.0, 0.5])
    for solver in ("euler", "heun"):
        assert torch.allclose(last(flow(Field(lambda z, t, y: c.expand_as(z)), z0, steps=7, solver=solver)), z0 + c)


def test_heun_is_far_closer_than_euler_on_a_curved_path():
    """dz/dt = -z from z0 reaches z0 / e at t = 1; Heun's error is second order, Euler's first."""
    z0, exact = torch.ones(1, 3), torch.ones(1, 3) / math.e
    field = Field(lambda z, t, y: -z)
    euler = (last(flow(field, z0, steps=10, solver="euler")) - exact).abs().max()
    heun = (last(flow(field, z0, steps=10, solver="heun")) - exact).abs().max()
    assert heun < euler / 10 and heun < 1e-3


def test_flow_yields_every_step_and_counts_its_evaluations():
    calls = []
    field = Field(lambda z, t, y: calls.append(len(z)) or torch.zeros_like(z))
    steps = list(flow(field, torch.zeros(4, 3), steps=5, solver="heun"))
    assert len(steps) == 5 and len(calls) == network_evaluations(5, "heun", guided=False) == 10
    calls.clear()
    list(flow(field, torch.zeros(4, 3), torch.tensor([0, 1, 0, 1]), steps=5, guidance=3.0))
    assert sum(calls) // 4 == network_evaluations(5, "heun", guided=True) == 20  # one doubled batch per evaluation


def test_guidance_mixes_the_null_and_the_class_velocity():
    """v_null + w (v_y - v_null): w = 0 is unconditional, w = 1 conditional, w = 2 twice as far past v_null."""
    field = Field(lambda z, t, y: torch.where(y[:, None] == 2, 0.0, 1.0).expand_as(z).clone())  # v_null 0, v_y 1
    z0, y = torch.zeros(2, 3), torch.tensor([0, 1])
    for w in (0.0, 1.0, 2.0):
        assert torch.allclose(last(flow(field, z0, y, steps=3, guidance=w, solver="euler")), torch.full((2, 3), w))


@pytest.mark.parametrize("bad, match", [(dict(steps=0), "steps must be from 1 to 1000, got 0"),
                                        (dict(guidance=-1.0), "guidance must be from 0 to 20"),
                                        (dict(solver="rk4"), "unknown solver 'rk4'")])
def test_bad_options_are_named(bad, match):
    with pytest.raises(ValueError, match=match):
        next(flow(Field(lambda z, t, y: z), torch.zeros(1, 3), **bad))


def tiny(kind: str = "autoencoder") -> LatentFlow:
    torch.manual_seed(0)
    name = f"latent-{'ae' if kind == 'autoencoder' else 'vae'}.flow"
    return create_model(name, **get_part(name).tiny).eval()


def test_samples_are_seeded_chunk_by_chunk():
    model = tiny()
    a, b = sample(model, 6, seed=3, chunk=3), sample(model, 6, seed=3, chunk=3)
    assert a.dtype == torch.uint8 and a.shape == (6, 28, 28) and torch.equal(a, b)
    assert torch.equal(sample(model, 3, seed=3), a[:3]) and torch.equal(sample(model, 3, seed=4), a[3:])
    assert not torch.equal(sample(model, 6, seed=4, chunk=3), a)
    # the starting noise's temperature: 1 is the plain sampler, another value other noise from the same seed
    assert torch.equal(sample(model, 3, seed=3, temperature=1.0), a[:3])
    assert not torch.equal(sample(model, 3, seed=3, temperature=2.0), a[:3])


def test_training_moves_the_flow_but_never_the_frozen_autoencoder():
    for kind in ("autoencoder", "vae"):
        model = tiny(kind)
        frozen = {k: v.clone() for k, v in model.autoencoder.state_dict().items()}
        flow_before = model.out[1].weight.clone()
        codes, labels = torch.randn(64, model.latent_dim), torch.arange(64) % model.num_classes
        trainer = SupervisedTrainer(model, flow_matching_loss, codes, labels, total_steps=3, batch_size=16)
        records = list(trainer.run(3))
        assert all(math.isfinite(r["loss"]) for r in records)
        assert not torch.equal(model.out[1].weight, flow_before)
        assert all(torch.equal(v, frozen[k]) for k, v in model.autoencoder.state_dict().items())
        assert not model.autoencoder.training and model.training


def test_sharpening_moves_the_decoder_only_and_is_seeded():
    """Stable Diffusion's decoder fine-tune: the encoder (hence every code the flow learned) and the batch norm
    statistics stay as they were, the decoder's weights move, and the same seed moves them the same way."""
    images = torch.rand(16, 1, 28, 28) * 2 - 1
    decoders = []
    for _ in range(2):
        model = tiny()
        before = {k: v.clone() for k, v in model.autoencoder.state_dict().items()}
        history = sharpen_decoder(model.autoencoder, images, 3, seed=5, batch_size=8)
        after = model.autoencoder.state_dict()
        assert len(history) == 3 and all(math.isfinite(h["l1"]) and math.isfinite(h["d_loss"]) for h in history)
        assert all(torch.equal(after[k], v) for k, v in before.items() if not k.startswith("decoder.")
                   or "running" in k or "num_batches" in k)
        assert any(not torch.equal(after[k], v) for k, v in before.items() if k.endswith("decoder.0.weight"))
        assert not any(p.requires_grad for p in model.autoencoder.parameters())
        decoders.append(after)
    assert all(torch.equal(decoders[0][k], decoders[1][k]) for k in decoders[0])
    model = tiny()
    before = {k: v.clone() for k, v in model.autoencoder.state_dict().items()}
    assert sharpen_decoder(model.autoencoder, images, 0, seed=5) == []
    assert all(torch.equal(model.autoencoder.state_dict()[k], v) for k, v in before.items())


def test_optimal_transport_pairs_noise_with_codes_within_each_condition():
    """The OT coupling only reorders the noise, within each class (so each class's noise is still N(0, I)), and
    never pairs worse than the random order: noise that is a shuffled copy of the codes is matched exactly."""
    g = torch.Generator().manual_seed(0)
    z1, groups = torch.randn(12, 3, generator=g), torch.tensor([0, 1, 2] * 4)
    shuffled = torch.cat([z1[groups == k][torch.randperm(4, generator=g)] for k in range(3)])
    z0 = torch.empty_like(z1)
    for k in range(3):
        z0[groups == k] = shuffled[4 * k:4 * k + 4]
    paired = ot_pairs(z0, z1, groups)
    assert torch.equal(paired, z1)  # exactly matched: each code gets its own copy back
    noise = torch.randn(12, 3, generator=g)
    paired = ot_pairs(noise, z1, groups)
    for k in range(3):  # a reordering within the class
        mine = groups == k
        assert sorted(map(tuple, paired[mine].tolist())) == sorted(map(tuple, noise[mine].tolist()))
    assert (paired - z1).square().sum() <= (noise - z1).square().sum()
    with pytest.raises(ValueError, match="unknown coupling 'nearest'"):
        flow_matching_loss(tiny(), torch.randn(4, 4), torch.zeros(4, dtype=torch.long), g, coupling="nearest")


def test_codes_are_standardised_and_decoded_back_on_the_autoencoders_scale():
    model = tiny()
    codes = torch.randn(200, model.latent_dim) * 5 + 2
    model.fit_codes(codes)
    z = model.standardise(codes)
    assert z.mean(0).abs().max() < 1e-4 and (z.std(0) - 1).abs().max() < 1e-4
    assert torch.allclose(model.decode(z[:3]), model.autoencoder.decode(codes[:3]), atol=1e-5)


def test_recipe_refuses_what_it_cannot_change():
    recipe = LatentRecipe("vae")
    with pytest.raises(ValueError, match="--latent-dim is the vae's own code size"):
        recipe.check(type("Args", (), dict(latent_dim=4, layers=2))())
    with pytest.raises(ValueError, match="--layers must be >= 1, got 0"):
        recipe.check(type("Args", (), dict(latent_dim=None, layers=0))())
    with pytest.raises(ValueError, match="--sharpen must be >= 0 steps, got -1"):
        recipe.check(type("Args", (), dict(latent_dim=None, layers=2, ema=0.0, sharpen=-1))())
    with pytest.raises(ValueError, match="unknown autoencoder kind 'gan'"):
        LatentFlow(kind="gan")


@pytest.mark.parametrize("dataset", ["fashion", "mnist"])
@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_the_same_noise_through_the_shipped_flow_lands_among_real_codes(kind, dataset):
    """The lesson of the tab, on the shipped models: carried by the flow, the seed's noise lands among the codes of
    real test images (its nearest real code is about as close as a real code's nearest other one). (Taken as a
    code as it is, it decodes to nothing or to blobs: the model card's Frechet distances of N(0, I) codes.)"""
    latent = cached_pretrained(f"latent-{kind}-{dataset}")
    images, _ = load_split(dataset, "test")
    real = latent.codes(to_model_range(images[:1000]))  # (1000, D)
    of = prior_hole.codes_of(latent, 64, 0, steps=10, guidance=2.0)
    nearest = lambda codes: torch.cdist(codes, real).min(1).values.median()
    typical = torch.cdist(real[:64], real[64:]).min(1).values.median()  # how far a real code is from the others
    assert nearest(of.flowed) < 1.5 * typical
    assert of.prior_images.shape == of.flowed_images.shape == (64, 28, 28)


def test_points_are_marked_on_a_map_with_shapes_and_a_legend():
    picture = type("Picture", (), dict(image=np.full((300, 320, 3), 200, np.uint8), box=(10, 10, 310, 290),
                                       xlim=(-1.0, 1.0), ylim=(-1.0, 1.0)))()
    marked = prior_hole.mark_points(picture, [(np.array([[0.0, 0.0]]), prior_hole.MARKERS[0]),
                                              (np.array([[5.0, 5.0]]), prior_hole.MARKERS[1])])
    assert marked.shape == (300, 320, 3) and (marked != 200).any()
    assert (marked[150, 160] == 0).all()  # the x at the centre is black
    assert (marked[10, 310] == 255).all()  # the point off the map sits on its top-right corner, white
    key = marked[10:70, 10:160]  # the key in the top-left corner: both markers and their words, in black
    assert (key == 0).all(-1).sum() > 200


def test_what_came_next_links_to_latent_diffusion_with_its_measured_speed():
    from ui.tabs.diffusion.texts import comparison_table  # noqa: PLC0415 - the one test here that needs the UI

    r = next(x for x in json.loads((weights_dir() / "evaluation.json").read_text()) if x["dataset"] == "fashion")
    text = comparison_table("fashion")
    assert "**latent diffusion**" in text and f"{r['latent_ae_ms_per_image']:.1f} ms per image" in text


def test_class_by_class_samples_take_every_class_in_turn_and_show_it():
    """Balanced labels (the card's class-by-class Frechet distance, the tab's 'each code its own class'): classes
    0, 1, 2, ... in turn, and the shipped flow's samples at w = 1 are judged the class asked for."""
    assert balanced_labels(12, 10).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    of = prior_hole.codes_of(cached_pretrained("latent-ae-mnist"), 10, 0, balanced_labels(10, 10), steps=10,
                             guidance=1.0)
    with torch.inference_mode():
        verdicts, _ = explore.classify(cached_pretrained("classifier-mnist"), of.flowed_images)
    assert (verdicts == np.arange(10)).mean() >= 0.8, verdicts
