"""The opening examples: each tab's results for its starting values, computed once as the page is built, and
skipped where nobody looks at them (the tests' spawned servers, a ZeroGPU Space)."""
from __future__ import annotations

import pytest

from ui.components import initial


@pytest.mark.parametrize("flag", ["GAN_DEMO_SKIP_OPENING_EXAMPLES", "SPACES_ZERO_GPU"])
def test_a_flag_read_as_the_page_is_built_skips_them(monkeypatch, flag):
    calls = []

    def handler(*args):
        calls.append(args)
        return "shown"

    monkeypatch.setenv(flag, "1")
    assert initial(handler, 1) is None and calls == []  # not computed at all, not computed and dropped
    monkeypatch.setenv(flag, "0")
    assert initial(handler, 1) == "shown" and calls == [(1,)]
