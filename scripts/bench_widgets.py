"""The instant widgets, measured: input event to painted frame in headless Chromium, per widget; the bytes each
widget's value takes; and what preparing the frames costs the server, against the same handler without it.

    python scripts/bench_widgets.py                 # 60 events per widget, 3 repeats of each handler
    python scripts/bench_widgets.py --events 200 --json artifacts/benchmarks/widgets.json
    python scripts/bench_widgets.py --page-only      # only the page's first load, in bytes (a few minutes)

1. Latency: the real app in this process, Debian's Chromium driven by Playwright. Each widget is filled by its
   button (the explorers by opening their accordion), then driven by real input: arrow keys on a scrubber's range
   input, pointer moves over an explorer's map. A scrubber's key is timed by the browser (Event Timing: from the
   key's timestamp to the paint after its handlers); a pointer move by a listener on the page, from the event's
   timestamp to the task after the next paint (requestAnimationFrame, then a task: the frame has been drawn, its
   picture decoded during the paint if it was not already), which scrubbers report too (task_*; see LISTEN for why
   it is not their measure); median and p95 per widget. The requests the page sends meanwhile are counted (they
   must be none).
2. Bytes: the length of each widget's value (a JSON string) for the page's default inputs.
3. Server cost: each handler as the page calls it, with its frames, against the same handler with the frame
   preparation replaced by a stub that returns nothing, run alternately (median of --repeats each). The live
   replay is made once at the end of a run: its cost is set against the run (300 steps, the page's 2-D settings).
4. The page's first load: the config (GET /config, the JSON the page's HTML also carries inline) and the HTML page
   of the app launched with its own settings, opening examples computed, in bytes and gzipped (the widgets filled on
   demand must not be in it: the explorers, the What came next scrubbers).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
# page.evaluate: time from each input event on the widget to the next paint, into window.latencies (rAF, then a task)
# and, for a scrubber's keys, the browser's own Event Timing entries into window.timed. Why both: while synthetic keys
# arrive back to back, Chrome's scheduler runs input and frames first and holds the page's ordinary tasks back (in
# the full page, not in a page of one widget), so the task after the rAF ran up to 300 ms late although the frame had
# been painted within 16 to 32 ms (a trace: the 0 ms timers of a 30-key burst all fired together when the keys stopped).
# Event Timing measures from the key's timestamp to the paint after its handlers, rounded to 8 ms; it reports events
# of 16 ms or more only (the smallest threshold allowed), so a key it does not report took under 16 ms.
LISTEN = """([id, kind]) => {
  window.latencies = [];
  window.timed = [];
  window.since = Infinity;
  const host = document.getElementById(id);
  const target = host.querySelector(kind === 'explorer' ? '.explorer-map' : 'input[type=range]');
  target.addEventListener(kind === 'explorer' ? 'pointermove' : 'input', event => {
    requestAnimationFrame(() => setTimeout(() => window.latencies.push(performance.now() - event.timeStamp), 0));
  });
  if (window.timing) window.timing.disconnect();
  window.timing = new PerformanceObserver(list => { for (const e of list.getEntries())
    if (e.name === 'keydown' && e.target === target && e.startTime >= window.since) window.timed.push(e.duration); });
  window.timing.observe({type: 'event', durationThreshold: 16});
}"""
UNDER_THRESHOLD_MS = 8  # a key Event Timing did not report (under 16 ms), counted as 8 ms in the median and p95
# (elem_id, kind, the tab, what to click to fill it: a button, or an explorer's accordion)
WIDGETS = [
    ("ae-walk-scrub", "scrubber", "Autoencoder", "#ae-interpolate"),
    ("ae-explorer", "explorer", "Autoencoder", "#ae-explorer-accordion .label-wrap"),
    ("vae-explorer", "explorer", "Autoencoder", "#vae-explorer-accordion .label-wrap"),
    ("gan-walk-scrub", "scrubber", "GAN", "#gan-interpolate"),
    ("cgan-walk-scrub", "scrubber", "Conditional GAN", "#cgan-interpolate"),
    ("dalle-scrub", "scrubber", "What came next", "#dalle-run"),
    ("dalle-sweep-scrub", "scrubber", "What came next", "#dalle-sweep"),
    ("dalle-variations-scrub", "scrubber", "What came next", "#dalle-variations"),
    ("live-replay", "scrubber", "Live training", "#live-start"),
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


WARMUP = 10  # events first sent and not counted: the page's first swaps after a fill include its settling


def drive(page, elem_id: str, kind: str, events: int) -> tuple[list[float], int, list[float] | None]:
    """``events`` inputs on the widget (after WARMUP more); their latencies (ms, rAF then a task), the requests sent
    meanwhile, and for a scrubber each key's Event Timing duration (ms; UNDER_THRESHOLD_MS for one under 16 ms)."""
    sent = []

    def note(request):
        sent.append(request.url)
    page.evaluate(LISTEN, [elem_id, kind])
    page.on("request", note)
    if kind == "scrubber":
        page.locator(f"#{elem_id}-range").focus()
        page.keyboard.press("Home")
        last = int(page.get_attribute(f"#{elem_id}-range", "max"))
        for i in range(events + WARMUP):
            if i == WARMUP:
                page.evaluate("window.since = performance.now()")
            page.keyboard.press("ArrowRight" if (i // max(last, 1)) % 2 == 0 else "ArrowLeft")
    else:
        box = page.locator(f"#{elem_id} .explorer-picture").bounding_box()
        for i in range(events + WARMUP):  # across the map's middle band, a column at a time
            page.mouse.move(box["x"] + box["width"] * (0.15 + 0.55 * (i % 20) / 19),
                            box["y"] + box["height"] * (0.3 + 0.4 * ((i // 20) % 5) / 4))
    page.wait_for_timeout(600)  # the tasks held back during the burst, and the Event Timing entries, arrive
    latencies = page.evaluate("window.latencies")[WARMUP:]
    timed = page.evaluate("window.timed") if kind == "scrubber" else None
    if timed is not None:
        timed = timed + [UNDER_THRESHOLD_MS] * max(0, events - len(timed))
    page.remove_listener("request", note)
    return latencies, len(sent), timed


def latency(events: int, only: list[str] | None = None) -> dict:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    import app  # noqa: PLC0415 - building the page computes the opening examples

    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    ids = {w[0] for w in WIDGETS}
    opening = {b.elem_id: len(b.value or "") for b in app.demo.blocks.values() if getattr(b, "elem_id", None) in ids}
    results = {"page config bytes": len(json.dumps(app.demo.get_config_file(), default=str)), "opening widget bytes": opening}
    print(results, flush=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 1000})
            page.goto(url)
            page.wait_for_selector("button[role='tab']", timeout=60_000)
            for elem_id, kind, tab, button in WIDGETS:
                if only and elem_id not in only:
                    continue
                page.get_by_role("tab", name=tab, exact=True).click()
                attribute = "cell" if kind == "explorer" else "frame"
                if tab == "What came next":  # the opening example's frames, sent as the tab opens, have landed
                    page.wait_for_function("document.getElementById('dalle-scrub')?.dataset.frame !== undefined",
                                           timeout=180_000)
                if button:  # its value must change to be painted again: the frames of new inputs, data-frame unset
                    page.evaluate(f"document.getElementById('{elem_id}')?.removeAttribute('data-{attribute}')")  # a closed
                    # accordion's explorer is not on the page yet
                    if tab == "What came next":  # not the opening examples' seed
                        page.locator("#dalle-seed input").fill("7")
                    if elem_id == "live-replay":
                        page.locator("#live-steps input[type='number']").fill("300")
                        page.locator("#live-steps input[type='number']").press("Enter")
                    page.locator(button).click()
                page.wait_for_function(f"document.getElementById('{elem_id}')?.dataset.{attribute} !== undefined",
                                       timeout=180_000)
                page.locator(f"#{elem_id}").scroll_into_view_if_needed()
                page.wait_for_timeout(1500)  # the page's own requests after the fill (lazy pictures) are over
                values, sent, timed = drive(page, elem_id, kind, events)
                painted = timed if timed is not None else values  # a scrubber: the browser's own measure
                results[elem_id] = dict(events=len(values), median_ms=round(statistics.median(painted), 1),
                                        p95_ms=round(percentile(painted, 0.95), 1), requests=sent)
                if timed is not None:  # the rAF-then-task measure beside it, late while the scheduler holds tasks
                    results[elem_id].update(task_median_ms=round(statistics.median(values), 1),
                                            task_p95_ms=round(percentile(values, 0.95), 1))
                print(f"{elem_id}: {results[elem_id]}", flush=True)
            browser.close()
    finally:
        app.demo.close()
    return results


def page_weight() -> dict:
    """The bytes a visitor's first load gets before any event: the config and the HTML (which carries it inline)."""
    import gzip  # noqa: PLC0415

    import httpx  # noqa: PLC0415

    import app  # noqa: PLC0415 - building the page computes the opening examples

    kwargs = {k: v for k, v in app.launch_kwargs().items() if k not in ("server_name", "server_port", "share")}
    _, url, _ = app.demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None,
                                **kwargs)
    try:
        config, page = httpx.get(url + "config", timeout=60).content, httpx.get(url, timeout=60).content
    finally:
        app.demo.close()
    out = dict(config_bytes=len(config), config_gzip_bytes=len(gzip.compress(config)), html_bytes=len(page),
               html_gzip_bytes=len(gzip.compress(page)))
    print(f"page: {out}", flush=True)
    return out


@contextmanager
def stubbed(module, name: str, stub):
    original = getattr(module, name)
    setattr(module, name, stub)
    try:
        yield
    finally:
        setattr(module, name, original)


class NoFrames:
    """DenoisingFrames that keeps nothing: the handler as it was before the scrubber."""

    def __init__(self, *args, **kwargs):
        pass

    def add(self, step) -> None:
        pass

    def value(self) -> None:
        return None


def timed(fn) -> float:
    start = time.perf_counter()
    result = fn()
    if hasattr(result, "__next__"):
        for _ in result:
            pass
    return time.perf_counter() - start


def server_cost(repeats: int) -> dict:
    """Each handler with its frames against the same handler with the frame preparation stubbed out."""
    from ui.components import example_paths  # noqa: PLC0415
    from ui.tabs import autoencoder as ae  # noqa: PLC0415
    from ui.tabs import cgan, gan  # noqa: PLC0415
    from ui.tabs.diffusion import handlers  # noqa: PLC0415

    ds = "fashion"
    paths = [str(p) for p in example_paths(ds)]
    cases = {
        "/interpolate_ae": (lambda: ae.interpolate_ae(paths[0], paths[14], 10, ds), ae, "walk_frames", lambda *a: ""),
        "/interpolate_gan": (lambda: gan.interpolate_gan(0, 1, 10, 1.0, ds), gan, "walk_frames", lambda *a: ""),
        "/interpolate_classes": (lambda: cgan.interpolate_classes("T-shirt/top", "Sneaker", 0, 10, ds), cgan,
                                 "walk_frames", lambda *a: ""),
        "/text_to_image": (lambda: handlers.text_to_image("a photo of a dark sneaker", 8, 0, 25, 3.0, ds), handlers,
                           "DenoisingFrames", NoFrames),
        "/guidance_sweep": (lambda: handlers.guidance_sweep("a photo of a dark sneaker", 6, 0, 25, ["0", "1", "3", "8"],
                                                            ds), handlers, "pack_frames", lambda *a, **k: ""),
        "/variations": (lambda: handlers.image_variations(paths[0], 8, 0, 25, 3.0, ds), handlers, "DenoisingFrames",
                        NoFrames),
    }
    results = {}
    for endpoint, (call, module, name, stub) in cases.items():
        timed(call)  # models loaded, caches warm
        with_frames, without = [], []
        for _ in range(repeats):
            with_frames.append(timed(call))
            with stubbed(module, name, stub):
                without.append(timed(call))
        value = call()
        value = value[-1] if isinstance(value, tuple) else value
        if hasattr(value, "__next__"):
            *_, value = value
        if isinstance(value, dict):
            value = value["frames"]
        a, b = statistics.median(with_frames), statistics.median(without)
        results[endpoint] = dict(with_s=round(a, 3), without_s=round(b, 3), ratio=round(a / b, 3), bytes=len(value))
        print(f"{endpoint}: {results[endpoint]}", flush=True)
    results.update(explorer_cost(ds))
    results["live replay"] = replay_cost()
    print(f"live replay: {results['live replay']}", flush=True)
    return results


def explorer_cost(ds: str) -> dict:
    """The explorers are made once per model and dataset: that first time (the map itself already drawn for the
    latent map pictures) and the later calls, beside the /latent_map handler the same input change runs."""
    from gan_demo import explore  # noqa: PLC0415
    from ui.components import example_paths  # noqa: PLC0415
    from ui.tabs import autoencoder as ae  # noqa: PLC0415
    from ui.widgets import explorer  # noqa: PLC0415

    path = str(example_paths(ds)[0])
    ae.latent_map(path, 0.0, ds)
    out = {}
    for name in ("autoencoder", "vae"):
        explorer.map_explorer(name, ds)
        explorer._packed.cache_clear()
        explore.manifold.cache_clear()
        explore.grid_neighbours.cache_clear()
        first = timed(lambda n=name: explorer.map_explorer(n, ds))
        again = timed(lambda n=name: explorer.map_explorer(n, ds))
        out[f"{name} explorer"] = dict(first_s=round(first, 3), again_s=round(again, 4),
                                       latent_map_s=round(timed(lambda: ae.latent_map(path, 0.0, ds)), 3),
                                       bytes=len(explorer.map_explorer(name, ds)))
        print(f"{name} explorer: {out[f'{name} explorer']}", flush=True)
    return out


def replay_cost() -> dict:
    from gan_demo import live  # noqa: PLC0415
    from ui.tabs.live.session import SessionRun  # noqa: PLC0415

    settings = live.make_settings("balanced", mode="2d", dataset="ring", steps=300, seed=0)
    run = SessionRun(settings=asdict(settings))
    start = time.perf_counter()
    for frame in live.stream(settings, None, threads=1):
        run.add(frame)
    run.export()
    trained = time.perf_counter() - start
    replay = timed(run.replay)
    return dict(run_s=round(trained, 3), replay_s=round(replay, 3), ratio=round((trained + replay) / trained, 3),
                bytes=len(run.replay()))


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--events", type=int, default=60, help="input events per widget")
    p.add_argument("--repeats", type=int, default=3, help="runs of each handler, with and without its frames")
    p.add_argument("--skip-browser", action="store_true", help="only the bytes and the server cost")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--widgets", nargs="+", help="only these widgets' latency (elem_ids)")
    p.add_argument("--skip-server", action="store_true", help="only the latency")
    p.add_argument("--page-only", action="store_true", help="only the page's first load, in bytes")
    args = p.parse_args(argv)
    results = {"load_average": os.getloadavg()[0], "cores": os.cpu_count(), "page": page_weight()}
    if args.page_only:
        print(json.dumps(results, indent=1))
        return
    if not args.skip_server:
        results["server"] = server_cost(args.repeats)
    if not args.skip_browser:
        results["latency"] = latency(args.events, args.widgets)
    results["load_average_after"] = os.getloadavg()[0]
    print(json.dumps(results, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
