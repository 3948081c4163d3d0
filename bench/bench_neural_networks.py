"""Lesson 3's performance figures, as a Markdown table: `python -m bench.bench_neural_networks`.

- compute time of the interactive parts (forward pass, one backprop step with the live autograd
  check, the hero's 256-state sweep and its scrub template, the symmetry demonstration, the
  gradient-norm plot's three 30-layer stacks), budget: well inside the 50 ms rerun, or one second
  for what is built once per setting and shared;
- the default 6x12 / 1x272 pair the "Deep or wide?" tab shows on arrival (st.cache_resource once per
  server: budget about 2 s on the CPU), the 1D fit at the default setting on the CPU (budget 5 s)
  and, where CUDA is present, on the GPU;
- the page's rerun after a move of its first slider, in AppTest, beside lesson 1's page measured in
  the same run (AppTest's own overhead is in both).
"""

import os
import statistics
import subprocess
import sys
import time

import torch

from core import neural_networks as nnc

REPEATS = 7


def median_ms(fn, repeats: int = REPEATS) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def interactive_rows() -> list[tuple[str, str, str]]:
    layers = nnc.leaf_layers()
    x = nnc.LEAF_INPUT
    forward = median_ms(lambda: nnc.forward(layers, x, "relu"))
    step = median_ms(lambda: (nnc.backprop_step(layers, x, 0, "relu", 1e-3), nnc.torch_gradients(layers, x, 0, "relu")))
    norms = median_ms(lambda: [nnc.gradient_norms(30, a, 1.0) for a in ("sigmoid", "tanh", "relu")])
    sweep = median_ms(lambda: nnc.input_sweep(layers, x, 0, range(256), "relu"))  # the text's: every red
    hero = median_ms(lambda: hero_template(layers, x), repeats=3)
    symmetry = median_ms(lambda: (nnc.symmetry_run("equal"), nnc.symmetry_run("random")), repeats=3)
    return [
        ("forward pass, leaf network", f"{forward:.3f} ms", "< 50 ms rerun"),
        ("one backprop step + torch.autograd check", f"{step:.3f} ms", "< 50 ms rerun"),
        ("the hero's sweep, 256 values of red", f"{sweep:.2f} ms", "< 50 ms rerun"),
        ("the hero's scrub template, 65 frames", f"{hero:.0f} ms", "< 1 s, once per setting (shared)"),
        ("symmetry demonstration, 2 x 1,000 steps", f"{symmetry:.0f} ms", "< 1 s, once per server"),
        ("gradient norms, 3 activations x 30 layers", f"{norms:.1f} ms", "< 50 ms rerun (cached per setting)"),
    ]


def hero_template(layers, x) -> dict:
    from ui import neural_networks_charts as charts

    names = [["R", "G", "B", "V"], ["h1", "h2", "h3"], ["leaf", "flower"]]
    sweep = nnc.input_sweep(layers, x, 0, (*range(0, 256, 4), 255), "relu")  # the page's RED_STATES
    return charts.hero_template(sweep, layers, 0, "relu", names, (0, 0), True)


def fit_rows() -> list[tuple[str, str, str]]:
    x, y = nnc.make_target("sine")
    config = nnc.FitConfig()
    label = f"1D fit, default ({config.depth}x{config.width} {config.activation}, {config.steps} Adam steps)"
    nnc.fit_mlp(x, y, nnc.FitConfig(steps=20), device=torch.device("cpu"))  # warm up
    cpu = nnc.fit_mlp(x, y, config, device=torch.device("cpu"))
    rows = [(f"{label}, CPU, {torch.get_num_threads()} threads", f"{cpu.seconds:.2f} s", "< 5 s")]
    rows.append((f"{label}, CPU, process started with OMP_NUM_THREADS=1", f"{one_thread_fit():.2f} s", "< 5 s"))
    x, y = nnc.make_target(nnc.TARGETS[0])  # the tab's default curve
    pair = [
        nnc.fit_mlp(x, y, nnc.FitConfig(depth=d, width=w), device=torch.device("cpu")) for d, w in ((6, 12), (1, 272))
    ]
    seconds = sum(r.seconds for r in pair)
    rows.append(("the default 6x12 + 1x272 pair (shown on arrival), CPU", f"{seconds:.2f} s", "<= 2 s: cache_resource"))
    if torch.cuda.is_available():
        nnc.fit_mlp(x, y, nnc.FitConfig(steps=20), device=torch.device("cuda"))
        gpu = nnc.fit_mlp(x, y, config, device=torch.device("cuda"))
        rows.append((f"{label}, CUDA", f"{gpu.seconds:.2f} s", f"5x faster than CPU: {cpu.seconds / gpu.seconds:.1f}x"))
    return rows


def one_thread_fit() -> float:
    """The same default fit in a fresh process limited to one thread (torch's threads, set from outside)."""
    code = (
        "import torch; from core import neural_networks as n; x, y = n.make_target('sine'); "
        "n.fit_mlp(x, y, n.FitConfig(steps=20), device=torch.device('cpu')); "
        "print(n.fit_mlp(x, y, n.FitConfig(), device=torch.device('cpu')).seconds)"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return float(
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    )


def rerun_rows() -> list[tuple[str, str, str]]:
    from streamlit.testing.v1 import AppTest

    from ui.lessons import ROOT

    def rerun_median(page: str, key: str, values, kind: str = "slider") -> float:
        at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=120)
        at.query_params["lang"] = "en"
        at.run()
        times = []
        for i in range(2 * REPEATS):
            start = time.perf_counter()
            getattr(at, kind)(key=key).set_value(values[i % 2]).run()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1000

    ours = rerun_median("neural_networks", "nn_r", (36, 32), "select_slider")  # red: the hero's states
    reference = rerun_median("fitting", "fit_steps", (1, 2))
    return [
        (
            "page rerun after the first slider (AppTest)",
            f"{ours:.0f} ms",
            f"lesson 1 in the same run: {reference:.0f} ms",
        ),
    ]


def main() -> None:
    rows = interactive_rows() + fit_rows() + rerun_rows()
    print(f"{os.cpu_count()} CPUs, 1-minute load average {os.getloadavg()[0]:.1f} when the measurements ended\n")
    print("| measurement | result | budget / reference |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
