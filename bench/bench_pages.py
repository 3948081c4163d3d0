"""Latency of every built lesson against a trivial one-slider page, measured in the same run.

    python -m bench.bench_pages [--repeats 15] [--lang en] [--pages fitting,loss-surface]

1. Browser: one Streamlit server (bench/bench_app.py: the course plus the reference page), Debian's
   Chromium; first load of each page, then presses of → and ← on its first slider, each timed from
   the key press until the script is idle and the charts have changed.
2. Server run: inside that server, the time of the script runs each press caused (a fragment's
   rerun when the slider lives in an st.fragment, the whole page otherwise), from bench/timing.py.
3. Full-page rerun: AppTest runs the page and moves its first slider; it always reruns the whole
   script, so this is the cost of a run when no fragment limits it.
4. The server's resident memory after every page has been visited.

Ratios are against the reference page measured the same way in the same run: these machines are
noisy, absolute numbers are not comparable between runs.
"""

import argparse
import statistics
import time
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from streamlit.testing.v1 import AppTest

from bench.timing import LOG_ENV_VAR, read_ms
from tests.harness import (
    launch_browser,
    nudge_first_slider,
    nudge_slider,
    open_page,
    slider_at_end,
    slider_count,
    slider_label,
    streamlit_server,
)
from ui.lessons import ROOT, built_lessons

REFERENCE = ROOT / "bench" / "reference_page.py"
REFERENCE_SLUG = "bench-reference"
FLOOR = ROOT / "bench" / "floor_page.py"  # the reference's slider with one real lesson chart
BUDGET = {"server_ms": 50.0, "slider_ratio": 1.3, "first_load_ratio": 2.0, "memory_mb": 1536.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def full_page_reruns(path: Path, repeats: int, lang: str) -> list[float]:
    """Milliseconds per AppTest rerun after moving the page's first slider one step."""
    at = AppTest.from_file(str(path), default_timeout=300)
    at.query_params["lang"] = lang
    at.run()
    slider = at.slider[0]
    low = slider.value
    step = (slider.max - slider.min) / 100 if isinstance(slider.value, float) else 1
    high = min(slider.max, low + step) if low < slider.max else max(slider.min, low - step)
    times = []
    for i in range(repeats):
        at.slider[0].set_value(high if i % 2 == 0 else low)
        start = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - start) * 1000)
        assert not at.exception, [e.value for e in at.exception]
    return times


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def every_slider(page, repeats: int) -> list[tuple[str, float | None]]:
    """(label, median ms) for each slider on the page; None for one that moves no chart."""
    results = []
    for index in range(slider_count(page)):
        label = slider_label(page, index)
        times = []
        for i in range(repeats):
            key = "ArrowRight" if i % 2 == 0 else "ArrowLeft"
            if slider_at_end(page, index, key):
                key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            try:
                times.append(nudge_slider(page, index, timeout_ms=10_000, key=key) * 1000)
            except PlaywrightTimeout:  # e.g. a slider that changes a table or text, not a chart
                break
        results.append((label, statistics.median(times) if len(times) == repeats else None))
    return results


def browser_latencies(slugs: list[str], repeats: int, lang: str, each: int = 0):
    """First-load ms, slider ms and server-run ms per page, the server's memory at the end, and
    (when `each`) every slider's median ms per page."""
    from playwright.sync_api import sync_playwright

    loads, sliders, server, per_slider = {}, {}, {}, {}
    log_path = ROOT / "bench" / "results" / "server-runs.log"
    log_path.parent.mkdir(exist_ok=True)
    log_path.unlink(missing_ok=True)
    app = ROOT / "bench" / "bench_app.py"
    with streamlit_server(app, env={LOG_ENV_VAR: str(log_path)}) as (base_url, process), sync_playwright() as pw:
        browser = launch_browser(pw)
        # Warm the server once (imports, caches), as a class's later learners find it.
        warm = browser.new_page()
        for slug in slugs:
            open_page(warm, f"{base_url}/{slug}?lang={lang}")
        warm.close()
        for slug in slugs:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            open_page(page, f"{base_url}/{slug}?lang={lang}")
            loads[slug] = (time.perf_counter() - start) * 1000
            sliders[slug], server[slug] = [], []
            keys = ("ArrowLeft", "ArrowRight") if slider_at_end(page, 0, "ArrowRight") else ("ArrowRight", "ArrowLeft")
            for i in range(repeats):  # there and back: never runs into the end of a short slider
                runs_before = len(read_ms(log_path))
                sliders[slug].append(nudge_first_slider(page, key=keys[i % 2]) * 1000)
                server[slug].append(sum(read_ms(log_path)[runs_before:]))
            if each:
                per_slider[slug] = every_slider(page, each)
            page.close()
        browser.close()
        memory = rss_mb(process.pid)
    return loads, sliders, server, memory, per_slider


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--pages", help="comma-separated slugs to measure (default: every built lesson)")
    parser.add_argument("--every-slider", type=int, default=0, metavar="N", help="also time N moves of every slider")
    args = parser.parse_args()

    lessons = [x for x in built_lessons() if not args.pages or x.slug in args.pages.split(",")]
    pages = [
        ("reference (1 slider)", REFERENCE_SLUG, REFERENCE),
        ("floor (1 slider, 1 lesson chart)", "bench-floor", FLOOR),
    ]
    pages += [(x.slug, x.slug, x.path) for x in lessons]
    full = {slug: full_page_reruns(path, args.repeats, args.lang) for _, slug, path in pages}
    slugs = [slug for _, slug, _ in pages]
    loads, sliders, server, memory, per_slider = browser_latencies(slugs, args.repeats, args.lang, args.every_slider)
    ref_slider, ref_load = statistics.median(sliders[REFERENCE_SLUG]), loads[REFERENCE_SLUG]

    print(f"\n{args.repeats} slider moves per page, language {args.lang}, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print(
        "| page | server run median ms | p95 | slider median ms | p95 | slider ratio "
        "| first load ms | load ratio | full-page rerun median ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, slug, _ in pages:
        run, slider = server[slug], sliders[slug]
        print(
            f"| {name} | {statistics.median(run):.1f} | {percentile(run, 0.95):.1f} "
            f"| {statistics.median(slider):.0f} | {percentile(slider, 0.95):.0f} "
            f"| {statistics.median(slider) / ref_slider:.2f} | {loads[slug]:.0f} | {loads[slug] / ref_load:.2f} "
            f"| {statistics.median(full[slug]):.1f} |"
        )
    if per_slider:
        print(f"\nEvery slider, {args.every_slider} moves each (median ms; ratio to the reference's first slider):\n")
        print("| page | slider | median ms | ratio |")
        print("|---|---|---:|---:|")
        for slug, rows in per_slider.items():
            for label, ms in rows:
                shown = ("no chart moved", "") if ms is None else (f"{ms:.0f}", f"{ms / ref_slider:.2f}")
                print(f"| {slug} | {label} | {shown[0]} | {shown[1]} |")
    print(f"\nServer resident memory after visiting every page: {memory:.0f} MB (budget {BUDGET['memory_mb']:.0f} MB)")
    print(
        f"Budgets: server run median < {BUDGET['server_ms']:.0f} ms; slider ratio <= {BUDGET['slider_ratio']}; "
        f"first-load ratio <= {BUDGET['first_load_ratio']}"
    )


if __name__ == "__main__":
    main()
