"""Latency of every built lesson against a trivial one-slider page, measured in the same run.

    python -m bench.bench_pages [--repeats 15] [--lang en]

1. Server-side rerun: AppTest runs the page, then moves its first slider back and forth; each
   rerun is timed. (AppTest runs the script in-process, as the server does, without the network.)
2. Browser: one Streamlit server (bench/bench_app.py: the course plus the reference page), Debian's
   Chromium; first load of each page, then → presses on its first slider, each timed from the key
   press until the script is idle and the charts have changed.
3. The server's resident memory after every page has been visited.

Ratios are against the reference page measured the same way in the same run: these machines are
noisy, absolute numbers are not comparable between runs.
"""

import argparse
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.harness import launch_browser, nudge_first_slider, open_page, streamlit_server
from ui.lessons import ROOT, built_lessons

REFERENCE = ROOT / "bench" / "reference_page.py"
BUDGET = {"rerun_ms": 50.0, "slider_ratio": 1.3, "first_load_ratio": 2.0, "memory_mb": 1536.0}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def server_reruns(path: Path, repeats: int, lang: str) -> list[float]:
    """Milliseconds per rerun after moving the page's first slider one step."""
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


def browser_latencies(slugs: list[str], repeats: int, lang: str) -> tuple[dict, dict, float]:
    from playwright.sync_api import sync_playwright

    loads, sliders = {}, {}
    with streamlit_server(ROOT / "bench" / "bench_app.py") as (base_url, process), sync_playwright() as pw:
        browser = launch_browser(pw)
        # Warm the server once (imports, caches), as a learner's class would after the first visitor.
        warm = browser.new_page()
        for slug in slugs:
            open_page(warm, f"{base_url}/{slug}?lang={lang}")
        warm.close()
        for slug in slugs:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            start = time.perf_counter()
            open_page(page, f"{base_url}/{slug}?lang={lang}")
            loads[slug] = (time.perf_counter() - start) * 1000
            # right, left, right...: never runs into the end of a short slider
            keys = ["ArrowRight", "ArrowLeft"] * repeats
            sliders[slug] = [nudge_first_slider(page, key=key) * 1000 for key in keys[:repeats]]
            page.close()
        browser.close()
        memory = rss_mb(process.pid)
    return loads, sliders, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()

    lessons = built_lessons()
    rows = []
    reference_rerun = server_reruns(REFERENCE, args.repeats, args.lang)
    reruns = {lesson.slug: server_reruns(lesson.path, args.repeats, args.lang) for lesson in lessons}
    slugs = ["bench-reference"] + [lesson.slug for lesson in lessons]
    loads, sliders, memory = browser_latencies(slugs, args.repeats, args.lang)

    ref_rerun = statistics.median(reference_rerun)
    ref_slider = statistics.median(sliders["bench-reference"])
    ref_load = loads["bench-reference"]
    rows.append(("reference (1 slider)", reference_rerun, sliders["bench-reference"], ref_load))
    rows += [(lesson.slug, reruns[lesson.slug], sliders[lesson.slug], loads[lesson.slug]) for lesson in lessons]

    print(f"\nLatency, {args.repeats} slider moves per page, language {args.lang}, {time.strftime('%Y-%m-%d %H:%M')}\n")
    print(
        "| page | rerun median ms | rerun p95 ms | rerun ratio | slider median ms | slider p95 ms "
        "| slider ratio | first load ms | load ratio |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rerun, slider, load in rows:
        print(
            f"| {name} | {statistics.median(rerun):.1f} | {percentile(rerun, 0.95):.1f} "
            f"| {statistics.median(rerun) / ref_rerun:.2f} | {statistics.median(slider):.0f} "
            f"| {percentile(slider, 0.95):.0f} | {statistics.median(slider) / ref_slider:.2f} "
            f"| {load:.0f} | {load / ref_load:.2f} |"
        )
    print(f"\nServer resident memory after visiting every page: {memory:.0f} MB (budget {BUDGET['memory_mb']:.0f} MB)")
    print(
        f"Budgets: rerun median < {BUDGET['rerun_ms']:.0f} ms; slider ratio <= {BUDGET['slider_ratio']}; "
        f"first-load ratio <= {BUDGET['first_load_ratio']}"
    )


if __name__ == "__main__":
    main()
