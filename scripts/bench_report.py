"""What the benchmark scripts share: the --quick / --full switch, the machine line, a free port, and writing
``NAME.json`` + ``NAME.md`` (and, for a full run into benchmarks/, the block between two markers in
docs/benchmarks.md)."""
from __future__ import annotations

import argparse
import json
import os
import platform
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import torch

from gan_demo.device import cpu_cores
from gan_demo.evaluation.card import write_block

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS_DOC = ROOT / "docs" / "benchmarks.md"  # where the full runs' tables are shown
BLOCK_START, BLOCK_END = "<!-- bench:start -->", "<!-- bench:end -->"  # benchmark.py's block in docs/benchmarks.md


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now, for a server the benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docs_block(results_md: str) -> str:
    """benchmark.py's results.md as docs/benchmarks.md shows it: without its title, its sections one heading level
    down."""
    body = results_md.split("\n", 2)[2]
    return "\n".join("#" + line if line.startswith("## ") else line for line in body.splitlines())


def parse_mode(doc: str, argv=None) -> argparse.Namespace:
    """``--quick`` (the default: the tests) or ``--full`` (the published numbers), and ``--out-dir``."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick")
    mode.add_argument("--full", action="store_const", dest="mode", const="full")
    p.add_argument("--out-dir", type=Path)
    args = p.parse_args(argv)
    args.mode = args.mode or "quick"
    return args


def header(script: str, mode: str, **machine) -> dict:
    """The command, the date and the machine (plus ``machine``'s extra fields) that open every result."""
    return {"command": f"python scripts/{script} --{mode}", "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": {"cores": os.cpu_count(), "usable_cores": cpu_cores(), **machine,
                        "python": platform.python_version(), "torch": torch.__version__,
                        "load_average_at_start": round(os.getloadavg()[0], 2)}}


def write(args: argparse.Namespace, name: str, result: dict, markdown: Callable[[dict], str],
          markers: tuple[str, str], block: str) -> None:
    """``name``.json and ``name``.md into benchmarks/ (full) or artifacts/benchmarks/ (quick) or ``--out-dir``;
    a full run into benchmarks/ also rewrites the ``block`` between ``markers`` in docs/benchmarks.md."""
    out_dir = args.out_dir or ROOT / ("benchmarks" if args.mode == "full" else "artifacts/benchmarks")
    out_dir.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    (out_dir / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / f"{name}.md").write_text(text)
    print(text)
    if args.mode == "full" and args.out_dir is None:
        write_block(text, BENCHMARKS_DOC, *markers)
        print(f"rewrote the {block} block in docs/benchmarks.md")
