"""Load: many clients at once get correct answers and no memory leaks; training sessions stay separate.

Everything runs against the shared app on 127.0.0.1, with bounded loops and timeouts.
"""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from gradio_client import Client, handle_file
from gradio_client.utils import Status
from PIL import Image

from servers import app_process, rss_bytes
from ui.components import example_paths

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.perf]

CLIENTS, REQUESTS = 16, 25
EXAMPLES = {ds: [str(p) for p in example_paths(ds)] for ds in ("fashion", "mnist")}
CLASSES = {"fashion": ["Trouser", "Bag", "Sneaker"], "mnist": ["1", "4", "7"]}


def png_size(path) -> tuple[int, int]:
    image = Image.open(path)
    assert image.format == "PNG", path
    return image.size


# -- one request of each kind, with a check of its answer's type and shape ----------------------------------
def sample(client, i: int, ds: str) -> None:
    n = 1 + i % 4
    gallery, summary = client.predict(i, n, 1.0, ds, api_name="/sample")
    assert len(gallery) == n and "classifier" in summary
    assert all(png_size(item["image"]) == (112, 112) for item in gallery)


def sample_conditional(client, i: int, ds: str) -> None:
    n = 1 + i % 3
    gallery, agreement = client.predict(CLASSES[ds][i % 3], n, i, ds, api_name="/sample_conditional")
    assert len(gallery) == n and f"of {n}" in agreement


def class_grid(client, i: int, ds: str) -> None:
    rows = 1 + i % 2
    width, height = png_size(client.predict(i, rows, ds, api_name="/class_grid"))
    assert width > 10 * 28 * 2 and height > rows * 28 * 2


def reconstruct(client, i: int, ds: str) -> None:
    comparison, scores = client.predict(handle_file(EXAMPLES[ds][i % 20]), 0.0, ds, api_name="/reconstruct")
    assert png_size(comparison)[0] > 3 * 28 * 4 and "PSNR" in scores


def interpolate_gan(client, i: int, ds: str) -> None:
    strip, gif, _ = client.predict(i, i + 1, 3, 1.0, ds, api_name="/interpolate_gan")
    assert png_size(strip)[0] > 3 * 28 * 3 and Image.open(gif).format == "GIF"


def nearest(client, i: int, ds: str) -> None:
    gallery, text = client.predict(i, 4, i % 4, 1.0, ds, api_name="/nearest")
    assert len(gallery) == 9 and gallery[0]["caption"].startswith(f"sample #{i % 4} ") and "distance" in text


def interpolate_classes(client, i: int, ds: str) -> None:
    a, b = CLASSES[ds][i % 3], CLASSES[ds][(i + 1) % 3]
    strip, gif, _ = client.predict(a, b, i, 3, ds, api_name="/interpolate_classes")
    assert png_size(strip)[0] > 3 * 28 * 3 and Image.open(gif).format == "GIF"


PROMPTS = {"fashion": ["a photo of a bag", "large footwear", "a dark dress"], "mnist": ["a 7", "an odd number", "a small 2"]}


def text_to_image(client, i: int, ds: str) -> None:  # small: the diffusion actions share one queue slot
    n = 1 + i % 2
    gallery, *_, status = client.predict(PROMPTS[ds][i % 3], n, i, 4, 3.0, ds, api_name="/text_to_image")
    assert len(gallery) == n and f"{n} images" in status


def clip_scores(client, i: int, ds: str) -> None:
    result = client.predict(handle_file(EXAMPLES[ds][i % 20]), "\n".join(PROMPTS[ds]), ds, api_name="/clip_scores")
    assert {c["label"] for c in result["confidences"]} == set(PROMPTS[ds])


REQUEST_KINDS = [sample, sample_conditional, class_grid, reconstruct, interpolate_gan, nearest, interpolate_classes,
                 text_to_image, clip_scores]


def new_client(url: str, folder: Path) -> Client:
    # a patient client: gradio_client uploads with httpx's 5 s default timeout, shorter than a busy 2-core queue
    return Client(url, verbose=False, analytics_enabled=False, download_files=str(folder), httpx_kwargs={"timeout": 120})


def run_client(client: Client, k: int, requests: int) -> list[str]:
    """``requests`` mixed requests in a fixed order; returns the failures as text (an empty list is success)."""
    failures = []
    for j in range(requests):
        kind, ds = REQUEST_KINDS[(k + j) % len(REQUEST_KINDS)], ("fashion", "mnist")[(k + j // 7) % 2]
        try:
            kind(client, 100 * k + j, ds)
        except Exception as err:  # noqa: BLE001 - every failure is collected and reported
            failures.append(f"client {k} request {j} {kind.__name__}({ds}): {type(err).__name__}: {err}")
    return failures


def hammer(clients: list[Client], requests: int) -> list[str]:
    with ThreadPoolExecutor(len(clients)) as pool:
        results = pool.map(lambda kc: run_client(kc[1], kc[0], requests), enumerate(clients))
        return [failure for failures in results for failure in failures]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """The app in its own process, so its memory is the server's alone (not the 16 clients').

    With glibc's default of up to 8 malloc arenas per core, 16 concurrent request threads kept adding arenas
    after the warm-up: on a busy 2-core machine RSS grew 11-14% (before and after this session's changes
    alike) with no object growing. Two arenas keep what the test measures to what the app holds on to."""
    env = {"MALLOC_ARENA_MAX": "2"}
    with app_process(env=env, log=tmp_path_factory.mktemp("load") / "app.log") as (url, pid):
        yield url, pid


def test_16_clients_x_25_mixed_requests_no_errors_no_leak(own_server, tmp_path):
    url, pid = own_server
    clients = [new_client(url, tmp_path / f"c{k}") for k in range(CLIENTS)]
    try:
        # Warm-up: load every model, build the latent maps and nearest-neighbour indexes, grow the
        # allocator's per-thread arenas; only growth after this would be a leak.
        assert hammer(clients, len(REQUEST_KINDS) * 2) == []
        before = rss_bytes(pid)
        started = time.monotonic()
        failures = hammer(clients, REQUESTS)
        elapsed = time.monotonic() - started
        after = rss_bytes(pid)
    finally:
        for client in clients:
            client.close()
    assert failures == [], f"{len(failures)} of {CLIENTS * REQUESTS} failed, first: {failures[:3]}"
    growth = after / before - 1
    print(f"{CLIENTS * REQUESTS} requests in {elapsed:.0f} s; RSS {before / 2**20:.0f} -> {after / 2**20:.0f} MiB")
    assert growth < 0.10, f"memory grew by {growth:.0%} ({before / 2**20:.0f} -> {after / 2**20:.0f} MiB)"


# -- training sessions ------------------------------------------------------------------------------------
def train_args(dataset: str, steps: int, hidden: int) -> dict:
    return dict(mode="2d", dataset=dataset, preset="balanced", steps=steps, seed=hidden, hidden=hidden, batch_size=64)


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(0.2)


def check_own_run(result, steps: int, hidden: int) -> None:
    """The final yield of a run: its own step count in the status, CSV and exported generator config."""
    status, _, _, _, _, _, csv, files, _, _ = result
    assert f"Finished {steps} steps" in status, status
    assert len(pd.read_csv(csv)) == steps
    config = json.loads(Path(next(f for f in files if f.endswith("config.json"))).read_text())
    assert config["hidden"] == hidden


def test_three_sessions_at_once_with_a_cancellation(app_server, client, tmp_path):
    """A long run is cancelled mid-run while two short ones wait their turn; each session keeps its own run."""
    a, b, c = (new_client(app_server[0], tmp_path / name) for name in "abc")
    try:
        long_run = b.submit(**train_args("moons", 5000, 16), api_name="/train")
        wait_for(lambda: len(long_run.outputs()) >= 2, 120, "the long run's first frames")
        short = {a: (24, a.submit(**train_args("ring", 40, 24), api_name="/train")),
                 c: (40, c.submit(**train_args("spiral", 30, 40), api_name="/train"))}
        started = time.monotonic()
        gallery, _ = client.predict(5, 4, 1.0, "fashion", api_name="/sample")  # sampling answers meanwhile
        assert len(gallery) == 4 and not long_run.done() and time.monotonic() - started < 60
        assert long_run.cancel()
        wait_for(lambda: long_run.status().code == Status.CANCELLED, 10, "the cancellation")
        assert "Finished" not in long_run.outputs()[-1][0]
        steps = {a: 40, c: 30}
        for session, (hidden, job) in short.items():
            check_own_run(job.result(timeout=240), steps[session], hidden)
        for session, (hidden, _) in short.items():  # Continue resumes this session's run, nobody else's
            check_own_run(session.predict(10, api_name="/continue_training"), steps[session] + 10, hidden)
    finally:
        for session in (a, b, c):
            session.close()
