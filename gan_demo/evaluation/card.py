"""The model card: the table in docs/models.md that ``make evaluate`` writes from the families' measures, and its
quality bars; :func:`write_block` also rewrites the other generated blocks of the docs."""
from __future__ import annotations

from pathlib import Path

from ..data import DATASETS
from ..registry import families_with

ROOT = Path(__file__).resolve().parent.parent.parent
MODELS_DOC = ROOT / "docs" / "models.md"  # where the model card's table lives, between START and END
START, END = "<!-- eval:start -->", "<!-- eval:end -->"


def bar_checks(r: dict) -> dict[str, bool]:
    """The project's quality bars that apply to one dataset's result, from every evaluated family."""
    checks = {}
    for family in families_with("evaluation"):
        if family.evaluation.checks is not None and r["dataset"] in family.datasets:
            checks |= family.evaluation.checks(r)
    return checks


def goal_checks(r: dict) -> dict[str, bool]:
    """Bars an issue asks for that the shipped models do not all meet yet: the card shows them, the tests do not
    enforce them (a met goal becomes a bar by moving it to ``checks``)."""
    goals = {}
    for family in families_with("evaluation"):
        if family.evaluation.goals is not None and r["dataset"] in family.datasets:
            goals |= family.evaluation.goals(r)
    return goals


def markdown(results: list[dict]) -> str:
    """One table of every family's rows (a column per dataset), then per dataset a per-class table and the bars."""
    evaluations = [f.evaluation for f in families_with("evaluation")]
    lines = ["| measure | " + " | ".join(DATASETS[r["dataset"]].title for r in results) + " |",
             "|---|" + "---:|" * len(results),
             "| test images used | " + " | ".join(f"{r['n_test']:,}" for r in results) + " |"]
    lines += [f"| {row.label} | " + " | ".join(row.format(r) for r in results) + " |"
              for evaluation in evaluations for row in evaluation.rows]
    out = ["\n".join(lines), ""]
    for r in results:
        classes = DATASETS[r["dataset"]].classes
        class_rows = [row for evaluation in evaluations for row in evaluation.class_rows]
        out += [f"**{DATASETS[r['dataset']].title}**, per class: "
                + " / ".join(row.label for row in class_rows), "",
                "| class | " + " | ".join(classes) + " |", "|---|" + "---:|" * len(classes)]
        out += [f"| {row.label} | " + " | ".join(row.format(r)) + " |" for row in class_rows] + [""]
        out += [f"- {'✅' if ok else '❌'} {name}" for name, ok in bar_checks(r).items()]
        out += [f"- {'✅' if ok else '❌'} goal, {'met' if ok else 'not met yet'}: {name}"
                for name, ok in goal_checks(r).items()] + [""]
    return "\n".join(out)


def write_block(table: str, path: Path = MODELS_DOC, start: str = START, end: str = END) -> None:
    """Replace what lies between the ``start`` and ``end`` markers of the Markdown file ``path`` with ``table``."""
    text = path.read_text()
    if start not in text or end not in text:
        raise ValueError(f"{path} has no {start} ... {end} block to replace")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    path.write_text(f"{head}{start}\n{table}\n{end}{tail}")
