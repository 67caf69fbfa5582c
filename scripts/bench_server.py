"""The app's benchmarks (the ``app`` suite of scripts/benchmark.py): server time against the bare forward pass,
end-to-end latency, live training, cold start.

    python scripts/benchmark.py --quick   # CI: about a minute; writes artifacts/benchmarks/results.{json,md}
    python scripts/benchmark.py --full    # the published numbers: benchmarks/results.{json,md} + docs/benchmarks.md

1. Server time: each handler (what an endpoint runs) for 1, 16 and 64 samples, one reconstruction and the class
   grid, as a ratio to the bare model forward pass for the same images, measured in the same run.
2. Cold start: ``python app.py --port N`` in a subprocess; seconds until it answers HTTP and until the first
   /sample answer arrives through gradio_client.
3. End-to-end latency through gradio_client on loopback against that process: p50 and p95 per endpoint with 1
   client, then with 16 clients calling the same endpoint at once (each endpoint runs one request at a time).
4. Live training: steps/s of /train in the app against the same loop run bare (scripts/bench_training.py).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent

import bench_training  # noqa: E402
import gradio  # noqa: E402
import httpx  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from bench_report import BENCHMARKS_DOC, BLOCK_END, BLOCK_START, docs_block, free_port  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402

from gan_demo import live  # noqa: E402
from gan_demo.device import configure_threads, cpu_cores, pick_device  # noqa: E402
from gan_demo.evaluation.card import write_block  # noqa: E402
from gan_demo.sampling import make_noise  # noqa: E402
from ui.common import get_model  # noqa: E402
from ui.components import example_paths  # noqa: E402
from ui.tabs import autoencoder as ae  # noqa: E402
from ui.tabs import cgan, gan  # noqa: E402
from ui.tabs import live as train_tab  # noqa: E402

DATASET = "fashion"
DOWNLOADS = Path(tempfile.mkdtemp(prefix="gan_demo_bench_"))  # clients download every output, as a browser would
EXAMPLE = str(example_paths(DATASET)[4])
SETTINGS = {  # repetitions per mode; quick keeps CI under two minutes on 2 busy cores
    "quick": dict(repeats=5, single=3, per_client=1, clients=16, train_2d=(150, 1), train_mlp=(20, 1),
                  train_dcgan=(5, 1), endpoints=("sample", "reconstruct", "class_grid")),
    # live training (steps, repeats): the 2-D ratio sits nearest its 85% bar, so it gets the most repeats
    "full": dict(repeats=30, single=20, per_client=2, clients=16, train_2d=(1500, 7), train_mlp=(1000, 3),
                 train_dcgan=(100, 3), endpoints=None),
}
# Each public endpoint of the model tabs with typical arguments (16 samples, 10 frames, 4 grid rows).
ENDPOINTS = {
    "sample": lambda: (7, 16, 1.0, DATASET),
    "nearest": lambda: (7, 16, 3, 1.0, DATASET),
    "interpolate_gan": lambda: (1, 2, 10, 1.0, DATASET),
    "sample_conditional": lambda: ("Sneaker", 16, 3, DATASET),
    "class_grid": lambda: (0, 4, DATASET),
    "interpolate_classes": lambda: ("T-shirt/top", "Sneaker", 0, 10, DATASET),
    "reconstruct": lambda: (handle_file(EXAMPLE), 0.0, DATASET),
    "latent_map": lambda: (handle_file(EXAMPLE), 0.0, DATASET),
    "interpolate_ae": lambda: (handle_file(EXAMPLE), handle_file(str(example_paths(DATASET)[15])), 10, DATASET),
}


# -- timing helpers ---------------------------------------------------------------------------------------
def timed_ms(fn, repeats: int) -> list[float]:
    """Wall-clock milliseconds of ``repeats`` calls, after one untimed warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def percentiles(times: list[float]) -> dict[str, float]:
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2),
            "n": len(times)}


# -- 1. server time against the bare forward pass ---------------------------------------------------------
def bare_generator(name: str, n: int, labels: bool = False):
    """The forward pass alone: noise (and labels) in, tensor out; no conversion, no pictures."""
    model = get_model(f"{name}-{DATASET}")
    z = make_noise(n, model.latent_dim, 7)
    y = torch.arange(n) % 10

    def run():
        with torch.inference_mode():
            return model(z, y) if labels else model(z)
    return run


def bare_autoencoder():
    model = get_model(f"autoencoder-{DATASET}")
    x = torch.zeros(1, 1, 28, 28)

    def run():
        with torch.inference_mode():
            return model(x)
    return run


def server_time(repeats: int) -> list[dict]:
    """Median handler time over median bare forward time, for the same images, in this process."""
    cases = [(f"sample ({n})", n, lambda n=n: gan.sample(7, n, 1.0, DATASET), bare_generator("gan", n))
             for n in (1, 16, 64)]
    cases.append(("reconstruct (1)", 1, lambda: ae.reconstruct(EXAMPLE, 0.0, DATASET), bare_autoencoder()))
    cases += [(f"class_grid ({rows} rows)", rows * 10, lambda rows=rows: cgan.class_grid(0, rows, DATASET),
               bare_generator("cgan", rows * 10, labels=True)) for rows in (1, 4, 8)]
    rows = []
    for name, images, handler, bare in cases:
        bare_ms = statistics.median(timed_ms(bare, repeats))
        server_ms = statistics.median(timed_ms(handler, repeats))
        rows.append({"action": name, "images": images, "bare_ms": round(bare_ms, 2),
                     "server_ms": round(server_ms, 2), "ratio": round(server_ms / bare_ms, 1)})
        print(f"  {name:<22} bare {bare_ms:7.2f} ms  server {server_ms:7.2f} ms  x{server_ms / bare_ms:.1f}", flush=True)
    return rows


# -- 2. cold start ----------------------------------------------------------------------------------------
def start_app() -> tuple[subprocess.Popen, str, dict]:
    """Start ``python app.py``; return it, its URL and the seconds to listening and to the first answer."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    while True:
        if proc.poll() is not None or time.perf_counter() - started > 300:
            raise RuntimeError("app.py did not start")
        try:
            httpx.get(url, timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.05)
    listening = time.perf_counter() - started
    client = new_client(url)
    client.predict(0, 1, 1.0, DATASET, api_name="/sample")
    first = time.perf_counter() - started
    client.close()
    return proc, url, {"listening_s": round(listening, 2), "first_answer_s": round(first, 2)}


# -- 3. end-to-end latency --------------------------------------------------------------------------------
def new_client(url: str) -> Client:
    return Client(url, verbose=False, analytics_enabled=False, download_files=str(DOWNLOADS),
                  httpx_kwargs={"timeout": 120})  # uploads default to a 5 s timeout


def call_ms(client: Client, endpoint: str) -> float:
    start = time.perf_counter()
    client.predict(*ENDPOINTS[endpoint](), api_name=f"/{endpoint}")
    return (time.perf_counter() - start) * 1000


def latency(url: str, endpoints, single: int, per_client: int, clients: int) -> list[dict]:
    pool = [new_client(url) for _ in range(clients)]
    rows = []
    try:
        with ThreadPoolExecutor(clients) as executor:
            for endpoint in endpoints:
                one = [call_ms(pool[0], endpoint) for _ in range(single + 1)][1:]  # the first is a warm-up
                many = [t for ts in executor.map(lambda c, e=endpoint: [call_ms(c, e) for _ in range(per_client)], pool)
                        for t in ts]
                rows.append({"endpoint": f"/{endpoint}", "one_client": percentiles(one),
                             f"{clients}_clients": percentiles(many)})
                many_ms = rows[-1][f"{clients}_clients"]
                print(f"  /{endpoint:<20} 1 client p50 {rows[-1]['one_client']['p50_ms']:7.0f} ms   {clients} clients "
                      f"p50 {many_ms['p50_ms']:7.0f} p95 {many_ms['p95_ms']:7.0f} ms", flush=True)
    finally:
        for client in pool:
            client.close()
    return rows


# -- 4. live training -------------------------------------------------------------------------------------
def training(url: str, train_2d: tuple[int, int], train_mlp: tuple[int, int], train_dcgan: tuple[int, int]) -> list[dict]:
    """Live training steps/s, bare loop against the app's /train (frames, plots, pictures, exports), side by side.

    Each case is the page's balanced run (2-D; images with the default fully connected GAN; images with the
    DCGAN); ``train_*`` are (steps per run, repeats)."""
    # pictures are fetched once each as they stream in, as a page does (see bench_training.server)
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    fetch = httpx.Client(timeout=60)
    cases = {"2-D (ring, MLP)": (dict(mode="2d"), *train_2d),
             "images (MNIST, MLP)": (dict(mode="images"), *train_mlp),
             "images (MNIST, DCGAN)": (dict(mode="images", model="dcgan"), *train_dcgan)}
    threads = torch.get_num_threads()
    torch.set_num_threads(train_tab.live_threads())  # bare gets the app's training threads
    rows = []
    try:
        for name, (choice, steps, repeats) in cases.items():
            settings = live.make_settings("balanced", **choice, steps=steps)
            warm = live.LiveSettings(**{**vars(settings), "steps": max(2, settings.steps // 10)})
            bench_training.bare(warm)  # data loading, first-call allocations
            bench_training.server(client, warm, fetch)
            bare, app = [], []
            for _ in range(repeats):
                bare.append(bench_training.bare(settings))
                app.append(bench_training.server(client, settings, fetch))
            rows.append({"mode": name, "steps": steps, "repeats": repeats,
                         "bare_steps_per_s": round(statistics.median(bare), 1),
                         "app_steps_per_s": round(statistics.median(app), 1),
                         "ratio": round(statistics.median(app) / statistics.median(bare), 3),
                         "bare_runs": [round(x, 1) for x in bare], "app_runs": [round(x, 1) for x in app]})
            print(f"  {name:<30} bare {rows[-1]['bare_steps_per_s']:7.1f}  app {rows[-1]['app_steps_per_s']:7.1f} "
                  f"steps/s  ({rows[-1]['ratio']:.1%})", flush=True)
    finally:
        torch.set_num_threads(threads)
        client.close()
        fetch.close()
    return rows


# -- report -----------------------------------------------------------------------------------------------
def cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor() or "unknown"


def machine() -> dict:
    """What the numbers ran on, without any path or host name."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "usable_cores": cpu_cores(), "torch_threads": torch.get_num_threads(),
            "device": str(pick_device()), "python": platform.python_version(), "torch": torch.__version__,
            "gradio": gradio.__version__, "load_average_at_start": round(os.getloadavg()[0], 2)}


def markdown(r: dict) -> str:
    m, clients = r["machine"], r["settings"]["clients"]
    out = [f"# Benchmarks ({r['mode']} mode)", "",
           f"Made by `{r['command']}` on {r['date']}: {m['cpu']}, {m['usable_cores']} of {m['cores']} cores usable, "
           f"{m['torch_threads']} torch threads, device {m['device']}, Python {m['python']}, torch {m['torch']}, "
           f"Gradio {m['gradio']}; load average {m['load_average_at_start']} at start.", "",
           "## Server time against the bare forward pass (same run, medians)", "",
           "| action | images | bare forward (ms) | server time (ms) | ratio |", "|---|---:|---:|---:|---:|"]
    out += [f"| {s['action']} | {s['images']} | {s['bare_ms']:.2f} | {s['server_ms']:.1f} | {s['ratio']:.1f}x |"
            for s in r["server_time"]]
    out += ["", "Server time is the endpoint's handler: input checks, the forward pass, the classifier's verdicts "
            "(samples), uint8 conversion and upscaled, labelled pictures.", "",
            "## End-to-end latency through gradio_client on loopback (ms)", "",
            f"| endpoint | 1 client p50 | 1 client p95 | {clients} clients p50 | {clients} clients p95 |",
            "|---|---:|---:|---:|---:|"]
    out += [f"| `{e['endpoint']}` | {e['one_client']['p50_ms']:.0f} | {e['one_client']['p95_ms']:.0f} | "
            f"{e[f'{clients}_clients']['p50_ms']:.0f} | {e[f'{clients}_clients']['p95_ms']:.0f} |" for e in r["latency"]]
    out += ["", f"With {clients} clients all call the same endpoint at once; each endpoint serves one request at a "
            "time (Gradio's default), so the others queue.", "", "## Live training (steps/s, medians)", "",
            "| mode | steps per run | runs each | bare | in the app (/train) | ratio |",
            "|---|---:|---:|---:|---:|---:|"]
    out += [f"| {t['mode']} | {t['steps']} | {t['repeats']} | {t['bare_steps_per_s']:.1f} | {t['app_steps_per_s']:.1f} | "
            f"{t['ratio']:.1%} |" for t in r["training"]]
    c = r["cold_start"]
    out += ["", "## Cold start", "", f"`python app.py` answers HTTP after **{c['listening_s']:.1f} s** and its first "
            f"/sample request after **{c['first_answer_s']:.1f} s** (process start to answer; before it answers, the app "
            "computes every tab's opening examples for the default dataset, so it starts with those models loaded; the "
            "other dataset's load on demand).", ""]
    return "\n".join(out)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(prog="benchmark.py", description=__doc__, epilog="--suite NAME runs another suite "
                                "with the arguments it takes (python scripts/benchmark.py --suite diffusion --help)",
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick", help="few repetitions (CI)")
    mode.add_argument("--full", action="store_const", dest="mode", const="full", help="the published numbers")
    p.add_argument("--out-dir", type=Path, help="default: benchmarks/ (--full) or artifacts/benchmarks/ (--quick)")
    args = p.parse_args(argv)
    args.mode = args.mode or "quick"
    s = SETTINGS[args.mode]
    out_dir = args.out_dir or ROOT / ("benchmarks" if args.mode == "full" else "artifacts/benchmarks")
    configure_threads()
    result = {"mode": args.mode, "command": f"python scripts/benchmark.py --{args.mode}",
              "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
              "settings": {k: v for k, v in s.items() if k != "endpoints"}}
    print("server time against the bare forward pass", flush=True)
    result["server_time"] = server_time(s["repeats"])
    print("cold start", flush=True)
    proc, url, result["cold_start"] = start_app()
    try:
        print(f"  {result['cold_start']}\nend-to-end latency", flush=True)
        result["latency"] = latency(url, s["endpoints"] or ENDPOINTS, s["single"], s["per_client"], s["clients"])
        print("live training", flush=True)
        result["training"] = training(url, s["train_2d"], s["train_mlp"], s["train_dcgan"])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(DOWNLOADS, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(result, indent=2) + "\n")
    (out_dir / "results.md").write_text(markdown(result))
    print(f"wrote results.json and results.md in {out_dir.name}/")
    if args.mode == "full" and args.out_dir is None:
        write_block(docs_block(markdown(result)), BENCHMARKS_DOC, BLOCK_START, BLOCK_END)
        print("rewrote the benchmark block in docs/benchmarks.md")


if __name__ == "__main__":
    main()
