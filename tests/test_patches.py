"""ui.patches: Gradio's picture cache never rewrites a file a response may be streaming; an idle app stays idle."""
from __future__ import annotations

import os
import statistics
import threading
import time
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from gradio import processing_utils
from gradio_client import utils as client_utils
from PIL import Image

from servers import app_process, server_process
from ui import patches

GRADIOS_OWN = processing_utils.save_pil_to_cache  # collected before any test launches the app (which installs ours)
assert GRADIOS_OWN is not patches.save_pil_to_cache, "importing ui.patches must not patch Gradio"


def cache_target(array: np.ndarray, cache_dir, format: str = "png"):
    data = processing_utils.encode_pil_to_bytes(Image.fromarray(array), format)
    return cache_dir / processing_utils.hash_bytes(data) / f"image.{format}"


def test_an_existing_picture_is_left_alone_and_a_new_one_is_whole(tmp_path):
    image = Image.new("L", (28, 28), 7)
    path = patches.save_pil_to_cache(image, str(tmp_path), format="png")
    inode = os.stat(path).st_ino
    assert patches.save_pil_to_cache(image, str(tmp_path), format="png") == path
    assert os.stat(path).st_ino == inode  # not rewritten, so never truncated under a reader
    assert Image.open(path).getpixel((3, 3)) == 7 and not list(tmp_path.rglob("*.tmp"))


def test_after_install_gradio_components_leave_cached_pictures_alone(tmp_path, monkeypatch):
    """Through Gradio's own output path (gr.Image.postprocess): without the patch the file is rewritten."""
    monkeypatch.setattr(processing_utils, "save_pil_to_cache", GRADIOS_OWN)  # whatever an earlier test installed
    array = np.arange(28 * 28, dtype=np.uint8).reshape(28, 28)
    target = cache_target(array, tmp_path)
    component = gr.Image(format="png")
    component.GRADIO_CACHE = str(tmp_path)

    component.postprocess(array)
    target.write_bytes(b"")  # stands in for a file another response is streaming
    component.postprocess(array)
    assert target.stat().st_size > 0  # Gradio's own writer rewrote it: a streaming reader would be cut short

    patches.install_atomic_cache()
    target.write_bytes(b"")
    inode = os.stat(target).st_ino
    component.postprocess(array)
    assert os.stat(target).st_ino == inode and target.stat().st_size == 0  # now routed through ours: left alone


def test_concurrent_writers_never_expose_a_partial_picture(tmp_path):
    """Eight threads write the same new picture while a reader keeps reading it: every read is whole."""
    image = Image.fromarray(np.random.default_rng(0).integers(0, 256, (280, 280), dtype=np.uint8))
    size = len(processing_utils.encode_pil_to_bytes(image, "png"))
    target = cache_target(np.asarray(image), tmp_path)
    done, short_reads = threading.Event(), []

    def read():
        while not done.is_set():
            if target.exists():
                n = len(target.read_bytes())
                if n != size:
                    short_reads.append(n)

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=patches.save_pil_to_cache, args=(image, str(tmp_path), "image", "png"))
               for _ in range(8)]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    done.set()
    reader.join()
    assert short_reads == [] and target.stat().st_size == size


def process_cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_the_launched_app_has_both_patches(app_server):
    import app  # noqa: PLC0415 - the shared app_server has launched it

    assert app.demo._queue.sleep_when_free == patches.EVENT_POLL_SECONDS
    assert app.demo._queue.progress_update_sleep_when_free == patches.PROGRESS_POLL_SECONDS
    assert processing_utils.save_pil_to_cache is patches.save_pil_to_cache


def test_importing_the_patches_changes_nothing():
    """Only the explicit install() call patches Gradio: importing ui.patches alone must not."""
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    code = ("from gradio import processing_utils as p; original = p.save_pil_to_cache; import ui.patches; "
            "assert p.save_pil_to_cache is original")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_install_never_polls_faster_than_gradio():
    with gr.Blocks() as demo:
        gr.Markdown("x")
    demo._queue.sleep_when_free = 0.5
    patches.install_calm_queue(demo)
    assert demo._queue.sleep_when_free == 0.5 and demo._queue.progress_update_sleep_when_free >= 0.05


def idle_shares(pids: list[int], windows: int = 10) -> list[list[float]]:
    """Each process's CPU share (of one core) in the same one-second windows, measured side by side."""
    shares = [[] for _ in pids]
    last, then = [process_cpu_seconds(p) for p in pids], time.monotonic()
    for _ in range(windows):
        time.sleep(1)
        now, t = [process_cpu_seconds(p) for p in pids], time.monotonic()
        for share, a, b in zip(shares, last, now, strict=True):
            share.append((b - a) / (t - then))
        last, then = now, t
    return shares


@pytest.mark.perf
def test_an_idle_app_uses_less_cpu_than_plain_gradio():
    """With Gradio's 1 ms poll a one-component app idled at 6-8% of a core here; ours, with the 10 ms poll,
    at 2% (the queue's poll is all it does when idle: a plain app with our poll idles at the same 2%). Both
    run at once and are compared window by window (the median of ten one-second windows), so the machine's
    other load, or one busy second in either, does not decide the result."""
    with server_process(["tests/plain_gradio.py"]) as (_, plain), app_process() as (_, ours):
        time.sleep(2)  # let start-up work settle
        plain_shares, our_shares = idle_shares([plain, ours])
    plain_idle, our_idle = statistics.median(plain_shares), statistics.median(our_shares)
    assert plain_idle >= 0.02, f"plain Gradio idled at {plain_idle:.1%} of a core: too little to compare against"
    assert our_idle <= plain_idle / 2, f"the idle app used {our_idle:.1%} of a core, plain Gradio {plain_idle:.1%}"


def test_the_opening_examples_outlive_gradios_cache_sweep(app_server, tmp_path):
    """The app deletes cached files after an hour (``delete_cache``); the opening examples, computed once at
    start-up, must survive it or every later visitor would see broken pictures. Gradio's own sweep runs here
    over exactly those files, with no age limit."""
    from types import SimpleNamespace  # noqa: PLC0415

    from gradio.route_utils import delete_files_created_by_app  # noqa: PLC0415

    import app  # noqa: PLC0415 - the shared app_server has launched it

    files = set()  # every file in a component's starting value, found as Gradio finds them
    for block in app.demo.blocks.values():
        client_utils.traverse(getattr(block, "value", None), lambda f: files.add(f["path"]), client_utils.is_file_obj)
    files = sorted(files)
    assert len(files) > 50, files  # galleries of 16 and 8, the pictures of every tab
    control = tmp_path / "copy.png"  # the same picture, but not one the page holds: the sweep must take it
    control.write_bytes(Path(files[0]).read_bytes())
    delete_files_created_by_app(SimpleNamespace(blocks=app.demo.blocks, temp_file_sets=[{*files, str(control)}]), None)
    assert [f for f in files if not os.path.exists(f)] == []
    assert not control.exists()
