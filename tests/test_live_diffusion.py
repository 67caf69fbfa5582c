"""The live tab's diffusion run: the denoiser, both objectives' paths and samplers, the seeded run and its CSV,
and (slow) the claims the page makes: the flow run covers the ring and beats the Balanced GAN's JSD within
60 s, a DDPM run learns, and the race measures both runs the same way."""
from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
import torch

from gan_demo import live
from gan_demo.data import toy
from gan_demo.live import diffusion as dl
from gan_demo.live.diffusion import paths, sampler
from gan_demo.live.diffusion.model import build_denoiser
from gan_demo.live.diffusion.pictures import field_image
from gan_demo.live.diffusion.plots import jsd_table, race_table
from gan_demo.live.diffusion.run import fixed_noise
from gan_demo.live.diffusion.settings import HIDDEN, LAYERS
from gan_demo.live.pictures import ARROW_COLOR, KEY_HEIGHT, MAP_SIZE
from gan_demo.live.views import ToyViews

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def tail(frames, share: float = 0.2):
    """The frames of the last ``share`` of a run's steps that carry the JSD estimate (as for the GAN presets)."""
    last = frames[-1].step
    return [f for f in frames if f.jsd is not None and f.records and f.step > (1 - share) * last]


# -- settings: every bad value names the setting and what is allowed ------------------------------------------
@pytest.mark.parametrize("change, words", [
    (dict(dataset="cifar"), ["dataset='cifar'", "ring, grid, spiral, moons"]),
    (dict(objective="gan"), ["objective='gan'", "flow-matching, ddpm"]),
    (dict(steps=0), ["steps=0", "between 1 and 10000"]),
    (dict(steps=2.5), ["steps=2.5", "whole number"]),
    (dict(sampling_steps=500), ["sampling_steps=500", "between 1 and 200"]),
    (dict(sampling_steps=float("nan")), ["sampling_steps=nan", "between 1 and 200"]),
    (dict(seed=-1), ["seed=-1", "2147483647"]),
    (dict(seed=True), ["seed=True", "whole number"]),
    (dict(sampler="rk4"), ["sampler='rk4'", "ancestral, euler, heun"]),
    (dict(objective="ddpm", sampler="heun"), ["sampler='heun'", "ddpm samples with one of ancestral"]),
])
def test_bad_settings_name_the_value_and_what_is_allowed(change, words):
    with pytest.raises(ValueError) as err:
        dl.DiffusionSettings(**change)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_the_sampler_defaults_to_the_objectives_first_and_heun_costs_two_evaluations_a_step():
    assert dl.DiffusionSettings().sampler == "euler" and dl.DiffusionSettings(objective="ddpm").sampler == "ancestral"
    euler, heun = (list(dl.stream(dl.DiffusionSettings(steps=20, sampling_steps=4, sampler=s), frame_seconds=0.0))
                   for s in ("euler", "heun"))
    assert euler[-1].evaluations == 4 and heun[-1].evaluations == 8
    assert not np.array_equal(euler[-1].trajectories, heun[-1].trajectories)


def test_a_slider_sends_floats_and_gets_whole_numbers():
    s = dl.DiffusionSettings(steps=3000.0, sampling_steps=32.0, seed=7.0)
    assert (s.steps, s.sampling_steps, s.seed) == (3000, 32, 7) and isinstance(s.steps, int)


# -- the model, the paths, the samplers ------------------------------------------------------------------------
def test_denoiser_maps_points_and_times_to_2d_vectors_and_is_seeded():
    x, t = torch.randn(5, 2), torch.rand(5)
    a, b = build_denoiser(3, hidden=16), build_denoiser(3, hidden=16)
    assert a(x, t).shape == (5, 2) and torch.equal(a(x, t), b(x, t))
    assert a(x, torch.tensor(0.5)).shape == (5, 2)  # one time for the whole batch


@pytest.mark.parametrize("objective", dl.OBJECTIVES)
def test_both_paths_run_from_noise_at_t0_to_data_at_t1(objective):
    x0, x1 = torch.randn(4, 2), torch.randn(4, 2) + 5
    assert torch.allclose(paths.interpolate(objective, x0, x1, torch.zeros(4)), x0, atol=1e-3)
    assert torch.allclose(paths.interpolate(objective, x0, x1, torch.ones(4)), x1, atol=1e-3)


@pytest.mark.parametrize("objective", dl.OBJECTIVES)
@pytest.mark.parametrize("t", [0.3, 0.8])
def test_the_exact_marginal_matches_samples_of_x_t(objective, t):
    """The density the field picture shows is the distribution of x_t: its mean distance from the origin and
    spread match 20,000 points put on the path."""
    dist, g = toy.ring(), torch.Generator().manual_seed(0)
    x1, x0 = dist.sample(20_000, g), torch.randn(20_000, 2, generator=g)
    xt = paths.interpolate(objective, x0, x1, torch.full((20_000,), t))
    exact = paths.marginal(objective, dist, t).sample(20_000, g)
    assert abs(xt.norm(dim=1).mean() - exact.norm(dim=1).mean()) < 0.03
    assert abs(xt.std() - exact.std()) < 0.03


def test_the_flow_loss_is_zero_for_the_true_velocity_of_one_line():
    """With one data point and one noise point the target is known: x1 - x0 for every t."""
    x1 = torch.tensor([[2.0, 0.0]])
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(1, 2, generator=torch.Generator().manual_seed(0))
    exact = lambda x, t: (x1 - x0).expand(len(x), 2)  # noqa: E731
    assert paths.loss("flow-matching", exact, x1, g) < 1e-10


def test_heun_beats_euler_on_a_curved_field_and_costs_two_evaluations_per_step():
    """dx/dt = x rotated by 90 degrees: exact solution a rotation by 1 radian from t = 0 to 1."""
    rotate = lambda x, t: torch.stack([-x[:, 1], x[:, 0]], 1)  # noqa: E731
    start = torch.tensor([[1.0, 0.0]])
    exact = torch.tensor([[math.cos(1), math.sin(1)]])
    euler = sampler.sample("flow-matching", rotate, start, 8, sampler="euler")[-1]
    heun = sampler.sample("flow-matching", rotate, start, 8, sampler="heun")[-1]
    assert (heun - exact).norm() < (euler - exact).norm() / 5
    assert sampler.evaluations("flow-matching", 8, "heun") == 16 and dl.evaluations("flow-matching", 8) == 8
    assert dl.evaluations("ddpm", 50) == 50
    with pytest.raises(ValueError, match="sampler='heun' is not allowed for ddpm"):
        sampler.sample("ddpm", rotate, start, 4, sampler="heun")


def test_ddpm_sampling_is_seeded_and_ends_inside_the_clip():
    model = build_denoiser(0, hidden=16)
    noise = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
    a = dl.sample("ddpm", model, noise, 10, generator=torch.Generator().manual_seed(1))
    b = dl.sample("ddpm", model, noise, 10, generator=torch.Generator().manual_seed(1))
    assert a.shape == (11, 50, 2) and torch.equal(a, b) and a[-1].abs().max() <= sampler.CLIP


# -- a short run: frames, measures, CSV, redraw ----------------------------------------------------------------
@pytest.mark.parametrize("objective", dl.OBJECTIVES)
def test_a_short_run_is_seeded_measured_like_the_gan_and_exports_its_csv(objective, tmp_path):
    s = dl.DiffusionSettings(objective=objective, steps=40, sampling_steps=4, seed=5)
    frames = list(dl.stream(s, frame_seconds=0.0))
    again = list(dl.stream(s, frame_seconds=0.0))
    records = [r for f in frames for r in f.records]
    assert [r["step"] for r in records] == list(range(1, 41)) and frames[-1].done
    assert [r["loss"] for r in records] == [r["loss"] for f in again for r in f.records]
    last = frames[-1]
    assert last.field.shape[2] == 3 and last.trajectories.shape == last.field.shape and last.evaluations == 4
    # the same JSD estimate and floor as the GAN run on the same data
    assert last.jsd_floor == pytest.approx(live.views.ToyViews(toy.ring(), 5).jsd_floor)
    assert 0 <= last.jsd <= math.log(2) + 1e-6 and last.modes[1] == 8
    csv = pd.read_csv(dl.history_csv(records, tmp_path / "h.csv"))
    assert list(csv.columns) == ["step", "loss", "jsd", "modes"] and len(csv) == 40
    assert csv.jsd.notna().sum() >= 1 and csv.modes.dropna().between(0, 8).all()
    picture = dl.redraw_field(s, last.state, 0.9)
    assert picture.shape == last.field.shape and not np.array_equal(picture, last.field)


def test_the_jsd_plot_carries_the_floor_and_the_race_plot_both_runs():
    records = [dict(step=1, loss=1.0), dict(step=2, loss=0.9, jsd=0.5, modes=3)]
    table = jsd_table(records, 0.004)
    assert set(table.series) == {"JSD against the true density", "JSD floor (real samples)"}
    race = race_table([dict(run=dl.FLOW, seconds=1.0, step=5, jsd=0.3, modes=8)], "jsd")
    assert set(race.series) == set(dl.RUNS) and list(race.columns) == ["seconds", "value", "series"]


# -- the page's claims, seeded ---------------------------------------------------------------------------------
@pytest.mark.slow
def test_flow_covers_the_ring_within_60_s():
    """The default flow-matching run (2,000 steps, 32 Euler steps per sample, seed 0, frames paced as in the tab)
    ends within 60 s of one core (its CPU time) with all 8 modes covered in every frame of its last fifth. (That its
    median JSD there beats the Balanced GAN's is checked beside the GAN's own default run, in test_live_presets.py,
    so the suite trains that GAN once.)"""
    began, cpu = time.monotonic(), time.process_time()
    flow = list(dl.stream(dl.DiffusionSettings()))
    seconds, cpu = time.monotonic() - began, time.process_time() - cpu
    # within 60 s of one core: judged on the CPU time the run took, which other work on the machine cannot inflate
    assert flow[-1].step == 2000 and cpu < 60, f"{seconds:.1f} s wall, {cpu:.1f} s CPU"
    # frames are paced by the clock, so how many fall in the last fifth depends on the machine's load (two, once,
    # in a loaded CI run): the last frame and at least one before it
    ending = tail(flow)
    assert len(ending) >= 2 and all(f.modes == (8, 8) for f in ending), [f.modes for f in ending]
    flow_jsd = np.median([f.jsd for f in ending])
    assert flow_jsd < 0.06 and flow[0].jsd > 0.2  # it learned: from a blob at the origin to the ring
    # the page's other claims: all 8 modes within the first few hundred steps, and kept
    measured = [f for f in flow if f.modes is not None]
    first = next(f.step for f in measured if f.modes[0] == 8)
    assert first <= 600 and all(f.modes[0] == 8 for f in measured if f.step >= first), [(f.step, f.modes) for f in measured]
    # no adversary: the loss falls and settles (the last quarter's mean is within 5% of the third quarter's)
    losses = np.array([r["loss"] for f in flow for r in f.records])
    quarters = [losses[i * 500:(i + 1) * 500].mean() for i in range(4)]
    assert quarters[3] < 0.8 * losses[:20].mean() and abs(quarters[3] - quarters[2]) < 0.05 * quarters[2], quarters
    # fewer sampling steps are cheaper and blurrier: the same weights with 8 Euler steps read a higher JSD
    model = build_denoiser(0, hidden=HIDDEN, layers=LAYERS)
    model.load_state_dict(flow[-1].state)
    views = ToyViews(toy.ring(), 0)
    jsd = {n: views.jsd(dl.sample("flow-matching", model, fixed_noise(0), n)[-1]) for n in (8, 32)}
    assert jsd[8] > 1.3 * jsd[32], jsd
    print(f"flow: {seconds:.1f} s wall ({cpu:.1f} s CPU), median JSD over the last fifth {flow_jsd:.3f}, 8 modes "
          f"from step {first}, loss by quarter {np.round(quarters, 3)}, JSD with 8/32 sampling steps "
          f"{jsd[8]:.3f}/{jsd[32]:.3f}")


@pytest.mark.slow
def test_a_ddpm_run_learns_the_ring():
    frames = list(dl.stream(dl.DiffusionSettings(objective="ddpm", steps=2000), frame_seconds=0.05))
    records = [r for f in frames for r in f.records]
    first, last = np.mean([r["loss"] for r in records[:50]]), np.mean([r["loss"] for r in records[-200:]])
    assert last < 0.6 * first, (first, last)
    ending = tail(frames)
    assert np.median([f.jsd for f in ending]) < 0.12 and all(f.modes[0] >= 7 for f in ending)


@pytest.mark.slow
def test_the_race_gives_both_runs_the_same_wall_time():
    *_, last = dl.race("ring", seconds=4.0, seed=0, sampling_steps=16)
    assert last.done and last.evaluations == {dl.GAN: 1, dl.FLOW: 16}
    for run in dl.RUNS:
        own = [p for p in last.points if p["run"] == run]
        assert own and 4.0 <= own[-1]["seconds"] < 6.0, own[-1]
    assert set(last.pictures) == set(dl.RUNS)


def test_the_field_s_key_draws_its_arrow_in_the_map_s_arrow_colour():
    """The key under the learned field shows the arrows as the map draws them (it once showed a green arrow beside
    black ones)."""
    picture = field_image(np.zeros((8, 8)), 3.0, np.zeros((1, 2)), np.ones((1, 2)), np.empty((0, 2)), t=0.5,
                          field_name="velocity v(x, t)")
    key, drawn = picture[MAP_SIZE:], picture[:MAP_SIZE]
    assert key.shape[0] == KEY_HEIGHT
    for part in (key, drawn):
        assert (part == ARROW_COLOR).all(axis=-1).any()
    assert not (key == (0, 90, 30)).all(axis=-1).any()
