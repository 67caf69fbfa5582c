"""Server time of every action of the autoencoder, GAN and conditional GAN tabs, in process.

Calls the same handler functions the endpoints call, many times each, and reports the median and the 95th
percentile in milliseconds, of wall-clock time and of this process's CPU time. Caches are warmed first
(one call per action and dataset) and that one-time cost is reported separately. Network and browser time
are not included: this is the server's share.

On a machine busy with other work, wall time measures the contention; CPU time does not, and it bounds the
wall time on idle cores from above (two threads can only make the wall time shorter than the CPU time).

    python scripts/bench_app.py --threads 2 --repeat 50
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import torch

from ui.components import example_paths
from ui.tabs import autoencoder as ae
from ui.tabs import cgan, gan

BUDGET_MS = 300


def actions(dataset: str) -> dict[str, callable]:
    """Each endpoint at its most expensive common setting (64 samples, 32 frames)."""
    paths = [str(p) for p in example_paths(dataset)]
    first, last = ("T-shirt/top", "Sneaker") if dataset == "fashion" else ("1", "7")
    drawing = np.full((280, 280), 255, np.uint8)
    drawing[60:220, 130:150] = 0
    return {
        "reconstruct": lambda: ae.reconstruct(paths[4], 0.3, dataset),
        "latent_map": lambda: ae.latent_map(paths[4], 0.3, dataset),
        "interpolate_ae (32 frames)": lambda: ae.interpolate_ae(paths[0], paths[15], 32, dataset),
        "use_drawing": lambda: ae.use_drawing({"composite": drawing}, dataset),
        "sample (64)": lambda: gan.sample(7, 64, 1.0, dataset),
        "nearest (of 64)": lambda: gan.nearest(7, 64, 5, 1.0, dataset),
        "interpolate_gan (32 frames)": lambda: gan.interpolate_gan(1, 2, 32, 1.0, dataset),
        "sample_conditional (64)": lambda: cgan.sample_conditional(last, 64, 3, dataset),
        "class_grid (8 rows)": lambda: cgan.class_grid(0, 8, dataset),
        "interpolate_classes (32 frames)": lambda: cgan.interpolate_classes(first, last, 0, 32, dataset),
    }


def timed(fn) -> tuple[float, float]:
    """(wall, CPU) milliseconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads (a CPU Space has 2 cores)")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--datasets", nargs="+", default=["fashion", "mnist"])
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, {args.repeat} repetitions; times in ms")
    print(f"{'':<43}{'---- wall ----':>22}{'---- CPU ----':>18}")
    print(f"{'action':<34}{'dataset':<9}{'first':>6}{'median':>8}{'p95':>8}{'median':>9}{'p95':>8}")
    worst_wall = worst_cpu = 0.0
    for dataset in args.datasets:
        for name, fn in actions(dataset).items():
            first = timed(fn)[0]  # loads models, builds the latent map / training index once per dataset
            wall, cpu = np.array([timed(fn) for _ in range(args.repeat)]).T
            row = [np.median(wall), np.percentile(wall, 95), np.median(cpu), np.percentile(cpu, 95)]
            worst_wall, worst_cpu = max(worst_wall, row[1]), max(worst_cpu, row[3])
            print(f"{name:<34}{dataset:<9}{first:6.0f}{row[0]:8.1f}{row[1]:8.1f}{row[2]:9.1f}{row[3]:8.1f}")
    print(f"worst p95: wall {worst_wall:.0f} ms, CPU {worst_cpu:.0f} ms (budget {BUDGET_MS} ms)")
    return 0 if min(worst_wall, worst_cpu) < BUDGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
