"""The classroom load suite's arithmetic and report (scripts/bench_classroom.py), without a server: percentiles,
a phase's summary, the ratio the queue is tuned for, the verdict and the markdown. The run itself is in
test_benchmark.py (slow, perf)."""
from __future__ import annotations

import argparse
import math

import pytest

from servers import ROOT


@pytest.fixture(scope="module")
def bench():
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(ROOT / "scripts"))
        import bench_classroom  # noqa: PLC0415 - a script, importable once scripts/ is on the path

        yield bench_classroom


def phase(p95: int, errors: int = 0, slow_errors: int | None = None) -> dict:
    out = {"light": {"calls": 10, "p50_ms": p95 // 2, "p95_ms": p95, "max_ms": p95 + 1, "errors": errors,
                     "rss_start_mib": 1000, "rss_middle_mib": 1000, "rss_end_mib": 1001, "rss_second_half_mib": 0.5}}
    if slow_errors is not None:
        out["slow"] = {"text_calls": 4, "text_p50_ms": 3000, "live_runs": 1, "live_p50_ms": 9000,
                       "errors": slow_errors}
    return out


def test_percentiles_interpolate_like_numpy_and_an_empty_phase_is_zero(bench):
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert bench.percentile(values, 50) == pytest.approx(50.5)
    assert bench.percentile(values, 95) == pytest.approx(95.05)
    assert bench.percentile([7.0], 95) == 7.0 and bench.percentile([], 95) == 0.0


def test_a_phase_summary_counts_rounds_and_gives_memory_in_mib(bench):
    s = bench.summary([100.4, 200.6, 300.0, 1000.0], errors=2, rss=[1000 * 2**20, 1004 * 2**20, int(1010.6 * 2**20)])
    assert s == {"calls": 4, "p50_ms": 250, "p95_ms": 895, "max_ms": 1000, "errors": 2, "rss_start_mib": 1000,
                 "rss_middle_mib": 1004, "rss_end_mib": 1011, "rss_second_half_mib": 7}
    assert bench.summary([], 0, [0, 0])["calls"] == 0 and bench.summary([], 0, [0, 0])["max_ms"] == 0


def test_memory_levels_off_when_the_second_half_stops_growing(bench):
    """The growth over a phase's second half: the last quarter's mean minus the mean of the quarter before the
    middle, so a climb that stopped reads near 0 and one that goes on reads as the climb."""
    climbing = [1000 + 10 * i for i in range(12)]  # 10 MiB every sample
    assert bench.second_half_growth(climbing) == 60  # (1090..1110) - (1030..1050): 6 samples apart
    levelled = [1000, 1040, 1070, 1100, 1100, 1101, 1100, 1100, 1101, 1100, 1100, 1101]
    assert abs(bench.second_half_growth(levelled)) <= 1
    assert bench.second_half_growth([1000, 1010]) == 0  # start and end only: the end against itself as middle


def test_the_ratio_is_p95_with_the_slow_calls_over_p95_alone(bench):
    assert bench.ratio(phase(900)["light"], phase(400)["light"]) == 2.25
    assert bench.ratio(phase(400)["light"], phase(400)["light"]) == 1.0
    assert math.isinf(bench.ratio(phase(400)["light"], phase(0)["light"]))


@pytest.mark.parametrize(("r", "errors", "slow_errors", "expected"), [
    (1.9, 0, 0, "met"),
    (2.0, 0, 0, "met"),
    (2.1, 0, 0, "not met: ratio 2.10x over 2x"),
    (1.5, 1, 0, "not met: 1 errors"),
    (2.5, 0, 3, "not met: ratio 2.50x over 2x, 3 errors"),
])
def test_the_verdict_names_what_missed(bench, r, errors, slow_errors, expected):
    result = {"ratio": r, "phases": [phase(400, errors), phase(800, 0, slow_errors)]}
    assert bench.verdict(result) == expected


def test_the_markdown_gives_both_phases_the_ratio_and_the_settings_without_machine_paths(bench):
    result = {"command": "python scripts/benchmark.py --suite classroom --full", "date": "2026-12-06 17:00 UTC",
              "machine": {"cores": 2, "usable_cores": 2, "python": "3.11.7", "gradio": "6.31.0",
                          "load_average_at_start": 0.5, "load_average_at_end": 3.1},
              "settings": {"clients": 30, "seconds": 60.0, "think_s": 1.0, "text_clients": 3, "live_clients": 1,
                           "text_images": 4, "text_steps": 10, "live_steps": 300, "light": ["/sample", "/reconstruct"],
                           "server": bench.server_settings()},
              "phases": [phase(400), phase(700, 0, 0)], "ratio": 1.75}
    result["verdict"] = bench.verdict(result)
    md = bench.markdown(result)
    assert "| light only | 10 | 200 ms | 400 ms | 401 ms | 0 | 1000 → 1000 → 1001 MiB | +0.5 MiB |" in md
    assert "| with the slow calls | 10 | 350 ms | 700 ms |" in md
    assert "**1.75x** (bar: at most 2x, no errors: met)" in md and "`GAN_DEMO_SLOW_THREADS=" in md
    assert "30 students" in md and "`/sample`, `/reconstruct`" in md and "4 text-to-image answers" in md
    assert not any(p in md for p in ("/tmp", "/work", "/root", "/home", str(ROOT)))


def test_the_command_names_the_options_and_settings_that_differ(bench, monkeypatch):
    args = argparse.Namespace(mode="full", clients=None, seconds=None, think=1.0, text_clients=3, live_clients=1)
    for name in bench.SERVER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    assert bench.command(args) == "python scripts/benchmark.py --suite classroom --full"
    monkeypatch.setenv("GAN_DEMO_SLOW_THREADS", "2")
    args.clients, args.seconds = 8, 20.0
    assert bench.command(args) == ("GAN_DEMO_SLOW_THREADS=2 python scripts/benchmark.py --suite classroom --full "
                                   "--clients 8 --seconds 20")
