"""Lesson 4's performance figures: polynomial sweeps and remedies, the three scrub figures (build
time and size), the page's rerun, and the course run's training time (it trains on arrival).

Run with `python -m bench.bench_overfitting` (add `--quick` for fewer repeats). Prints a Markdown
table with the budgets of ../shared/DESIGN.md beside the measurements. The generic page-latency
bench (bench/bench_pages.py) covers the browser side.
"""

import json
import statistics
import sys
import time
from pathlib import Path

import plotly
import torch

from core import overfitting as of

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "app_pages" / "overfitting.py"


def timed(function, repeats: int) -> float:
    """Median wall time of `repeats` calls, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sweep_cases():
    x, y = of.sample_houses(of.N_HOUSES)
    x_val, y_val = of.validation_houses()
    cases = {
        "degree sweep 1-15, no penalty": lambda: of.degree_sweep(x, y, x_val, y_val),
        "degree sweep 1-15, L1 λ=1e-4 (worst)": lambda: of.degree_sweep(x, y, x_val, y_val, 15, "l1", 1e-4),
    }
    for remedy in of.REMEDIES:
        cases[f"remedy sweep at degree 12: {remedy}"] = lambda remedy=remedy: of.remedy_sweep(remedy)
    return cases


def course_split():
    return of.lesson_split(*of.LESSON_DATA, of.HOLDOUT, of.LESSON_CONFIG.seed)


def scrub_cases() -> dict:
    """Each scrub figure's template: built once per server (ui.figures.shared_spec)."""
    from ui import overfitting_charts as charts

    x, y = of.sample_houses(of.N_HOUSES)
    x_val, y_val = of.validation_houses()
    sweep = of.degree_sweep(x, y, x_val, y_val)
    states = of.remedy_sweep("l1")
    run = of.train_replay(course_split(), 2, of.LESSON_CONFIG, "circles", device="cpu")
    return {
        "degree (of_degree_chart)": lambda: charts.degree_template(x, y, x_val, y_val, sweep),
        "remedy L1 (of_remedy_chart)": lambda: charts.remedy_template(x_val, y_val, states, "l1"),
        "replay (of_replay_chart)": lambda: charts.replay_template(run, "The course's run"),
    }


def page_rerun_median(page: Path, key: str, values: list) -> float:
    """Server-side rerun after moving a page's first slider, as AppTest measures it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(page), default_timeout=120)
    at.query_params["lang"] = "en"
    at.run()
    times = []
    for value in values:
        start = time.perf_counter()
        at.slider(key=key).set_value(value).run()
        times.append(time.perf_counter() - start)
    assert not at.exception
    return statistics.median(times)


def course_training(device: str) -> tuple[float, float]:
    """The course run as the page trains it on arrival (train_replay: a short run, then the full
    one, and twenty maps): wall and CPU seconds."""
    split = course_split()
    start, cpu = time.perf_counter(), time.process_time()
    of.train_replay(split, 2, of.LESSON_CONFIG, "circles", device=device)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, time.process_time() - cpu


def main() -> None:
    quick = "--quick" in sys.argv
    repeats = 3 if quick else 7
    rows = []
    for name, case in sweep_cases().items():
        rows.append((name + " (cache miss)", f"{timed(case, repeats) * 1e3:.1f} ms", "runs once per setting"))
    moves = 10 if quick else 30
    ours = page_rerun_median(PAGE, "of_degree", [2 + i % 10 for i in range(moves)])
    reference = page_rerun_median(ROOT / "app_pages" / "fitting.py", "fit_steps", [1 + i % 6 for i in range(moves)])
    rows.append(("page rerun after a degree move (AppTest, median)", f"{ours * 1e3:.0f} ms", "< 50 ms on the server"))
    rows.append(
        (
            "same for lesson 1's first slider, same run (reference)",
            f"{reference * 1e3:.0f} ms ({ours / reference:.2f}×)",
            "",
        )
    )
    for name, build in scrub_cases().items():
        spec = build()
        size = len(json.dumps(spec, cls=plotly.utils.PlotlyJSONEncoder)) / 1e6
        rows.append((f"scrub template {name}", f"{timed(build, repeats) * 1e3:.0f} ms, {size:.2f} MB", "≤ 1 s, ≤ 2 MB"))
    torch.set_num_threads(1)  # as the server runs it (core.device.get_device)
    course_training("cpu")  # warm-up: the first torch call in a process pays for its set-up
    runs = [course_training("cpu") for _ in range(1 if quick else 3)]
    wall, cpu = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    rows.append(("course run on arrival, CPU, 1 thread (median)", f"{wall:.2f} s wall, {cpu:.2f} s CPU", "≲ 2 s"))
    if torch.cuda.is_available():
        course_training("cuda")  # warm-up: CUDA context and kernels
        gpu = statistics.median(course_training("cuda")[0] for _ in range(3))
        rows.append((f"same run, {torch.cuda.get_device_name()}", f"{gpu:.2f} s ({wall / gpu:.1f}× CPU)", ""))
    print("| measurement | result | budget |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
