"""Faults: a diverging run, a client that vanishes mid-run, broken weights at start. Each gets a clear
message (or is cleaned up) and the server keeps serving everything else."""
from __future__ import annotations

import shutil
import time

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from gan_demo.hub import weights_dir
from servers import app_process
from ui.components import example_paths

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
MNIST_EXAMPLE = str(example_paths("mnist")[0])


def test_a_diverging_run_ends_with_a_message(client):
    result = client.predict(mode="2d", dataset="ring", preset="diverging-lr", steps=300, seed=0, hidden=32,
                            batch_size=64, api_name="/train")
    status = result[0]
    assert "diverged" in status and "lr_d=1" in status and "adam" in status, status
    gallery, _ = client.predict(1, 2, 1.0, "mnist", api_name="/sample")
    assert len(gallery) == 2


def start_and_vanish(url: str, frames: int = 2) -> None:
    """Start the heaviest 2-D run (10 D steps of 1024 points per G step, 5,000 steps: minutes) over the plain
    HTTP API, read a few frames, hang up."""
    data = ('{"data": ["2d", "ring", "custom", 10, "non-saturating", "adam", 0.001, 0.001, 1024, 2, 512, 5000, 0, '
            '"mlp", "default"]}')
    base = url.rstrip("/") + "/gradio_api/call/train"
    event_id = httpx.post(base, content=data, headers={"content-type": "application/json"}, timeout=30).json()["event_id"]
    seen = 0
    with httpx.stream("GET", f"{base}/{event_id}", timeout=120) as response:
        for line in response.iter_lines():
            seen += line.startswith("event: generating")
            if seen >= frames:
                break  # leaving the block closes the connection mid-run


def test_a_client_that_disconnects_mid_run_frees_the_training_slot(app_server, tmp_path):
    """Training runs one at a time. The abandoned run must stop when its client goes away, or the next person
    would wait minutes for it."""
    start_and_vanish(app_server[0])
    started = time.monotonic()
    other = Client(app_server[0], verbose=False, analytics_enabled=False, download_files=str(tmp_path))
    try:
        status = other.submit(mode="2d", dataset="ring", preset="balanced", steps=10, seed=0, hidden=16,
                              batch_size=32, api_name="/train").result(timeout=120)[0]
    finally:
        other.close()
    assert "Finished 10 steps" in status
    assert time.monotonic() - started < 90, "the next run waited for the abandoned one"


@pytest.fixture(scope="module")
def broken_weights(tmp_path_factory):
    """A copy of the weights with gan-mnist truncated and cgan-fashion's weights file deleted."""
    folder = shutil.copytree(weights_dir(), tmp_path_factory.mktemp("weights") / "weights")
    data = (folder / "gan-mnist" / "model.safetensors").read_bytes()
    (folder / "gan-mnist" / "model.safetensors").write_bytes(data[: len(data) // 3])
    (folder / "cgan-fashion" / "model.safetensors").unlink()
    return folder


def opening_values(url: str) -> dict:
    """The starting value of every component with an elem_id, as the page's config gives it to the browser."""
    components = httpx.get(url.rstrip("/") + "/config", timeout=30).json()["components"]
    return {c["props"]["elem_id"]: c["props"].get("value") for c in components if c.get("props", {}).get("elem_id")}


def test_broken_weights_at_start_fail_clearly_and_the_rest_serves(broken_weights, tmp_path):
    """With the opening examples: cgan-fashion's fail as the page is built, and the app must start anyway."""
    with app_process({"GAN_DEMO_WEIGHTS_DIR": str(broken_weights)}, log=tmp_path / "app.log",
                     opening_examples=True) as (url, _):
        shown = opening_values(url)
        assert not shown["cgan-gallery"] and shown["gan-gallery"]  # that model's examples empty, the others there
        client = Client(url, verbose=False, analytics_enabled=False, download_files=str(tmp_path))
        try:
            for _ in range(2):  # the same clear answer every time: a failed load is not cached
                with pytest.raises(AppError, match=r"gan-mnist model cannot be loaded: .*model\.safetensors is corrupted"):
                    client.predict(1, 2, 1.0, "mnist", api_name="/sample")
                with pytest.raises(AppError, match=r"cgan-fashion model .*missing weights file .*model\.safetensors") as err:
                    client.predict("Bag", 2, 0, "fashion", api_name="/sample_conditional")
                # the answer names the model folder and file, not where the server keeps them
                assert str(broken_weights.parent) not in str(err.value) and "cgan-fashion/model.safetensors" in str(err.value)
            assert len(client.predict(1, 2, 1.0, "fashion", api_name="/sample")[0]) == 2
            assert len(client.predict("7", 2, 0, "mnist", api_name="/sample_conditional")[0]) == 2
            assert "PSNR" in client.predict(handle_file(MNIST_EXAMPLE), 0.0, "mnist", api_name="/reconstruct")[1]
        finally:
            client.close()
