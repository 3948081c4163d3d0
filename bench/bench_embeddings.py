"""Lesson 6's performance figures: model load, embedding, cached reruns and the app's memory.

    python -m bench.bench_embeddings [--repeats 15]

1. Model: a fresh Python process imports sentence-transformers and loads MiniLM offline (what the
   first visitor of a server waits for once), then embeds the lesson's example list; its resident
   memory is read after that.
2. Embedding on this process: the example list (24 entries), the FAQ knowledge base, one question.
3. Server-side rerun after a move of the page's first `st.slider` (the passages retrieved, k; the
   hero's d is a select-slider scrubbed in the browser), in AppTest, against the trivial reference page
   measured the same way: the embeddings and the hero's states come from the caches by then.
4. The hero's states: core.embeddings.drop_dimensions over the 26 values of d for the example list
   (what a learner's own list costs once), and the scrub figure built from them.
5. Memory of the whole app: one server (bench/bench_app.py) with every built page opened in
   Chromium, its resident set size read afterwards.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from bench.bench_pages import REFERENCE, full_page_reruns, percentile, rss_mb
from ui.i18n import load_catalog
from ui.lessons import ROOT, built_lessons, lesson

BUDGET = {"rerun_ms": 50.0, "memory_mb": 1536.0}
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
LOAD_SCRIPT = """
import json, time
t0 = time.perf_counter()
import sentence_transformers  # noqa: F401
t1 = time.perf_counter()
from core import embeddings as emb
model = emb.load_model("cpu")
t2 = time.perf_counter()
emb.embed(model, TEXTS)
t3 = time.perf_counter()
rss = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(json.dumps({"import_s": t1 - t0, "load_s": t2 - t1, "first_embed_s": t3 - t2, "rss_mb": rss}))
"""


def example_texts() -> list[str]:
    from core.embeddings import parse_entries

    return [e.text for e in parse_entries(load_catalog("en")["embeddings.default_entries"], "")[0]]


def fresh_process_load() -> dict:
    code = f"TEXTS = {example_texts()!r}\n{LOAD_SCRIPT}"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **OFFLINE}, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def embedding_times(repeats: int) -> list[tuple[str, int, float]]:
    from core import embeddings as emb

    model = emb.load_model("cpu")
    kb = [p for p in load_catalog("en")["embeddings.knowledge_base"].splitlines() if p.strip()]
    rows = []
    for name, texts in (("example list", example_texts()), ("FAQ knowledge base", kb), ("one question", ["Why?"])):
        emb.embed(model, texts)  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            emb.embed(model, texts)
            times.append((time.perf_counter() - start) * 1000)
        rows.append((name, len(texts), statistics.median(times)))
    return rows


def hero_times(repeats: int) -> tuple[float, float, int]:
    """Median ms of the hero's core states and of its scrub figure, and the figure's size in bytes."""
    import plotly.io

    from core import embeddings as emb
    from ui import embeddings_charts as charts

    texts = example_texts()
    X, basis, ds = emb.embed(emb.load_model("cpu"), texts).X, emb.load_basis(), emb.dimension_ladder()
    states_ms, figure_ms = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        states = emb.drop_dimensions(X, basis, 0, ds)
        middle = time.perf_counter()
        spec = charts.dims_template(texts, 0, states, list(emb.nearest(X, 0, emb.HERO_K)[0]))
        states_ms.append((middle - start) * 1000)
        figure_ms.append((time.perf_counter() - middle) * 1000)
    return statistics.median(states_ms), statistics.median(figure_ms), len(plotly.io.json.to_json_plotly(spec))


def app_memory(lang: str) -> float:
    from playwright.sync_api import sync_playwright

    from tests.harness import launch_browser, open_page, streamlit_server

    slugs = [item.slug for item in built_lessons()]
    with streamlit_server(ROOT / "bench" / "bench_app.py", env=OFFLINE) as (base_url, process), sync_playwright() as pw:
        browser = launch_browser(pw)
        page = browser.new_page()
        for slug in slugs:
            open_page(page, f"{base_url}/{slug}?lang={lang}", timeout_ms=180_000)
        browser.close()
        return rss_mb(process.pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    os.environ.update(OFFLINE)

    load = fresh_process_load()
    embeds = embedding_times(5)
    states_ms, figure_ms, spec_bytes = hero_times(5)
    page = lesson("embeddings").path
    reference = full_page_reruns(REFERENCE, args.repeats, args.lang)
    reruns = full_page_reruns(page, args.repeats, args.lang)
    memory = app_memory(args.lang)

    print(f"\nLesson 6 (embeddings), {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPU cores\n")
    print("| what | measured | budget |\n|---|---:|---:|")
    print(f"| import sentence-transformers (fresh process) | {load['import_s']:.2f} s | once per server |")
    print(f"| load MiniLM from the wheel, offline | {load['load_s']:.2f} s | once per server |")
    print(f"| first embedding of the example list | {load['first_embed_s']:.2f} s | |")
    print(f"| resident memory of that process | {load['rss_mb']:.0f} MB | |")
    for name, count, ms in embeds:
        print(f"| embed {name} ({count} texts), median | {ms:.0f} ms | |")
    print(f"| hero: the 26 states of d (drop_dimensions), median | {states_ms:.0f} ms | first computation < 1 s |")
    print(f"| hero: its scrub figure (dims_template), median | {figure_ms:.0f} ms | |")
    print(f"| hero: the figure's size | {spec_bytes / 1e3:.0f} kB | < 2 MB |")
    ref, ours = statistics.median(reference), statistics.median(reruns)
    print(f"| reference page rerun, median | {ref:.1f} ms | |")
    print(f"| page rerun after moving d, median (p95) | {ours:.1f} ms ({percentile(reruns, 0.95):.1f}) | < 50 ms |")
    print(f"| rerun ratio to the reference page | {ours / ref:.2f} | |")
    print(
        f"| whole app, every built page visited: resident memory | {memory:.0f} MB | < {BUDGET['memory_mb']:.0f} MB |"
    )


if __name__ == "__main__":
    main()
