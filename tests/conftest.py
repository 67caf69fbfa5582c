"""Shared fixtures. Tests run offline: no Hub, no analytics, nothing fetched at run time."""
from __future__ import annotations

import os

# Read once at import by huggingface_hub and gradio, so set before anything imports them.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# torch's OpenMP threads sleep when they wait instead of spinning (libgomp spins by default). On a 2-core machine
# shared with other work the spinning threads took the cores from the ones with work to do: with a load average
# of 10, test_vae's ELBO bound took 14-21 s spinning and 2.4-3.2 s passive. Inherited by the servers and scripts the
# tests start; set before anything imports torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Under pytest-xdist (`make test-all` runs two workers) each worker serves its own app: give each its own range of
# ports to search, so two servers starting at once never race for the same free port.
if os.environ.get("PYTEST_XDIST_WORKER", "").startswith("gw"):
    os.environ["GRADIO_SERVER_PORT"] = str(7860 + 100 * (1 + int(os.environ["PYTEST_XDIST_WORKER"][2:])))
    # One torch thread per worker (and per server or script it starts): the workers already keep every core busy,
    # and threads of three workers on two cores only wait on each other. MNIST's latent-vae recompute beside a busy
    # core: 88 s on one thread, 98 s (100 s of CPU) on two.
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("CPU_CORES", "1")

import contextlib  # noqa: E402
import fcntl  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

from gan_demo import pick_device  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"

# -- markers stay true: an unmarked test that takes long belongs in a slower tier -------------------------------
UNMARKED_LIMIT_S = 10  # a test in the fast tier (`make test`) that runs longer than this is reported at the end
TIER_MARKERS = ("slow", "browser", "perf")
_unmarked_slow: list[tuple[str, float]] = []


# -- where the CPU goes: wall time in a busy suite says little (tests take 2-5x their time alone), CPU time more ----
_cpu_by_test: dict[str, float] = defaultdict(float)
_cpu_by_tier: dict[str, float] = defaultdict(float)


def _cpu_seconds() -> float:
    """This process's CPU time (all its threads: the in-process servers too) and that of the subprocesses it has
    waited for (scripts, finished servers; not the browser, which outlives the test)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    start = _cpu_seconds()
    yield
    item.user_properties.append(("cpu_s", _cpu_seconds() - start))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):
    start = _cpu_seconds()
    yield
    item.user_properties.append(("cpu_s", _cpu_seconds() - start))


def _tier(keywords) -> str:
    """The test's tier markers joined ("slow+perf" for the load test), or "fast" for none."""
    return "+".join(name for name in TIER_MARKERS if name in keywords) or "fast"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note every test without a tier marker whose call (not its fixtures' setup) took over the limit. A report
    carries its test's markers among its keywords, so this works where the test ran in a worker (pytest-xdist);
    the CPU seconds of its setup and call come in its user properties (one entry per phase, the latest last)."""
    if (report.when == "call" and report.duration > UNMARKED_LIMIT_S
            and not any(name in report.keywords for name in TIER_MARKERS)):
        _unmarked_slow.append((report.nodeid, report.duration))
    if report.when in ("setup", "call"):
        cpu = [value for name, value in report.user_properties if name == "cpu_s"]
        if cpu:
            _cpu_by_test[report.nodeid] += cpu[-1]
            _cpu_by_tier[_tier(report.keywords)] += cpu[-1]


def _order(item: pytest.Item) -> int:
    """0 for the long computations (slow, no browser), 1 for the other marked tests, 2 for the rest, 3 for the
    browser tests (one worker at a time drives a browser: see ``one_browser_at_a_time``)."""
    names = {mark.name for mark in item.iter_markers()}
    if "browser" in names:
        return 3
    return 0 if "slow" in names else 1 if names & set(TIER_MARKERS) else 2


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test-all`): the longest tests first, handed out one at a time (`--dist load
    --maxschedchunk 1`), so the workers end together on short ones instead of one finishing a 4-minute test alone.
    A plain run keeps the files' order."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=_order)  # stable: within a tier, the files' order


def pytest_terminal_summary(terminalreporter) -> None:
    if _unmarked_slow:
        terminalreporter.section(f"unmarked tests over {UNMARKED_LIMIT_S} s: mark each slow, browser or perf", yellow=True)
        for nodeid, seconds in sorted(_unmarked_slow, key=lambda t: -t[1]):
            terminalreporter.write_line(f"{seconds:7.1f} s  {nodeid}")
    if sum(_cpu_by_tier.values()) > 60:  # a run worth accounting for
        terminalreporter.section("CPU seconds (pytest processes and the subprocesses they waited for)")
        terminalreporter.write_line("by tier: " + ", ".join(f"{tier} {seconds:.0f}" for tier, seconds in
                                                            sorted(_cpu_by_tier.items(), key=lambda t: -t[1])))
        for nodeid, seconds in sorted(_cpu_by_test.items(), key=lambda t: -t[1])[:15]:
            terminalreporter.write_line(f"{seconds:7.1f} s  {nodeid}")


@pytest.fixture(scope="session")
def device() -> torch.device:
    """Whatever device the package picks: the same tests exercise CUDA where a GPU is present."""
    return pick_device()


@pytest.fixture
def one_torch_thread():
    """One torch thread for the live-training tests: the tiny models gain nothing from more, and on a loaded
    2-core machine two threads spin-wait on each other (20 steps took a minute instead of half a second)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True, scope="session")
def gradio_tmp(tmp_path_factory):
    """One Gradio temp dir for the session: the shared server checks uploads against the dir it started with."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(tmp_path_factory.mktemp("gradio")))
        yield


@contextlib.contextmanager
def serving(demo, **launch_kwargs):
    """Launch ``demo`` in this process on a free loopback port; yield its local URL; close it."""
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None,
                            **launch_kwargs)
    try:
        yield url
    finally:
        demo.close()


@contextlib.contextmanager
def launched(demo, **launch_kwargs):
    """Launch ``demo`` on a free loopback port; yield (local_url, gradio_client.Client); close both."""
    from gradio_client import Client  # noqa: PLC0415

    with serving(demo, **launch_kwargs) as url:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=str(ARTIFACTS / "downloads"))
        try:
            yield url, client
        finally:
            client.close()


def app_launch_kwargs() -> dict:
    """``app.launch_kwargs()`` without the host, port and share link (a test picks a free loopback port)."""
    import app  # noqa: PLC0415 - importing builds the demo: after the session's Gradio temp dir is set

    kwargs = app.launch_kwargs()
    for key in ("server_name", "server_port", "share"):
        kwargs.pop(key)
    return kwargs


@pytest.fixture(scope="session")
def app_server():
    """The real app (shipped weights) on a loopback port, shared by the API and browser tests."""
    import app  # noqa: PLC0415

    with launched(app.demo, **app_launch_kwargs()) as (url, client):
        yield url, client


@pytest.fixture
def client(app_server):
    return app_server[1]


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (no browser download needed)."""
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs Debian's chromium)")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def one_browser_at_a_time():
    """Under pytest-xdist, one worker drives Chromium at a time (a lock file shared by the run's workers): on two
    slow cores, three Chromiums and their servers starved each other until clicks and waits timed out. The
    browser tests go last (``_order``), so the other workers finish their queues meanwhile."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    with open(Path(tempfile.gettempdir()) / f"gan_demo-browser-{os.getppid()}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture
def page(browser, app_server, one_browser_at_a_time):
    """A fresh browser page on the app; screenshots go to artifacts/screenshots/."""
    (ARTIFACTS / "screenshots").mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(app_server[0])
    page.wait_for_selector("button[role='tab']", timeout=30_000)
    yield page
    context.close()
