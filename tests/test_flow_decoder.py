"""The flow-matching image decoder: its loss, its Euler and Heun solvers, guidance, and the pipeline built on it."""
from __future__ import annotations

import pytest
import torch

from gan_demo.families.text.flow import TIME_SCALE, flow_loss, flow_steps, network_evaluations
from gan_demo.families.text.generate import generate
from gan_demo.families.text.sweep import compare, evaluations
from tests.test_text import tiny_pipeline


class Straight(torch.nn.Module):
    """The exact velocity of the straight path from ``noise`` to ``x0``: x0 - noise, wherever x is; it counts calls
    and the rows it saw."""

    def __init__(self, x0: torch.Tensor, noise: torch.Tensor):
        super().__init__()
        self.x0, self.noise, self.calls, self.times = x0, noise, [], []

    def forward(self, x, t, cond):
        self.calls.append(len(x))
        self.times.append(t[0].item())
        reps = len(x) // len(self.x0)
        return (self.x0 - self.noise).repeat(reps, 1, 1, 1)


@pytest.mark.parametrize("solver", ["euler", "heun"])
@pytest.mark.parametrize("steps", [1, 2, 7])
def test_both_solvers_follow_a_straight_path_to_its_end(solver, steps):
    """On a straight path every solver is exact: from the noise it lands on x_0 in any number of steps, and each
    frame's predicted x_0 is x_0; the frames' noise levels run from 1000 down in equal steps."""
    g = torch.Generator().manual_seed(0)
    x0, noise = torch.rand(3, 1, 28, 28, generator=g) * 2 - 1, torch.randn(3, 1, 28, 28, generator=g)
    model = Straight(x0, noise)
    frames = list(flow_steps(model, noise, torch.zeros(3, 4), torch.zeros(4), steps=steps, guidance=1.0,
                             solver=solver))
    assert [f[0] for f in frames] == list(range(steps))
    assert [f[1] for f in frames] == [round(TIME_SCALE * (1 - i / steps)) for i in range(steps)]
    assert torch.allclose(frames[-1][2], x0, atol=1e-5)
    assert all(torch.allclose(f[3], x0, atol=1e-5) for f in frames)
    assert len(model.calls) == network_evaluations(steps, solver, 1.0) == steps * (1 if solver == "euler" else 2)
    assert model.times[0] == 0 and (solver == "euler" or model.times[-1] == TIME_SCALE)  # Heun ends on the data


def test_guidance_mixes_the_two_velocities_from_one_doubled_batch():
    class Conditional(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.calls = []

        def forward(self, x, t, cond):
            self.calls.append(len(x))
            return cond.mean(1).view(-1, 1, 1, 1).expand_as(x).clone()  # the velocity is the condition's mean

    model, x = Conditional(), torch.zeros(2, 1, 28, 28)
    cond, null = torch.ones(2, 4), torch.zeros(4)
    *_, (_, _, out, _) = flow_steps(model, x, cond, null, steps=1, guidance=3.0, solver="euler")
    assert torch.allclose(out, torch.full_like(x, 3.0))  # v_null + 3 (v_c - v_null) = 0 + 3 (1 - 0), over t = 0..1
    assert model.calls == [4] and network_evaluations(1, "euler", 3.0) == 2 == evaluations("euler", 1, 3.0)
    assert evaluations("ddim", 4, 1.0) == 4 and evaluations("heun", 4, 2.0) == 16


def test_the_loss_is_a_regression_on_the_path_velocity():
    """A network that returns the path's own velocity has zero loss: the loss draws noise and t from ``rng``, so
    replaying the draws gives the target."""
    x0 = torch.rand(4, 1, 28, 28) * 2 - 1

    class Oracle(torch.nn.Module):
        def forward(self, x_t, t, cond):
            s = (t / TIME_SCALE).view(-1, 1, 1, 1)
            noise = (x_t - s * x0) / (1 - s)  # x_t = t x_0 + (1 - t) noise
            return x0 - noise

    loss = flow_loss(Oracle(), x0, torch.zeros(4, 2), torch.Generator().manual_seed(1))
    assert loss.item() < 1e-8
    assert flow_loss(lambda x, t, c: torch.zeros_like(x), x0, torch.zeros(4, 2), torch.Generator().manual_seed(1)) > 0.1


def test_a_flow_pipeline_is_seeded_and_its_solver_and_objective_are_checked():
    model = tiny_pipeline(objective="flow-matching", solver="heun")
    a = generate(model, ["a photo of a 7"] * 2, seed=5, steps=3).images
    assert a.shape == (2, 1, 28, 28) and torch.equal(a, generate(model, ["a photo of a 7"] * 2, seed=5, steps=3).images)
    model.solver = "euler"
    assert not torch.equal(a, generate(model, ["a photo of a 7"] * 2, seed=5, steps=3).images)
    with pytest.raises(ValueError, match="unknown solver 'rk4'"):
        tiny_pipeline(objective="flow-matching", solver="rk4")
    with pytest.raises(ValueError, match="unknown decoder objective 'gan'"):
        tiny_pipeline(objective="gan")


def test_every_decoder_decodes_the_same_embeddings_from_the_same_noise():
    """The decoders' comparison: one prior sample for all, every sampler of every pipeline, seeded."""
    ddpm, flow = tiny_pipeline(), tiny_pipeline(objective="flow-matching")
    flow.prior.load_state_dict(ddpm.prior.state_dict())
    rows = compare([ddpm, flow], "a photo of a 7", 3, seed=2, steps=2)
    assert [r[0] for r in rows] == ["ddim", "euler", "heun"]
    assert all(r[1].shape == (3, 1, 28, 28) and r[1].abs().max() <= 1 and r[2] > 0 for r in rows)
    again = compare([ddpm, flow], "a photo of a 7", 3, seed=2, steps=2)
    assert all(torch.equal(a[1], b[1]) for a, b in zip(rows, again))
    assert not torch.equal(rows[1][1], compare([ddpm, flow], "a photo of a 7", 3, seed=3, steps=2)[1][1])
