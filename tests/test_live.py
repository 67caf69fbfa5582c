"""gan_demo.live: settings and their one check, runs streamed as frames, views, health, plots, exports."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from gan_demo import live
from gan_demo.data import toy
from gan_demo.evaluation import metrics
from gan_demo.families.toy_gan import MLPGenerator
from gan_demo.hub import load_folder
from gan_demo.live import (
    SERIES,
    GifFrames,
    d_table,
    history_columns,
    history_csv,
    loss_legend,
    loss_table,
    records_frame,
)
from gan_demo.live.run import LiveRun
from gan_demo.live.views import ToyViews

pytestmark = pytest.mark.usefixtures("one_torch_thread")

LOG2 = math.log(2)


def run_all(settings: live.LiveSettings, **kw) -> tuple[list[dict], list[live.Frame]]:
    frames = list(live.stream(settings, device="cpu", **kw))
    return [r for f in frames for r in f.records], frames


def last_mean(records: list[dict], key: str, n: int = 100) -> float:
    return float(np.mean([r[key] for r in records[-n:]]))


@pytest.mark.parametrize("bad, words", [
    (dict(dataset="mnist"), ["dataset", "ring"]),
    (dict(mode="3d"), ["mode", "images"]),
    (dict(g_loss="hinge"), ["g_loss", "non-saturating"]),
    (dict(steps=10**6), ["steps", "5000"]),
    (dict(lr_d=float("nan")), ["lr_d", "learning rate"]),
    (dict(mode="images", dataset="fashion", batch_size=64, hidden=1024), ["hidden", "512"]),
    (dict(mode="images", model="dcgan", dataset="fashion", batch_size=64, hidden=128), ["hidden", "64", "DCGAN"]),
    (dict(g_init="near"), ["g_init", "default, far"]),
])
def test_bad_settings_name_the_value_and_the_choices(bad, words):
    with pytest.raises(ValueError) as err:
        live.LiveSettings(**bad)
    assert all(w in str(err.value) for w in words), str(err.value)


def test_the_default_settings_are_the_pages_2d_run():
    assert live.LiveSettings() == live.LiveSettings(**live.mode_defaults("2d"))


def test_settings_take_what_a_browser_sends():
    """Sliders send 512.0 for 512 and number boxes may send 1 for a rate: counts become ints, rates floats."""
    s = live.LiveSettings(batch_size=512.0, steps=40.0, seed=np.int64(3), k_disc=2.0, lr_d=1, lr_g=np.float32(0.5))
    assert (s.batch_size, s.steps, s.seed, s.k_disc, s.lr_d, s.lr_g) == (512, 40, 3, 2, 1.0, 0.5)
    assert [type(v) for v in (s.batch_size, s.steps, s.seed, s.k_disc, s.lr_d, s.lr_g)] == [int] * 4 + [float] * 2


@pytest.mark.parametrize("name, value, words", [
    ("steps", True, ["steps=True", "whole number"]),
    ("steps", "7", ["steps='7'", "between 1 and 5000"]),
    ("steps", 2.5, ["steps=2.5", "whole number"]),
    ("steps", float("inf"), ["steps=inf", "5000"]),
    ("seed", -1, ["seed=-1", "between 0 and 2147483647"]),
    ("k_disc", 11, ["k_disc=11", "between 1 and 10"]),
    ("lr_g", float("nan"), ["lr_g=nan", "between 1e-05 and 10.0"]),
    ("lr_g", "0.001", ["lr_g='0.001'", "learning rate"]),
    ("optimizer", "rmsprop", ["optimizer='rmsprop'", "adam, sgd"]),
])
def test_each_bad_value_is_named_with_what_is_allowed(name, value, words):
    with pytest.raises(ValueError) as err:
        live.LiveSettings(**{name: value})
    assert all(w in str(err.value) for w in words), str(err.value)


def test_a_preset_does_not_hide_a_bad_value():
    """make_settings checks every value it is given, also one the preset then replaces."""
    with pytest.raises(ValueError, match="lr_d=nan"):
        live.make_settings("balanced", lr_d=float("nan"))
    with pytest.raises(ValueError, match="batch_size=1000000"):  # replaced by the preset, but valid in no mode
        live.make_settings("balanced", mode="images", dataset="fashion", batch_size=10**6)
    with pytest.raises(ValueError, match="batch_size=1024 .* in images mode"):  # not the preset's: checked for the mode
        live.make_settings("custom", mode="images", dataset="fashion", batch_size=1024)
    assert live.make_settings("balanced", mode="images", dataset="fashion", hidden=16, steps=300).batch_size == 64


def test_images_mode_through_the_api_is_the_pages_image_run():
    """/train's defaults are the page's 2-D values: mode="images" alone gives the page's image run, and the preset
    fills its fields for image mode (the API once answered 'batch_size must be between 8 and 256, got 512')."""
    api_defaults = dict(dataset="ring", k_disc=2, g_loss="minimax", optimizer="adam", lr_d=1e-3, lr_g=5e-4,
                        batch_size=512, latent_dim=2, hidden=128, steps=3000, seed=0)  # the handler's defaults
    s = live.make_settings("balanced", mode="images", **api_defaults)
    assert s == live.LiveSettings(**live.mode_defaults("images"), seed=0)
    assert (s.dataset, s.model, s.batch_size, s.hidden, s.lr_d) == ("mnist", "mlp", 64, 128, 1e-3)
    dcgan = live.make_settings("balanced", mode="images", model="dcgan", **api_defaults)
    assert dcgan == live.LiveSettings(**live.mode_defaults("images", "dcgan"), seed=0)
    assert (dcgan.hidden, dcgan.steps) == (16, 300)
    chosen = live.make_settings("mode-collapse", mode="images", **{**api_defaults, "dataset": "fashion", "steps": 50})
    assert (chosen.dataset, chosen.steps, chosen.lr_d, chosen.lr_g) == ("fashion", 50, 5e-5, 1e-3)  # the user's and the preset's
    with pytest.raises(ValueError, match="lr_d=nan"):
        live.make_settings("custom", mode="images", **{**api_defaults, "lr_d": float("nan")})


def test_preset_fills_only_its_fields():
    s = live.make_settings("strong-discriminator", steps=7, seed=3, hidden=64)
    assert (s.k_disc, s.g_loss, s.steps, s.seed, s.hidden) == (5, "minimax", 7, 3, 64)
    assert live.make_settings("custom", lr_d=0.01).lr_d == 0.01
    with pytest.raises(ValueError, match="preset"):
        live.make_settings("fast")



@pytest.mark.parametrize("mode, model", [(mode, model) for mode in live.MODES for model in live.MODELS[mode]])
@pytest.mark.parametrize("preset", list(live.PRESETS))
def test_every_preset_is_allowed_in_every_mode_and_model(preset, mode, model):
    """Each preset's values pass the same checks as a user's, so choosing it never ends in an error."""
    s = live.make_settings(preset, mode=mode, model=model)
    for name, value in live.PRESETS[preset].settings[mode].items():
        assert getattr(s, name) == value, name

def test_run_yields_finite_records_and_a_snapshot():
    records, frames = run_all(live.LiveSettings(steps=30, batch_size=64, hidden=32), frame_seconds=0.0)
    assert [r["step"] for r in records] == list(range(1, 31))
    assert all(math.isfinite(v) for r in records for v in r.values() if v is not None)
    assert 0 <= frames[-1].jsd <= LOG2 + 1e-6 and frames[-1].done and frames[-1].state is not None
    assert frames[0].heatmap.shape == frames[0].optimal.shape and frames[0].heatmap.dtype == np.uint8
    assert records[-1]["theory"] == pytest.approx(2 * frames[-1].jsd - 2 * LOG2)


def test_opening_is_step_0_of_the_run_drawn_before_any_training():
    s = live.make_settings("balanced")
    first = live.opening(s)
    assert first.step == 0 and first.last_step == s.steps and not first.records and not first.done
    assert first.heatmap.shape == first.optimal.shape and first.heatmap.dtype == np.uint8
    # the default G maps all its noise to one clump inside the ring: disjoint supports, the JSD at its largest
    assert first.jsd == pytest.approx(LOG2, abs=1e-3) and first.modes == (0, 8)
    assert np.array_equal(live.opening(s).heatmap, first.heatmap)  # same seed, same picture
    assert not np.array_equal(live.opening(live.make_settings("balanced", seed=1)).heatmap, first.heatmap)
    assert live.opening(live.make_settings("balanced", mode="images")).preview.dtype == np.uint8


def test_the_last_frame_keeps_the_gap_when_it_brings_no_new_records():
    """When the frame before it took the last step, the closing frame has no records of its own (it happened in CI
    under load), yet it still reports V(D*, G) - V(D, G) for the status line."""
    run = LiveRun(live.make_settings("balanced", steps=3, seed=0), device="cpu", frame_seconds=1e9, snapshot_seconds=1e9,
                  judge_seconds=1e9, max_seconds=60)
    run.pending = list(run.trainer.run(3))
    before = run.frame()
    last = run.frame(done=True)
    assert not last.records and before.gap is not None and last.gap == pytest.approx(before.gap)


def test_pictures_come_with_every_other_frame_and_the_last():
    """Curves (and the JSD behind the theory curve) update every frame; the costly pictures every other one."""
    _, frames = run_all(live.LiveSettings(steps=300, batch_size=64, hidden=32), frame_seconds=0.0)
    assert len(frames) >= 4 and all(f.jsd is not None for f in frames)
    assert [f.heatmap is not None for f in frames[:-1]] == [i % 2 == 0 for i in range(len(frames) - 1)]
    assert frames[-1].heatmap is not None and frames[-1].optimal is not None


def test_continue_from_a_snapshot_matches_one_long_run():
    s = live.LiveSettings(steps=20, batch_size=64, hidden=32, seed=5)
    long, _ = run_all(s.__class__(**{**vars(s), "steps": 40}), frame_seconds=10.0)
    first, frames = run_all(s, frame_seconds=10.0)
    second, _ = run_all(s, state=frames[-1].state, frame_seconds=10.0)
    assert [r["step"] for r in second] == list(range(21, 41))
    assert second[-1]["loss_d"] == pytest.approx(long[-1]["loss_d"], rel=1e-4)


def test_a_runs_first_steps_are_a_shorter_run():
    """Nothing in a run depends on its length (no schedule): the first 30 steps of a 60-step Optimal discriminator
    run are the 30-step run, record for record. The slow preset tests judge the first steps of a default run."""
    short, _ = run_all(live.make_settings("optimal-d", steps=30, seed=0), frame_seconds=10.0)
    long, _ = run_all(live.make_settings("optimal-d", steps=60, seed=0), frame_seconds=10.0)
    assert [r["step"] for r in short] == list(range(1, 31))
    measured = lambda r: [r[k] for k in ("loss_d", "loss_g", "d_real", "d_fake")]  # noqa: E731
    for a, b in zip(short, long[:30], strict=True):
        assert measured(a) == pytest.approx(measured(b), rel=1e-6), a["step"]


def test_diverging_preset_ends_with_a_message_not_an_exception():
    records, frames = run_all(live.make_settings("diverging-lr", steps=300, seed=0))
    last = frames[-1]
    assert last.done and last.diverged and last.state is None
    assert "diverged" in last.message and "lr_d=1" in last.message and "Start" in last.message
    assert len(records) < 300 and all(math.isfinite(r["loss_d"]) for r in records)


def test_strong_discriminator_is_diagnosed():
    records, frames = run_all(live.make_settings("strong-discriminator", steps=150, seed=0), frame_seconds=10.0)
    assert last_mean(records, "d_fake", 20) < 0.1
    assert any("discriminator is winning" in h and "non-saturating" in h for h in frames[-1].health)


def test_binned_kde_matches_the_exact_kde():
    points = toy.ring().sample(1000, torch.Generator().manual_seed(0)) * 1.1
    grid, _ = toy.eval_grid(live.GRID_LIM, live.GRID_N)
    fast = live.binned_kde(points, live.GRID_LIM, live.GRID_N, 0.1)
    assert metrics.jsd(fast, metrics.kde(points, grid, 0.1)) < 0.005


def test_mode_coverage_counts_modes_with_a_fair_share_of_points():
    ring = toy.ring()
    points = ring.sample(800, torch.Generator().manual_seed(0))
    assert ring.mode_coverage(points) == (8, 8)
    assert ring.mode_coverage(ring.centers[:2].repeat(100, 1)) == (2, 8)  # collapsed onto two modes
    assert ring.mode_coverage(points * 1.5) == (0, 8)  # all far from every centre


def test_csv_has_the_issue_columns_and_reference_levels(tmp_path):
    records, _ = run_all(live.LiveSettings(steps=12, batch_size=32, hidden=16), frame_seconds=0.0)
    df = pd.read_csv(history_csv(records_frame(records), "non-saturating", tmp_path / "h.csv"))
    assert list(df.columns[:8]) == ["step", "value", "loss_d", "loss_g", "d_real", "d_fake", "grad_g", "jsd"]
    assert {"theory", "value_equilibrium", "loss_d_equilibrium", "loss_g_equilibrium"} <= set(df.columns)
    assert df["value_equilibrium"].iloc[0] == pytest.approx(-2 * LOG2)
    assert df["loss_g_equilibrium"].iloc[0] == pytest.approx(LOG2)
    assert len(df) == 12 and df["jsd"].notna().sum() >= 2
    assert list(df.columns[8:10]) == ["theory", "modes"]
    covered = df["modes"].dropna()  # modes covered, where the JSD was estimated: whole numbers from 0 to 8
    assert len(covered) == df["jsd"].notna().sum() and covered.between(0, 8).all() and (covered % 1 == 0).all()


def test_plot_tables_are_long_thinned_and_carry_reference_lines():
    records = [dict(step=i, value=-1.0, loss_d=1.0, loss_g=0.7, d_real=0.6, d_fake=0.4, grad_g=1.0) for i in range(1, 2001)]
    losses = loss_table(history_columns(records), "minimax", smoothing=0.9, max_points=100)
    assert list(losses.columns) == ["step", "value", "series"]
    assert losses.groupby("series").size().max() <= 100
    assert any(np.isclose(losses["value"], -LOG2)) and any(np.isclose(losses["value"], -2 * LOG2))
    assert any(np.isclose(d_table(history_columns(records))["value"], 0.5))


@pytest.mark.parametrize("g_loss, g_optimum", [("minimax", -LOG2), ("non-saturating", LOG2)])
def test_the_plots_open_on_the_equilibrium_lines_of_the_run_start_would_make(g_loss, g_optimum):
    losses, d_outputs, grads = (t.dropna() for t in live.opening_tables(g_loss, 750))
    levels = losses.groupby("series")["value"].first().to_dict()
    tag = "mm" if g_loss == "minimax" else "ns"
    assert levels == pytest.approx({SERIES["ref_value"]: -2 * LOG2, SERIES["ref_loss_d"]: 2 * LOG2,
                                    SERIES[f"ref_loss_g_{tag}"]: g_optimum})
    assert set(losses["step"]) == set(d_outputs["step"]) == {0, 750}  # across the whole run, as its axis will be
    assert d_outputs["value"].tolist() == [0.5, 0.5]
    assert grads.empty and list(grads.columns) == ["step", "value", "series"]  # no level to show: axes only
    assert live.opening_tables(g_loss, 750)[2]["step"].tolist() == [0, 750]  # the step axis spans the run
    # the same lines a run's own table draws, at its steps
    run = loss_table(history_columns([dict(step=s, value=0, loss_d=0, loss_g=0, d_real=0, d_fake=0, grad_g=1)
                                      for s in (0, 750)]), g_loss)
    assert run[run["series"].isin(levels)].reset_index(drop=True).equals(losses.reset_index(drop=True))


@pytest.mark.parametrize("mode, g_loss", [("2d", "minimax"), ("images", "non-saturating")])
def test_every_plot_table_names_all_its_plots_series_so_the_colours_stay(mode, g_loss):
    """Gradio's LinePlot keeps the colour scale of the first value it draws: the opening tables and every run's
    tables name all the series their plot may ever show (those without points in one row with no value)."""
    records = [dict(step=i, value=-1.0, loss_d=1.0, loss_g=0.7, d_real=0.6, d_fake=0.4, grad_g=1.0,
                    theory=-0.5 if mode == "2d" else None) for i in range(1, 50)]
    cols = history_columns(records)
    tables = [*live.opening_tables("minimax", 100), loss_table(cols, g_loss), d_table(cols), live.grad_table(cols)]
    for i, (table, plot) in enumerate(zip(tables, [live.LOSS_SERIES, live.D_SERIES, live.GRAD_SERIES] * 2)):
        assert set(table["series"]) == set(plot)
        if i == 2:
            continue  # the opening gradient table: two rows with no value, across the run (tested above)
        empty = table[table["value"].isna()]
        assert (empty["step"] == 0).all() and not empty["series"].duplicated().any()
        assert set(table.dropna()["series"]).isdisjoint(empty["series"])  # a placeholder only for an empty series
    assert set(tables[3].loc[tables[3]["value"].isna(), "series"]) == (
        {SERIES["loss_g_mm" if g_loss != "minimax" else "loss_g_ns"],
         SERIES["ref_loss_g_mm" if g_loss != "minimax" else "ref_loss_g_ns"]} | ({SERIES["theory"]} if mode != "2d" else set()))


def test_plot_tables_grow_at_the_end_so_streamed_updates_stay_small():
    """Gradio diffs each streamed plot against the previous one: older rows must not move between frames."""
    rng = np.random.default_rng(0)
    records = [dict(step=i, value=rng.normal(), loss_d=rng.normal(), loss_g=rng.normal(), d_real=0.5, d_fake=0.5,
                    grad_g=1.0) for i in range(1, 1501)]
    before = loss_table(history_columns(records[:1400]), "non-saturating", smoothing=0.5)
    after = loss_table(history_columns(records[:1430]), "non-saturating", smoothing=0.5)
    assert before["step"].is_monotonic_increasing and len(before) <= 3 * 200 + 6
    kept = len(before) - 6  # all but the last step's rows (the newest point and the reference lines' ends)
    pd.testing.assert_frame_equal(before.iloc[:kept], after.iloc[:kept])


def test_gif_keeps_a_bounded_even_sample(tmp_path):
    gif = GifFrames(cap=10)
    for i in range(100):
        gif.add(np.full((8, 8), i, np.uint8))
    assert 5 <= len(gif.frames) <= 10 and gif.frames[0][0, 0] == 0
    assert gif.save(tmp_path / "a.gif").stat().st_size > 0


def test_export_writes_the_csv_the_generator_and_the_gif(tmp_path):
    s = live.LiveSettings(steps=6, batch_size=32, hidden=16)
    frames = list(live.stream(s, device="cpu", frame_seconds=0.0))
    gif = GifFrames()
    for f in frames:
        if f.heatmap is not None:
            gif.add(f.heatmap[::2, ::2])
    records = [r for f in frames for r in f.records]
    csv, files = live.export_run(tmp_path / "a", s, records, frames[-1].state, gif)
    assert csv == tmp_path / "a" / "loss_history.csv" and len(pd.read_csv(csv)) == 6
    assert [f.name for f in files] == ["model.safetensors", "config.json", "gan_demo.json", "training.gif"]
    G = load_folder(MLPGenerator, files[0].parent)
    assert all(torch.equal(v, frames[-1].state["G"][k]) for k, v in G.state_dict().items())
    _, files = live.export_run(tmp_path / "b", s, records, frames[-1].state, GifFrames(), diverged=True)
    assert files == []  # NaN weights are not worth a download, and no frames make no GIF


def test_image_mode_reports_the_classifier_histogram_and_names_a_collapse():
    """Image frames carry the shipped classifier's class histogram; a lopsided one is called mode collapse."""
    settings = live.make_settings("balanced", **{**live.mode_defaults("images"), "dataset": "mnist", "steps": 2})
    frames = list(live.stream(settings, device="cpu"))
    share = frames[-1].class_share
    assert share is not None and len(share) == 10 and abs(sum(share) - 1) < 1e-6
    classes = live.ImageViews("mnist", "cpu").classes
    assert "Mode collapse" in live.collapse_note([0.9] + [0.1 / 9] * 9, classes)
    assert live.collapse_note([0.1] * 10, classes) is None


def test_training_threads_apply_only_while_training():
    """The run's torch thread count is set while it trains and restored before each frame reaches the caller."""
    before = torch.get_num_threads()
    for _ in live.stream(live.LiveSettings(steps=6, batch_size=32, hidden=16), device="cpu", frame_seconds=0.0,
                         threads=before + 1):
        assert torch.get_num_threads() == before


def test_loss_legend_names_the_curves_of_the_run():
    assert loss_legend("minimax", "images") == [SERIES["value"], SERIES["loss_d"], SERIES["loss_g_mm"]]
    assert loss_legend("non-saturating", "2d") == [SERIES["value"], SERIES["theory"], SERIES["loss_d"],
                                                   SERIES["loss_g_ns"]]


@pytest.mark.parametrize("name", sorted(toy.TOYS))
def test_the_jsd_estimate_reads_about_zero_for_real_samples(name):
    """p_r is blurred by the KDE's own kernel, so real samples read ~0 (the tab shows this floor) and a generator
    that has collapsed onto two modes reads far more."""
    dist = toy.toy_distribution(name)
    views = ToyViews(dist, seed=0)
    assert 0 <= views.jsd_floor < 0.02
    collapsed = dist.centers[:2].repeat(500, 1) + 0.05 * torch.randn(1000, 2, generator=torch.Generator().manual_seed(1))
    assert views.jsd(collapsed) > 10 * views.jsd_floor + 0.1
