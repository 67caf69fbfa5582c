"""The one entry point of the benchmarks: ``--suite NAME`` hands the other arguments to that suite's script.

    python scripts/benchmark.py --quick                    # the app suite (scripts/bench_server.py): CI, a minute
    python scripts/benchmark.py --full                     # its published numbers (docs/benchmarks.md)
    python scripts/benchmark.py --suite diffusion --full   # another suite: handlers, diffusion, live-images,
                                                           # training, widgets, classroom
    python scripts/benchmark.py --suite training --help    # what a suite takes

Only the suite asked for is imported, so a wrong name or ``--help`` answers at once.
"""
from __future__ import annotations

import importlib
import sys

SUITES = {"app": "bench_server", "handlers": "bench_app", "diffusion": "bench_diffusion",
          "live-images": "bench_live_images", "training": "bench_training", "widgets": "bench_widgets",
          "classroom": "bench_classroom"}


def suite_and_rest(argv: list[str]) -> tuple[str, list[str]]:
    """The ``--suite`` named in ``argv`` (default ``app``) and the arguments for it; an unknown one is an error that
    lists the suites."""
    if "--suite" not in argv:
        return "app", argv
    i = argv.index("--suite")
    suite = argv[i + 1] if i + 1 < len(argv) else ""
    if suite not in SUITES:
        raise SystemExit(f"benchmark.py: unknown suite {suite!r}; choose one of: {', '.join(SUITES)}")
    return suite, argv[:i] + argv[i + 2:]


def main(argv=None) -> None:
    suite, rest = suite_and_rest(sys.argv[1:] if argv is None else list(argv))
    importlib.import_module(SUITES[suite]).main(rest)


if __name__ == "__main__":
    main()
