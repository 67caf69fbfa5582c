"""The README's promises: its two commands exist and CI runs the test one; the numbers in it and in docs/ are current."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from types import ModuleType

import pytest

import gan_demo.families.text.evaluation as text_evaluation
import gan_demo.families.text.sweep as sweep
from gan_demo import pick_device, pretrained_names
from gan_demo.evaluate import evaluate_dataset
from gan_demo.evaluation.card import END, START, bar_checks, markdown
from gan_demo.registry import families_with

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"


def script(name: str) -> ModuleType:
    """scripts/<name>.py loaded from its file as a module (the scripts are programs, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def block(doc: str, start: str, end: str) -> str:
    """What lies between the ``start`` and ``end`` markers of docs/``doc``."""
    return (DOCS / doc).read_text().split(start, 1)[1].split(end, 1)[0]


def test_readme_gives_the_two_commands_and_make_defines_them():
    assert re.search(r"\bmake run\b", README) and re.search(r"\bmake test-all\b", README)
    makefile = (ROOT / "Makefile").read_text()
    for target, prerequisite in (("run", "setup"), ("test", "setup-test"), ("test-all", "setup-test")):
        assert re.search(rf"^{target}: {prerequisite}$", makefile, re.M), target


def test_ci_runs_the_readme_test_command():
    """.ci/run is one command, the whole suite as the README gives it."""
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in lines if line and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert commands == ["make test-all"]


def test_model_card_table_is_the_latest_evaluation():
    """The model card in docs/models.md is exactly what `python -m gan_demo.evaluate` wrote to weights/evaluation.json."""
    results = json.loads((ROOT / "weights" / "evaluation.json").read_text())
    assert block("models.md", START, END).strip() == markdown(results).strip()


RESULTS = {r["dataset"]: r for r in json.loads((ROOT / "weights" / "evaluation.json").read_text())}


def test_a_small_evaluation_is_reproduced_by_make_evaluate():
    """The fast tier's recompute: the MNIST models' measures on 300 test digits (300 generated images per generator)
    come out as committed in tests/fixtures by scripts/small_evaluation.py, so a change that would move the model
    card's figures fails in seconds. (The text-to-image measures are recomputed only by the slow test below.)"""
    small_evaluation = script("small_evaluation")
    committed = json.loads(small_evaluation.FIXTURE.read_text())
    assert_reproduced(small_evaluation.evaluate(), committed, "python scripts/small_evaluation.py")


MNIST_FAMILIES = [f.name for f in families_with("evaluation") if "mnist" in f.datasets]


def test_the_small_fixture_measures_all_but_the_text_to_image_figures():
    """Between them the small fixture and the slow text family's recompute below cover every committed figure."""
    fixture = json.loads(script("small_evaluation").FIXTURE.read_text())
    assert set(fixture) <= set(RESULTS["mnist"])
    assert all(key.startswith("text_") for key in set(RESULTS["mnist"]) - set(fixture))


@pytest.mark.slow
@pytest.mark.parametrize("family", MNIST_FAMILIES)
def test_evaluation_json_is_reproduced_by_make_evaluate(family, monkeypatch):
    """Recompute MNIST's whole evaluation (10,000 test digits; the text-to-image measures on 1,000 generated
    digits), one family at a time so two test workers share it: every number the family wrote to
    weights/evaluation.json, hence to its model card, must come out again (float noise aside). The decoder's
    speed-against-quality sweep is recomputed at its first three step counts, its guidance points at the first
    scale and its attribute pairs (dark/light, small/large) for the first three classes: each point and each class
    is its own seeded sampling, so these are the committed figures' own (the rest take minutes more)."""
    committed = dict(RESULTS["mnist"])
    if family == "text":
        monkeypatch.setattr(sweep, "STEPS", sweep.STEPS[:3])
        monkeypatch.setattr(sweep, "GUIDANCE_SCALES", sweep.GUIDANCE_SCALES[:1])
        monkeypatch.setattr(text_evaluation, "ATTRIBUTE_CLASSES", 3)
        committed["text_sweep"] = {name: [p for p in points if p["steps"] in sweep.STEPS or name == "cgan"]
                                   for name, points in committed["text_sweep"].items()}
        committed["text_guidance"] = committed["text_guidance"][:1]
        committed["text_attributes"] = {pair: values[:3] for pair, values in committed["text_attributes"].items()}
    fresh = evaluate_dataset("mnist", 10_000, pick_device(), [family])
    assert set(fresh) <= set(committed), f"new measures: run `make evaluate` ({sorted(set(fresh) - set(committed))})"
    if family == "text":  # the one family the small fixture leaves out: all of its figures come out here
        assert {k for k in committed if k.startswith("text_")} <= set(fresh), "the measures changed: run `make evaluate`"
    assert_reproduced(fresh, {k: committed[k] for k in fresh}, "make evaluate")


def assert_reproduced(fresh: dict, committed: dict, remake: str) -> None:
    assert set(fresh) == set(committed), f"the measures changed: run `{remake}`"
    for key, value in committed.items():
        if key.endswith("_ms_per_image"):  # timings: measured, not reproducible
            continue
        assert same(fresh[key], value), f"{key} moved (if that is meant, run `{remake}`)"


def same(fresh, committed) -> bool:
    """Equal up to float noise, through nested lists and dicts (the text-to-image attributes are both). Noise
    means 1e-4 relative: the Frechet distance's matrix square root of nearly singular covariances comes out
    about 1e-5 apart on CPUs with and without AVX-512 (MNIST's text sweep: 45.8226 against 45.8231), while any
    change to a model or a measure moves it by far more."""
    if isinstance(committed, dict):  # timings inside (the sweep's points) are measured, not reproducible
        return fresh.keys() == committed.keys() and all(same(fresh[k], committed[k]) for k in committed
                                                        if not k.endswith("ms_per_image"))
    if isinstance(committed, list) and committed and isinstance(committed[0], (list, dict)):
        return len(fresh) == len(committed) and all(same(a, b) for a, b in zip(fresh, committed))
    return fresh == (committed if isinstance(committed, str) else pytest.approx(committed, rel=1e-4, abs=1e-6))


@pytest.mark.parametrize("dataset, check", [(d, c) for d, r in RESULTS.items() for c in bar_checks(r)])
def test_shipped_models_meet_the_quality_bar(dataset, check):
    assert bar_checks(RESULTS[dataset])[check], f"{dataset}: {check}"


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            assert "==" in line, line


def test_benchmark_tables_are_the_latest_full_run():
    """The benchmark block of docs/benchmarks.md is exactly what `make bench` wrote to benchmarks/results.md."""
    report = script("bench_report")
    shown = block("benchmarks.md", report.BLOCK_START, report.BLOCK_END)
    assert shown.strip() == report.docs_block((ROOT / "benchmarks" / "results.md").read_text()).strip()


def test_text_to_image_benchmark_block_is_the_latest_full_run():
    """The text-to-image block of docs/benchmarks.md is exactly what `bench_diffusion.py --full` wrote."""
    shown = block("benchmarks.md", "<!-- bench-diffusion:start -->", "<!-- bench-diffusion:end -->")
    assert shown.strip() == (ROOT / "benchmarks" / "diffusion.md").read_text().strip()


def test_live_image_run_block_is_the_latest_full_run():
    """The figures for the default live image run in docs/benchmarks.md are exactly what `bench_live_images.py --full`
    wrote."""
    shown = block("benchmarks.md", "<!-- bench-live-images:start -->", "<!-- bench-live-images:end -->")
    assert shown.strip() == (ROOT / "benchmarks" / "live_images.md").read_text().strip()


def test_classroom_block_is_the_latest_full_run():
    """The classroom load figures in docs/benchmarks.md are exactly what `benchmark.py --suite classroom --full`
    wrote."""
    shown = block("benchmarks.md", "<!-- bench-classroom:start -->", "<!-- bench-classroom:end -->")
    assert shown.strip() == (ROOT / "benchmarks" / "classroom.md").read_text().strip()


def test_training_table_is_what_make_train_runs():
    """Every row of the training table in docs/training.md is a line of scripts/train_all.sh, and the other way round."""
    table = block("training.md", "<!-- train:start -->", "<!-- train:end -->")
    rows = re.findall(r"^\| `([\w-]+)` \| `python -m gan_demo\.train (\S+) --dataset (\w+) --threads (\d+) ?(.*?)` \|",
                      table, re.M)
    script = re.findall(r"^\s+train ([\w-]+) ?(.*)$", (ROOT / "scripts" / "train_all.sh").read_text(), re.M)
    # one row per command (a model may take several: text-mnist's new prior comes after its decoder); the script gives
    # each one thread unless a row says otherwise (its flags then end with that --threads)
    wanted = [(n, f.strip() + ("" if t == "1" else f" --threads {t}")) for n, _, _, t, f in rows]
    assert sorted((name, flags.strip()) for name, flags in script) == sorted(wanted)
    assert all(name == f"{family}-{dataset}" for name, family, dataset, *_ in rows)
    assert {name for name, *_ in rows} == set(pretrained_names())


def compare_weights(argv: list[str]) -> None:
    """scripts/compare_weights.py's main, called in this process (a process of its own would prove nothing more)."""
    script("compare_weights").main(argv)


def test_compare_weights_measures_a_folder_as_make_evaluate_does(monkeypatch, capsys):
    """scripts/compare_weights.py (how docs/training.md's GAN sweep was measured) gives the shipped folder the
    figures make evaluate gives it: on 300 test digits, those of the small evaluation fixture (the model card's own,
    on 10,000, come out of the same code in the slow recompute above)."""
    small = json.loads((ROOT / "tests" / "fixtures" / "evaluation-mnist-300.json").read_text())
    monkeypatch.chdir(ROOT)
    compare_weights(["gan", "--dataset", "mnist", "--n", "300", "weights/gan-mnist"])
    header, _, row = capsys.readouterr().out.splitlines()
    cells = dict(zip(header.strip("| ").split(" | "), row.strip("| ").split(" | ")))
    assert cells["folder"] == "weights/gan-mnist"
    assert float(cells["gan_fd"]) == pytest.approx(small["gan_fd"], abs=1e-3)
    assert float(cells["gan_confident"]) == pytest.approx(small["gan_confident"], abs=1e-3)
    histogram = [float(x) for x in cells["gan_class_histogram"].split()]
    assert histogram == pytest.approx(small["gan_class_histogram"], abs=1e-3)


def test_compare_weights_refuses_a_folder_of_another_family(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    with pytest.raises(SystemExit) as exit_:
        compare_weights(["gan", "--dataset", "mnist", "weights/vae-mnist"])
    assert exit_.value.code == 2 and "weights/vae-mnist is not a gan weights folder" in capsys.readouterr().err
