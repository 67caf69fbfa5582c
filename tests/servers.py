"""Helpers for tests that need the app in its own process or talk HTTP to it without gradio_client."""
from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 180  # s: a cold start imports torch and gradio; on a busy 2-core machine that takes a while


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, proc: subprocess.Popen, timeout: float = START_TIMEOUT) -> None:
    """Poll ``url`` until it answers with any HTTP status; fail early if the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with status {proc.returncode} before serving")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=2)
            return
        time.sleep(0.2)
    raise TimeoutError(f"the server did not answer on {url} within {timeout:.0f} s")


@contextlib.contextmanager
def app_process(env: dict[str, str] | None = None, log: Path | None = None,
                opening_examples: bool = False) -> Iterator[tuple[str, int]]:
    """Run ``python app.py --port N`` with extra environment ``env``; yield its URL and pid, then stop it.

    Without the opening examples unless asked for (``GAN_DEMO_SKIP_OPENING_EXAMPLES``): computing them is most of
    a start-up on 2 cores, and only a test about them needs them."""
    skip = {} if opening_examples else {"GAN_DEMO_SKIP_OPENING_EXAMPLES": "1"}
    with server_process(["app.py"], {**skip, **(env or {})}, log) as served:
        yield served


@contextlib.contextmanager
def server_process(args: list[str], env: dict[str, str] | None = None,
                   log: Path | None = None) -> Iterator[tuple[str, int]]:
    """Run ``python *args --port N`` (a script that serves on that port) in its own session; yield its URL and
    pid once it answers, then stop it and its children."""
    port = free_port()
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, *args, "--port", str(port)], cwd=ROOT, stdout=out,
                            stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_up(url, proc)
        yield url, proc.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # its own session: only this app and its children
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        if log:
            out.close()


def rss_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS line in /proc/<pid>/status")


def call_raw(url: str, api_name: str, body: str, timeout: float = 120) -> tuple[str, dict | list | None]:
    """POST a hand-written JSON ``body`` to /gradio_api/call/<api_name> and read the event stream.

    gradio_client refuses to send NaN or Infinity (not valid JSON), but a browser script or curl can, so the
    server must cope with them. Returns the last event's name ('complete' or 'error') and its data.
    """
    base = url.rstrip("/") + f"/gradio_api/call/{api_name}"
    event_id = httpx.post(base, content=body, headers={"content-type": "application/json"},
                          timeout=timeout).json()["event_id"]
    event, data = "", None
    with httpx.stream("GET", f"{base}/{event_id}", timeout=timeout) as response:
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = json.loads(line.split(":", 1)[1])
            if event in ("complete", "error") and data is not None:
                break
    return event, data
