"""ui.cache_fix: Gradio's picture cache never rewrites a file that a concurrent response may be streaming."""
from __future__ import annotations

import os

from gradio import processing_utils
from PIL import Image

from ui import cache_fix


def test_an_existing_picture_is_left_alone_and_a_new_one_is_whole(tmp_path):
    image = Image.new("L", (28, 28), 7)
    path = cache_fix.save_pil_to_cache(image, str(tmp_path), format="png")
    inode = os.stat(path).st_ino
    assert cache_fix.save_pil_to_cache(image, str(tmp_path), format="png") == path
    assert os.stat(path).st_ino == inode  # not rewritten, so never truncated under a reader
    assert Image.open(path).getpixel((3, 3)) == 7 and not list(tmp_path.rglob("*.tmp"))


def test_install_routes_gradio_through_it(monkeypatch):
    monkeypatch.setattr(processing_utils, "save_pil_to_cache", processing_utils.save_pil_to_cache)
    cache_fix.install()
    assert processing_utils.save_pil_to_cache is cache_fix.save_pil_to_cache
