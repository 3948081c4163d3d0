"""Lesson 2's performance figures. Run: python -m bench.bench_loss_surface [--quick]

- the milk-tea surface on a 200x200 grid plus four optimizer paths of 500 steps (budget: 30 ms);
- the walk's scrub template (9 rates × 101 steps = 909 frames; budget: first build under 1 s, under 2 MB)
  and the race figure;
- a whole-page rerun in AppTest after a slider move (budget: 50 ms median);
- training the digits MLP and mapping its landscape, computed on every learner's arrival once per
  server (budget: about 2 s on a CPU, or it would have to ship as an artefact), on every device here.

Wall-clock times on a shared machine include waiting for a core; CPU time (process_time) does not.
Both are printed, as medians over repeats.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from core import fitting as fit
from core import loss_surface as ls

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LRS = {"sgd": fit.ARTICLE_LR, "gd": 2e-3, "momentum": 5e-4, "adam": 2.0}


def timed(fn, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of fn() over `repeats` runs, after one warm-up run."""
    fn()
    walls, cpus = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus)


def surface_and_paths():
    x, y = ls.tea_data()
    ls.surface(ls.line_loss(x, y), np.linspace(-25, 5, 200), np.linspace(500, 1300, 200))
    for name, lr in DEFAULT_LRS.items():
        ls.tea_path(name, lr, (fit.K0, fit.B0), 500, standardized=False)


def figures() -> int:
    """Build the walk's template and the race figure, as the page does; returns the template's JSON size."""
    import json

    from ui import loss_surface_charts as charts

    ks, bs = ls.tea_window(False, 200)
    ks, bs, z = ls.thin_grid(ks, bs, ls.surface(ls.line_loss(*ls.tea_data()), ks, bs), 60)
    from app_pages.loss_surface_sections import WALK_LRS

    walks = [ls.tea_path("gd", lr, (fit.K0, fit.B0), 100, False) for lr in WALK_LRS]
    names = [f"η = {lr:g}" for lr in WALK_LRS]
    template = charts.walk_template(ks, bs, z, walks, names, 100, ("k", "b"), ls.best_error(), (-9.14, 910.0), "start")
    labels = ("title", "k", "b")
    paths = {n: (n, ls.tea_path(n, lr, (fit.K0, fit.B0), 200, False)) for n, lr in DEFAULT_LRS.items()}
    charts.race_figure(ks, bs, z, paths, (-9.14, 910.0), labels).to_json()
    return len(json.dumps(template, default=lambda a: a.tolist()))


def page_rerun(repeats: int) -> tuple[float, float]:
    """Whole-page reruns in AppTest after moving the first slider one step (AppTest ignores
    st.fragment, so this is an upper bound: in the browser only the lesson's first section reruns)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / "loss_surface.py"), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    walls, cpus = [], []
    for i in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        at.slider(key="loss_step").set_value(i % 100).run()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    assert not at.exception
    return statistics.median(walls), statistics.median(cpus)


def one_thread_mlp(repeats: int) -> tuple[float, float]:
    """The MLP demo on one CPU thread, in a subprocess (the app never limits threads itself): shows how
    much of the time above is the work and how much is two threads waiting for each other."""
    code = (
        "import time; from core import loss_surface as ls; ls.digits_data();"
        " ls.mlp_landscape(ls.LandscapeConfig(), 'cpu');"
        f"r = []\nfor _ in range({repeats}):\n w, c = time.perf_counter(), time.process_time();"
        " ls.mlp_landscape(ls.LandscapeConfig(), 'cpu'); r.append((time.perf_counter() - w, time.process_time() - c))\n"
        "import statistics; print(statistics.median(x[0] for x in r), statistics.median(x[1] for x in r))"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "LLMX_DEVICE": "cpu"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    wall, cpu = map(float, out.stdout.split())
    return wall, cpu


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 5 if quick else 20
    rows = []
    wall, cpu = timed(surface_and_paths, repeats)
    rows.append(("200×200 surface + 4 paths × 500 steps", wall, cpu, "30 ms"))
    wall, cpu = timed(figures, repeats)
    rows.append((f"walk template ({figures() / 1e6:.2f} MB) + race figure, built", wall, cpu, "1 s, 2 MB"))
    wall, cpu = page_rerun(repeats)
    rows.append(("whole-page rerun after a slider move (AppTest)", wall, cpu, "50 ms median"))
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        config = ls.LandscapeConfig()
        wall, cpu = timed(lambda d=device, c=config: ls.mlp_landscape(c, d), 1 if quick else 3)
        label = f"MLP: train {config.net.epochs} steps + {config.grid}×{config.grid} landscape on {device}"
        rows.append((label, wall, cpu, "~2 s on CPU"))

    wall, cpu = one_thread_mlp(1 if quick else 3)
    rows.append(("the same MLP work in a fresh process with OMP_NUM_THREADS=1", wall, cpu, "~2 s on CPU"))

    print(f"Torch threads: {torch.get_num_threads()}; CUDA: {torch.cuda.is_available()}\n")
    print("| measurement | wall (median) | CPU time (median) | budget |")
    print("|---|---:|---:|---|")
    for label, wall, cpu, budget in rows:
        print(f"| {label} | {1000 * wall:.1f} ms | {1000 * cpu:.1f} ms | {budget} |")


if __name__ == "__main__":
    main()
