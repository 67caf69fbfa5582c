"""Device choice and CPU thread settings, in one place.

Library code never picks a device behind the caller's back: models are built on
the CPU and the caller moves them with ``.to(pick_device())``.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch

log = logging.getLogger(__name__)

DEVICE_ENV = "GAN_DEMO_DEVICE"


def pick_device(preference: str | None = None) -> torch.device:
    """cuda, then mps, then cpu; ``preference`` or ``$GAN_DEMO_DEVICE`` overrides."""
    preference = preference or os.getenv(DEVICE_ENV)
    if preference:
        try:
            return torch.device(preference)
        except RuntimeError as err:
            raise ValueError(
                f"{DEVICE_ENV}={preference!r} is not a torch device; use cpu, cuda, cuda:1 or mps"
            ) from err
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_cores() -> int:
    """CPU cores this process may use: ``$CPU_CORES`` (set on Spaces) or the affinity mask."""
    value = os.getenv("CPU_CORES")
    if value:
        try:
            return max(1, int(float(value)))
        except ValueError:
            log.warning("ignoring CPU_CORES=%r: not a number", value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def configure_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads to ``n`` (default: :func:`cpu_cores`) and return it."""
    n = n or cpu_cores()
    torch.set_num_threads(n)
    return n


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the body with ``n`` torch CPU threads, then restore the count (it is per OS thread under OpenMP,
    and a server runs other requests on the same worker threads between two frames)."""
    before = torch.get_num_threads()
    if n:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def gpu(fn=None, **kwargs):
    """``spaces.GPU`` on a ZeroGPU Space, a no-op elsewhere (also without ``spaces`` installed)."""
    try:
        import spaces  # noqa: PLC0415 - optional, only present on Spaces
    except ImportError:
        return fn if callable(fn) else (lambda f: f)
    return spaces.GPU(fn, **kwargs) if callable(fn) else spaces.GPU(**kwargs)
