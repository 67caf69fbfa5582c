"""A class on one server: the light calls' latency with the slow ones idle and with them running, side by side.

    python scripts/benchmark.py --suite classroom --full    # 30 clients, two 60 s phases: benchmarks/classroom.{json,md}
                                                            # and its block in docs/benchmarks.md
    python scripts/benchmark.py --suite classroom --quick   # 4 clients, two 10 s phases, into artifacts/benchmarks/
    python scripts/benchmark.py --suite classroom --clients 30 --seconds 90 --out-dir /some/dir   # any size

``python app.py`` runs in a process of its own (its opening examples skipped, ``MALLOC_ARENA_MAX=2`` as in the load
test, so its resident memory is what the app holds on to, not the allocator's per-thread arenas). ``--clients``
gradio_client clients, one thread each, play the students: each loops over the light calls (a GAN sample, a
reconstruction of an example image, a class's samples, the class grid; the page's default settings), a short pause
(``--think``) after each answer. Two phases of ``--seconds`` each, after a warm-up that loads every model:

(a) light only: the students alone;
(b) with the slow ones: the same students while ``--text-clients`` more loop /text_to_image (4 images, 10 steps)
    and ``--live-clients`` loop short live-training runs (/train, 2-D, 300 steps).

Per phase: the light calls that started in it, their p50, p95 and largest latency (request to answer, through
gradio_client on loopback; the clients do not fetch the pictures, which a browser would do from its own machine),
errors, and the server's RSS every few seconds (its growth over the phase's second half says whether memory has
levelled off). The ratio of the light p95 with the slow calls running
to the light p95 alone is the figure the queue settings are tuned for (bar: at most 2x, no error).
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent

BLOCK_START, BLOCK_END = "<!-- bench-classroom:start -->", "<!-- bench-classroom:end -->"  # in docs/benchmarks.md
BAR_RATIO = 2.0  # light p95 with the slow calls running, at most this many times the light p95 alone
RSS_EVERY = 5.0  # seconds between samples of the server's resident memory
MODES = {"quick": dict(clients=4, seconds=10.0), "full": dict(clients=30, seconds=60.0)}
DATASET = "fashion"


# -- what a run reports: pure functions, unit-tested ------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (numpy's linear interpolation), 0 for no values."""
    return float(np.percentile(values, q)) if values else 0.0


def summary(latencies_ms: list[float], errors: int, rss: list[int]) -> dict:
    """One phase's light calls: how many answered, p50 / p95 / max in ms, the errors; the server's RSS in MiB at the
    start, the middle and the end of the phase (``rss``: its samples in bytes, in order), and its growth over the
    second half."""
    mib = [round(b / 2**20) for b in rss]
    return {"calls": len(latencies_ms), "p50_ms": round(percentile(latencies_ms, 50)),
            "p95_ms": round(percentile(latencies_ms, 95)), "max_ms": round(max(latencies_ms, default=0.0)),
            "errors": errors, "rss_start_mib": mib[0], "rss_middle_mib": mib[len(mib) // 2], "rss_end_mib": mib[-1],
            "rss_second_half_mib": second_half_growth(mib)}


def second_half_growth(samples: list[float]) -> float:
    """How much a series of memory samples grew over its second half: the mean of its last quarter minus the mean
    of the quarter before the middle (means, so one sample taken mid-collection does not decide it)."""
    n = len(samples)
    if n < 4:
        return samples[-1] - samples[n // 2]
    q = n // 4
    return round(float(np.mean(samples[-q:]) - np.mean(samples[n // 2 - q:n // 2])), 1)


def ratio(with_slow: dict, alone: dict) -> float:
    """Light p95 with the slow calls running over light p95 alone (inf when the phase alone answered nothing)."""
    return round(with_slow["p95_ms"] / alone["p95_ms"], 2) if alone["p95_ms"] > 0 else float("inf")


def verdict(result: dict) -> str:
    """'met' or what missed: the ratio bar, the errors."""
    misses = []
    if result["ratio"] > BAR_RATIO:
        misses.append(f"ratio {result['ratio']:.2f}x over {BAR_RATIO:g}x")
    errors = sum(p["light"]["errors"] + p.get("slow", {}).get("errors", 0) for p in result["phases"])
    if errors:
        misses.append(f"{errors} errors")
    return "met" if not misses else "not met: " + ", ".join(misses)


def markdown(r: dict) -> str:
    m, s = r["machine"], r["settings"]
    alone, busy = r["phases"]
    out = [f"Made by `{r['command']}` on {r['date']}: {m['usable_cores']} of {m['cores']} cores usable, Python "
           f"{m['python']}, Gradio {m['gradio']}; load average {m['load_average_at_start']} at start, "
           f"{m['load_average_at_end']} at the end.", "",
           f"{s['clients']} students loop over the light calls (`{'`, `'.join(s['light'])}`; the page's default "
           f"settings, {s['think_s']:g} s after each answer) for {s['seconds']:g} s alone, then {s['seconds']:g} s "
           f"while {s['text_clients']} more loop `/text_to_image` ({s['text_images']} images, {s['text_steps']} steps) "
           f"and {s['live_clients']} loops 2-D live runs (`/train`, {s['live_steps']} steps):", "",
           f"The server's settings: {', '.join(f'`{k}={v}`' for k, v in s['server'].items())}.", "",
           "| phase | light calls | p50 | p95 | max | errors | server RSS start → middle → end | its second half |",
           "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, p in (("light only", alone), ("with the slow calls", busy)):
        light = p["light"]
        out.append(f"| {name} | {light['calls']} | {light['p50_ms']} ms | {light['p95_ms']} ms | {light['max_ms']} ms "
                   f"| {light['errors']} | {light['rss_start_mib']} → {light['rss_middle_mib']} → "
                   f"{light['rss_end_mib']} MiB | {light['rss_second_half_mib']:+g} MiB |")
    slow = busy["slow"]
    out += ["", f"Slow calls meanwhile: {slow['text_calls']} text-to-image answers (median {slow['text_p50_ms']} ms) "
            f"and {slow['live_runs']} live runs (median {slow['live_p50_ms']} ms), {slow['errors']} errors.", "",
            f"Light p95 with the slow calls running / alone: **{r['ratio']:.2f}x** (bar: at most {BAR_RATIO:g}x, "
            f"no errors: {r['verdict']}).", ""]
    return "\n".join(out)


# -- the clients ------------------------------------------------------------------------------------------
@dataclass
class Calls:
    """What the threads of one phase record: latencies by endpoint, errors as text."""
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, ms: float) -> None:
        with self.lock:
            self.latencies.setdefault(name, []).append(ms)

    def fail(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)

    def all_ms(self, names) -> list[float]:
        return [ms for name in names for ms in self.latencies.get(name, [])]


def light_calls() -> dict[str, Callable]:
    """The light endpoints with the page's default settings, each a function of (client, i)."""
    from gradio_client import handle_file  # noqa: PLC0415

    examples = [str(p) for p in sorted((ROOT / "examples" / DATASET).glob("*.png"))]  # ui.components.example_paths
    classes = ["T-shirt/top", "Trouser", "Bag", "Sneaker"]
    return {
        "/sample": lambda c, i: c.predict(i, 16, 1.0, DATASET, api_name="/sample"),
        "/reconstruct": lambda c, i: c.predict(handle_file(examples[i % len(examples)]), 0.0, DATASET,
                                               api_name="/reconstruct"),
        "/sample_conditional": lambda c, i: c.predict(classes[i % len(classes)], 16, i, DATASET,
                                                      api_name="/sample_conditional"),
        "/class_grid": lambda c, i: c.predict(i, 4, DATASET, api_name="/class_grid"),
    }


TEXT_PROMPTS = ["a photo of a dark sneaker", "a photo of a bag", "a dark dress", "large footwear"]


def text_call(images: int, steps: int) -> Callable:
    return lambda c, i: c.predict(TEXT_PROMPTS[i % len(TEXT_PROMPTS)], images, i, steps, 3.0, DATASET,
                                  api_name="/text_to_image")


def live_call(steps: int) -> Callable:
    return lambda c, i: c.predict(mode="2d", dataset=("ring", "grid", "spiral", "moons")[i % 4], preset="balanced",
                                  steps=steps, seed=i, api_name="/train")


def loop(client, k: int, calls: dict[str, Callable], until: float, record: Calls, think: float,
         rng: random.Random) -> None:
    """Client ``k`` calls ``calls`` in turn (starting at its own offset) until ``until``; a call that starts before
    ``until`` is recorded when it ends, however late."""
    names, j = list(calls), 0
    while time.monotonic() < until:
        name = names[(k + j) % len(names)]
        start = time.perf_counter()
        try:
            calls[name](client, 1000 * k + j)
            record.add(name, (time.perf_counter() - start) * 1000)
        except Exception as err:  # noqa: BLE001 - every failure is counted and reported
            record.fail(f"client {k} call {j} {name}: {type(err).__name__}: {str(err)[:200]}")
        j += 1
        if think:
            time.sleep(rng.uniform(0.5, 1.5) * think)  # students do not all click in step


# -- the server -------------------------------------------------------------------------------------------
def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line in /proc/<pid>/status")


def start_server() -> tuple[subprocess.Popen, str]:
    """``python app.py --port N`` in its own session, as the load test starts it; its process and URL once it answers."""
    import httpx  # noqa: PLC0415
    from bench_report import free_port  # noqa: PLC0415

    port = free_port()
    env = {**os.environ, "GAN_DEMO_SKIP_OPENING_EXAMPLES": "1", "MALLOC_ARENA_MAX": "2"}
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url, deadline = f"http://127.0.0.1:{port}/", time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app.py exited with status {proc.returncode} before serving")
        try:
            httpx.get(url, timeout=2)
            return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise TimeoutError("app.py did not answer within 300 s")


def new_client(url: str):
    from gradio_client import Client  # noqa: PLC0415

    # download_files=False: the answer's picture addresses, not the pictures (a browser fetches them from its own
    # machine; here they would only take CPU from the server under test). Uploads wait up to 120 s, not httpx's 5.
    return Client(url, verbose=False, analytics_enabled=False, download_files=False, httpx_kwargs={"timeout": 120})


# -- a run ------------------------------------------------------------------------------------------------
def phase(pool: ThreadPoolExecutor, students: list, slow: list[tuple], seconds: float, think: float, pid: int,
          lead: float = 2.0) -> dict:
    """Students loop the light calls for ``seconds``; ``slow`` (client, calls) pairs loop theirs from ``lead``
    seconds before until the students' last call ends. Returns the phase's records and the server's RSS, sampled
    every ``RSS_EVERY`` seconds from start to end."""
    light, heavy = Calls(), Calls()
    stop_slow = [time.monotonic() + 3600]  # moved to now once the students are done
    slow_futures = [pool.submit(loop_until, c, 100 + k, calls, stop_slow, heavy) for k, (c, calls) in enumerate(slow)]
    if slow:
        time.sleep(lead)  # the slow calls are running when the window opens
    rss, done = [rss_bytes(pid)], threading.Event()

    def sample_rss() -> None:
        while not done.wait(RSS_EVERY):
            rss.append(rss_bytes(pid))

    sampler = threading.Thread(target=sample_rss, daemon=True)
    sampler.start()
    until = time.monotonic() + seconds
    calls = light_calls()
    futures = [pool.submit(loop, c, k, calls, until, light, think, random.Random(k)) for k, c in enumerate(students)]
    for f in futures:
        f.result()
    done.set()
    sampler.join()
    rss.append(rss_bytes(pid))
    stop_slow[0] = time.monotonic()
    for f in slow_futures:
        f.result()
    return {"light": light, "slow": heavy, "rss": rss}


def loop_until(client, k: int, calls: dict[str, Callable], stop: list[float], record: Calls) -> None:
    """Like :func:`loop`, with no pause, until ``stop[0]`` (which the caller may move)."""
    names, j = list(calls), 0
    while time.monotonic() < stop[0]:
        name = names[j % len(names)]
        start = time.perf_counter()
        try:
            calls[name](client, 1000 * k + j)
            record.add(name, (time.perf_counter() - start) * 1000)
        except Exception as err:  # noqa: BLE001
            record.fail(f"slow client {k} call {j} {name}: {type(err).__name__}: {str(err)[:200]}")
        j += 1


def phase_result(p: dict, light_names: list[str]) -> dict:
    light: Calls = p["light"]
    out = {"light": summary(light.all_ms(light_names), len(light.errors), p["rss"]),
           "rss_trace_mib": [round(b / 2**20) for b in p["rss"]],
           "light_by_endpoint": {name: summary(light.latencies.get(name, []), 0, p["rss"])
                                 for name in light_names},
           "errors": (light.errors + p["slow"].errors)[:10]}
    slow: Calls = p["slow"]
    if slow.latencies or slow.errors:
        text, live = slow.latencies.get("/text_to_image", []), slow.latencies.get("/train", [])
        out["slow"] = {"text_calls": len(text), "text_p50_ms": round(percentile(text, 50)), "live_runs": len(live),
                       "live_p50_ms": round(percentile(live, 50)), "errors": len(slow.errors)}
    return out


def measure(url: str, pid: int, s: dict) -> dict:
    """Warm-up, then phase (a) light only and phase (b) with the slow calls, on one server."""
    with ThreadPoolExecutor(8) as pool:  # each reads the page's config (0.7 MB): a few at a time
        clients = list(pool.map(lambda _: new_client(url), range(s["clients"] + s["text_clients"] + s["live_clients"])))
    students, texts = clients[:s["clients"]], clients[s["clients"]:s["clients"] + s["text_clients"]]
    lives = clients[s["clients"] + s["text_clients"]:]
    text = {"/text_to_image": text_call(s["text_images"], s["text_steps"])}
    live = {"/train": live_call(s["live_steps"])}
    workers = len(students) + len(texts) + len(lives)
    try:
        with ThreadPoolExecutor(workers) as pool:
            print("warm-up: every model loaded, every call once", flush=True)
            warm = Calls()
            calls = light_calls()
            work = [(name, calls[name], c) for c in students for name in calls]
            work += [("/text_to_image", text["/text_to_image"], c) for c in texts]
            work += [("/train", live_call(30), c) for c in lives]
            jobs = [pool.submit(call, c, 0) for _, call, c in work]
            retried = []
            for (name, call, c), job in zip(work, jobs):
                try:
                    job.result()
                except Exception as first:  # noqa: BLE001 - once more, alone: the warm-up is not measured
                    retried.append(f"{name}: {type(first).__name__}: {first}")
                    try:
                        call(c, 1)
                    except Exception as err:  # noqa: BLE001
                        warm.fail(f"warm-up {name}: {type(err).__name__}: {err} (first try: {retried[-1]})")
            if retried:
                print(f"warm-up: {len(retried)} calls needed a second try: {retried}", flush=True)
            if warm.errors:
                raise RuntimeError(f"{len(warm.errors)} warm-up calls failed, first: {warm.errors[0]}")
            print(f"(a) light only: {s['clients']} clients, {s['seconds']:g} s", flush=True)
            alone = phase(pool, students, [], s["seconds"], s["think_s"], pid)
            print(f"(b) with the slow calls: + {len(texts)} text-to-image, {len(lives)} live", flush=True)
            slow = [(c, text) for c in texts] + [(c, live) for c in lives]
            busy = phase(pool, students, slow, s["seconds"], s["think_s"], pid)
    finally:
        for c in students + texts + lives:
            c.close()
    names = list(light_calls())
    return {"warm_up_retries": retried, "phases": [{"name": "light only", **phase_result(alone, names)},
                       {"name": "with the slow calls", **phase_result(busy, names)}]}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick", help="4 clients, 2 x 10 s (default)")
    mode.add_argument("--full", action="store_const", dest="mode", const="full", help="30 clients, 2 x 60 s")
    p.add_argument("--clients", type=int, help="students looping the light calls (default: the mode's)")
    p.add_argument("--seconds", type=float, help="length of each phase (default: the mode's)")
    p.add_argument("--think", type=float, default=1.0, help="mean pause after each light answer, s (default 1)")
    p.add_argument("--text-clients", type=int, default=3, help="clients looping /text_to_image in phase (b)")
    p.add_argument("--live-clients", type=int, default=1, help="clients looping live runs in phase (b)")
    p.add_argument("--out-dir", type=Path, help="default: benchmarks/ (--full) or artifacts/benchmarks/ (--quick)")
    args = p.parse_args(argv)
    args.mode = args.mode or "quick"
    return args


SERVER_SETTINGS = {"GAN_DEMO_SLOW_THREADS": "1", "GAN_DEMO_LIVE_THREADS": "1", "GAN_DEMO_TRAIN_CONCURRENCY": "1",
                   "GRADIO_DEFAULT_CONCURRENCY_LIMIT": "3"}  # the light events' slots (ui.concurrency.light_slots)


def server_settings() -> dict[str, str]:
    """The app's queue and thread settings the server inherits from this environment (its defaults otherwise)."""
    return {name: os.getenv(name, default) for name, default in SERVER_SETTINGS.items()}


def command(args: argparse.Namespace) -> str:
    """The command that makes this result again (without ``--out-dir``, a path of this machine)."""
    given = {"--clients": args.clients, "--seconds": args.seconds, "--think": args.think if args.think != 1.0 else None,
             "--text-clients": args.text_clients if args.text_clients != 3 else None,
             "--live-clients": args.live_clients if args.live_clients != 1 else None}
    extra = "".join(f" {flag} {value:g}" for flag, value in given.items() if value is not None)
    env = "".join(f"{k}={v} " for k, v in server_settings().items() if v != SERVER_SETTINGS[k])
    return f"{env}python scripts/benchmark.py --suite classroom --{args.mode}{extra}"


def main(argv=None) -> None:
    import gradio  # noqa: PLC0415
    from bench_report import header, write  # noqa: PLC0415

    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    s = {**MODES[args.mode], "think_s": args.think, "text_clients": args.text_clients,
         "live_clients": args.live_clients, "text_images": 4, "text_steps": 10, "live_steps": 300,
         "light": list(light_calls())}
    s["server"] = server_settings()
    s["clients"] = args.clients or s["clients"]
    s["seconds"] = args.seconds or s["seconds"]
    result = header("benchmark.py --suite classroom", args.mode, gradio=gradio.__version__)
    result["command"] = command(args)
    result["settings"] = s
    proc, url = start_server()
    try:
        result.update(measure(url, proc.pid, s))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    result["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    result["ratio"] = ratio(result["phases"][1]["light"], result["phases"][0]["light"])
    result["verdict"] = verdict(result)
    for p in result["phases"]:
        for error in p["errors"]:
            print("  error:", error)
    write(args, "classroom", result, markdown, (BLOCK_START, BLOCK_END), "classroom")


if __name__ == "__main__":
    main()
