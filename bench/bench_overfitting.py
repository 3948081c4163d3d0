"""Lesson 4's performance figures: polynomial sweeps, the page's rerun, and MLP training time.

Run with `python -m bench.bench_overfitting` (add `--quick` for fewer repeats). Prints a Markdown
table with the budgets of ../shared/DESIGN.md beside the measurements. The generic page-latency
bench (bench/bench_pages.py) covers the browser side.
"""

import statistics
import sys
import time
from pathlib import Path

import torch

from core import mlp
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
    x, y = of.sample_houses(12, 1)
    x_test, y_test = of.test_houses()
    augmented = of.augment(x, y, 10, 0.3, 2)
    return {
        "degree sweep 1-15, no penalty": lambda: of.degree_sweep(x, y, x_test, y_test, 15),
        "degree sweep 1-15, L2": lambda: of.degree_sweep(x, y, x_test, y_test, 15, "l2", 1e-2),
        "degree sweep 1-15, L1 λ=0.01": lambda: of.degree_sweep(x, y, x_test, y_test, 15, "l1", 1e-2),
        "degree sweep 1-15, L1 λ=1e-4 (worst)": lambda: of.degree_sweep(x, y, x_test, y_test, 15, "l1", 1e-4),
        "degree sweep 1-15, 10 augmented copies": lambda: of.degree_sweep(x, y, x_test, y_test, 15, fit_on=augmented),
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


def default_training(device: str) -> float:
    config = mlp.MLPConfig()
    X, y = of.make_dataset("circles", 200, 0.15, 3, seed=0)  # the page's defaults
    split = of.split(X, y, 0.5, seed=0)
    start = time.perf_counter()
    mlp.train_mlp(*split, 3, config, device=device)
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


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
    threads = torch.get_num_threads()
    cpu = [default_training("cpu") for _ in range(1 if quick else 3)]
    rows.append(
        (
            f"default MLP training, CPU, {threads} threads ({len(cpu)} runs, median)",
            f"{statistics.median(cpu):.2f} s",
            "< 10 s",
        )
    )
    torch.set_num_threads(1)  # this benchmark's own process: compare with one thread
    one = [default_training("cpu") for _ in range(1 if quick else 3)]
    rows.append(
        (f"default MLP training, CPU, 1 thread ({len(one)} runs, median)", f"{statistics.median(one):.2f} s", "< 10 s")
    )
    torch.set_num_threads(threads)
    if torch.cuda.is_available():
        default_training("cuda")  # warm-up: CUDA context and kernels
        gpu = statistics.median(default_training("cuda") for _ in range(3))
        ratio = statistics.median(cpu) / gpu
        rows.append(
            (
                f"default MLP training, {torch.cuda.get_device_name()}",
                f"{gpu:.2f} s ({ratio:.1f}× CPU)",
                "≥ 5× faster than CPU",
            )
        )
    print("| measurement | result | budget |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
