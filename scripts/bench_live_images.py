"""The live tab's default image run, measured as a lecturer meets it: how long it takes, and are the samples any good?
    python scripts/bench_live_images.py --full    # the published numbers: benchmarks/live_images.{json,md} + docs
    python scripts/bench_live_images.py --quick   # the tests: a few steps, 1,000 samples, into artifacts/benchmarks/
For each dataset it runs exactly what pressing Start in Images mode runs (``live.stream`` with the page's
settings and thread count, frames and the classifier's histogram included), then exports the generator as the tab
does, loads the export back by folder (as ``python -m gan_demo.sample FOLDER`` would) and draws 10,000 samples.
The shipped classifier judges them: the share it is at least 90% sure of, and the share of each class. The same
figures for real test images sit beside them. The bar, for the default dataset: the run ends within 60 s
of wall time on 2 CPU cores, at least 40% of the samples are confident, and every class gets at least 3%.
"""
from __future__ import annotations

import os
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import torch  # noqa: E402
from bench_report import header, parse_mode, write  # noqa: E402

from gan_demo import live  # noqa: E402
from gan_demo.data import dataset_info, image_tensors  # noqa: E402
from gan_demo.hub import cached_pretrained, load_saved  # noqa: E402
from gan_demo.live.export import save_generator  # noqa: E402

BLOCK_START, BLOCK_END = "<!-- bench-live-images:start -->", "<!-- bench-live-images:end -->"  # docs/benchmarks.md
BAR_SECONDS, BAR_CONFIDENT, BAR_CLASS = 60.0, 0.40, 0.03
CONFIDENT = 0.9
LIVE_THREADS = 1  # what the tab trains with (ui/tabs/live/handlers.py, GAN_DEMO_LIVE_THREADS)


@torch.no_grad()
def judge(images: torch.Tensor, dataset: str) -> dict:
    """The classifier's confident share and class shares of (N, 1, 28, 28) images in [-1, 1]."""
    classifier = cached_pretrained(f"classifier-{dataset}", "cpu")
    probs = torch.cat([classifier(chunk).softmax(1) for chunk in images.split(1000)])
    shares = torch.bincount(probs.argmax(1), minlength=probs.shape[1]).double() / len(images)
    return {"confident": round((probs.max(1).values >= CONFIDENT).double().mean().item(), 4),
            "class_shares": [round(v, 4) for v in shares.tolist()]}


def measure(dataset: str, steps: int | None, n: int) -> dict:
    settings = live.make_settings("balanced", mode="images", dataset=dataset, **({"steps": steps} if steps else {}))
    start = time.perf_counter()
    frames = list(live.stream(settings, device="cpu", threads=LIVE_THREADS))
    wall = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as folder:
        save_generator(settings, frames[-1].state["G"], folder)
        _, G = load_saved(folder)
    with torch.no_grad():
        samples = G.eval()(torch.randn(n, G.latent_dim, generator=torch.Generator().manual_seed(0)))
    real, _ = image_tensors(dataset, "test")
    return {"dataset": dataset, "model": settings.model, "hidden": settings.hidden, "steps": frames[-1].step,
            "wall_s": round(wall, 1), "samples": n, "generated": judge(samples, dataset),
            "real_test": judge(real[:n], dataset)}


def verdict(row: dict) -> str:
    g = row["generated"]
    met = row["wall_s"] <= BAR_SECONDS and g["confident"] >= BAR_CONFIDENT and min(g["class_shares"]) >= BAR_CLASS
    return "met" if met else "NOT met"


def markdown(r: dict) -> str:
    m = r["machine"]
    out = [f"Made by `{r['command']}` on {r['date']}: {m['usable_cores']} of {m['cores']} cores usable, "
           f"{LIVE_THREADS} torch thread for training (as in the tab), Python {m['python']}, torch {m['torch']}; "
           f"load average {m['load_average_at_start']} at start.", "",
           f"The page's image run (Images, Balanced) on each dataset, then {r['rows'][0]['samples']:,} samples of its "
           f"exported generator judged by the shipped classifier (confident: at least {CONFIDENT:.0%} sure):", "",
           "| dataset | model | steps | wall time | confident (real test images) | smallest class share | "
           "largest class share | bar |", "|---|---|---:|---:|---:|---:|---:|---|"]
    for row in r["rows"]:
        g, real, classes = row["generated"], row["real_test"], dataset_info(row["dataset"]).classes
        low, high = min(g["class_shares"]), max(g["class_shares"])
        out.append(f"| {row['dataset']}{' (default)' if row['dataset'] == r['default'] else ''} | {row['model']} "
                   f"{row['hidden']} | {row['steps']:,} | {row['wall_s']:.0f} s | {g['confident']:.0%} "
                   f"({real['confident']:.0%}) | {low:.1%} ({classes[g['class_shares'].index(low)]}) | "
                   f"{high:.1%} ({classes[g['class_shares'].index(high)]}) | "
                   f"{verdict(row) if row['dataset'] == r['default'] else '-'} |")
    out += ["", f"Bar, for the default dataset: at most {BAR_SECONDS:.0f} s, at least {BAR_CONFIDENT:.0%} confident, "
            f"every class at least {BAR_CLASS:.0%}."]
    return "\n".join(out) + "\n"


def main(argv=None) -> None:
    args = parse_mode(__doc__, argv)
    quick = args.mode == "quick"
    default = live.mode_defaults("images")["dataset"]
    result = header("bench_live_images.py", args.mode) | {"default": default}
    result["rows"] = [measure(d, 5 if quick else None, 1000 if quick else 10_000)
                      for d in (default, *(d for d in live.DATASETS["images"] if d != default))]
    write(args, "live_images", result, markdown, (BLOCK_START, BLOCK_END), "live image-run")


if __name__ == "__main__":
    main()
