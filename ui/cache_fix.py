"""Atomic writes for Gradio's picture cache (a workaround for a race in Gradio 6.31).

Gradio saves every output picture to ``<cache>/<hash of its bytes>/image.png`` and rewrites that file even
when it exists. Two requests that make the same picture at once (the same nearest training images, the same
seed) then collide: ``write_bytes`` truncates the file while the other response is streaming it, and that
client receives 0 of the announced bytes ("peer closed connection without sending complete message body").
The load test saw 3 such failures in 800 requests. Here a file that exists is left alone (same hash, same
bytes) and a new one appears all at once, through a rename.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

from gradio import processing_utils
from PIL import Image


def save_pil_to_cache(img: Image.Image, cache_dir: str, name: str = "image", format: str = "webp") -> str:
    """Same contract as ``gradio.processing_utils.save_pil_to_cache``, but never exposes a half-written file."""
    data = processing_utils.encode_pil_to_bytes(img, format)
    folder = Path(cache_dir) / processing_utils.hash_bytes(data)
    folder.mkdir(exist_ok=True, parents=True)
    target = (folder / f"{name}.{format}").resolve()
    if not target.exists():
        tmp = target.with_name(f".{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)  # atomic on POSIX and Windows: readers see the old file or the whole new one
    return str(target)


def install() -> None:
    """Route Gradio's picture saving (images, galleries) through :func:`save_pil_to_cache`."""
    processing_utils.save_pil_to_cache = save_pil_to_cache
