"""The README's picture of the app: launch ``app.py`` on the shipped weights, open the GAN tab in headless
Chromium, press Generate for a seed, and save the page from its title down to the 16 new samples and the
classifier's summary as a PNG under 1 MB.

    python scripts/screenshot.py                 # docs/app.png
    python scripts/screenshot.py --out shot.png --seed 7 --dataset mnist

Needs Playwright and a Chromium (``make setup-test`` installs both; Debian's is at /usr/bin/chromium). Without a
colour emoji font (Debian: fonts-noto-color-emoji) the dice on the New seed button is drawn as a box.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 1_000_000  # what the README may embed
TIMEOUT = 600_000  # ms: a cold start computes every tab's opening examples, minutes on 2 busy CPU cores


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(timeout: float = TIMEOUT / 1000) -> Iterator[str]:
    """``python app.py --port N`` in its own session; yield its URL once it answers, then stop it and its children."""
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_until_up(url, proc, log, timeout)
            yield url
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)  # its own session: only this app and its children
            proc.wait(timeout=30)


def wait_until_up(url: str, proc: subprocess.Popen, log, timeout: float) -> None:
    """Poll ``url`` until it answers; if the app exits first, fail with the end of its log."""
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=2)
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"app.py did not answer on {url} within {timeout:.0f} s")
        time.sleep(0.5)
    log.seek(0)
    tail = log.read().decode(errors="replace")[-3000:]
    raise RuntimeError(f"app.py exited with status {proc.returncode} before serving:\n{tail}")


def take(url: str, chromium: str, seed: int, dataset: str, width: int) -> bytes:
    """Generate 16 samples for ``seed`` in the GAN tab; the page from its title down to the classifier's summary."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": width, "height": 1400})
        page.goto(url)
        page.wait_for_selector("button[role='tab']", timeout=TIMEOUT)
        if dataset == "mnist":
            page.get_by_role("radio", name="MNIST digits").check()
        page.get_by_role("tab", name="GAN", exact=True).click()
        before = page.eval_on_selector_all("#gan-gallery img", "els => els.map(i => i.src)")
        page.locator("#gan-seed input").fill(str(seed))
        page.locator("#gan-run").click()
        page.wait_for_function("([s, b]) => { const img = [...document.querySelectorAll(s)];"
                               " return img.length >= 16 && img.every(i => !b.includes(i.src) && i.complete"
                               " && i.naturalWidth > 0); }", arg=["#gan-gallery img", before], timeout=TIMEOUT)
        page.mouse.move(0, 0)  # no hover highlight on the button just pressed
        page.wait_for_timeout(500)  # let the captions and the summary settle
        summary = page.locator("#gan-summary").bounding_box()
        png = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": summary["y"] + summary["height"] + 16},
                              full_page=True)
        browser.close()
    return png


def shrink(png: bytes, limit: int = MAX_BYTES) -> bytes:
    """The PNG recompressed, and reduced to 256 colours if it is still over ``limit`` (a page has few colours)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    if out.tell() > limit:
        out = io.BytesIO()
        image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
    if out.tell() > limit:
        raise ValueError(f"the picture is {out.tell():,} bytes even with 256 colours; use a narrower --width")
    return out.getvalue()


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "app.png")
    p.add_argument("--seed", type=int, default=3)
    p.add_argument("--dataset", choices=["fashion", "mnist"], default="fashion")
    p.add_argument("--width", type=int, default=1280)
    p.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = p.parse_args(argv)
    with served_app() as url:
        png = take(url, args.chromium, args.seed, args.dataset, args.width)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(shrink(png))
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
