"""Scrubbing in the browser against the trivial page's slider round trip, measured in the same run.

    python -m bench.bench_scrub [--repeats 15] [--lang en] [--only epochs]

For each scrub figure (ui/scrub.py) and lesson 1's line pad (ui/line_pad.py), Chromium drags the
control in small mouse moves. In the page, each move's time is noted at the pointer event, and the
redraw it causes at the next animation frame after the figure's title (or the pad's readout)
changed: input event to first redraw. The page's run state is watched too: a drag must run no
script. The reference is the trivial one-slider page's round trip (→ pressed until idle and
redrawn), as bench_pages measures it. DESIGN.md's budget: a drag's redraw ≤ 0.5× that round trip.
"""

import argparse
import statistics

from bench.bench_pages import REFERENCE_SLUG
from tests.harness import launch_browser, nudge_first_slider, open_page, streamlit_server
from ui.lessons import ROOT

# (lesson, what, CSS selector of the element whose text changes with the state, drag selector)
TARGETS = [
    ("fitting", "line pad (k and b)", ".pad .readout", ".pad input.b"),
    ("fitting", "first epoch, tea by tea", ".st-key-fit_steps_chart .gtitle", ".st-key-fit_steps_chart"),
    ("fitting", "epochs 0-100", ".st-key-fit_epochs_chart .gtitle", ".st-key-fit_epochs_chart"),
    ("sampling", "temperature", ".st-key-smp_temperature_chart .gtitle", ".st-key-smp_temperature_chart"),
    ("sampling", "top-p", ".st-key-smp_top_p_chart .gtitle", ".st-key-smp_top_p_chart"),
    # the walks' headlines are text traces (they are scrubbed without a redraw)
    ("loss-surface", "the ravine, step by step", ".st-key-loss_walk_chart .textpoint text", ".st-key-loss_walk_chart"),
    ("loss-surface", "round bowl, step by step", ".st-key-loss_bowl_chart .textpoint text", ".st-key-loss_bowl_chart"),
    ("neural-networks", "red input: every node", ".st-key-nn_hero_chart .gtitle", ".st-key-nn_hero_chart"),
    ("overfitting", "degree 1-15", ".st-key-of_degree_chart .gtitle", ".st-key-of_degree_chart"),
    ("overfitting", "remedy strength", ".st-key-of_remedy_chart .gtitle", ".st-key-of_remedy_chart"),
    ("overfitting", "training epochs", ".st-key-of_replay_chart .gtitle", ".st-key-of_replay_chart"),
    ("convolution", "kernel slid over the digit", ".st-key-conv_slide_chart .gtitle", ".st-key-conv_slide_chart"),
    ("convolution", "digit shifted", ".st-key-conv_shift_chart .gtitle", ".st-key-conv_shift_chart"),
    ("convolution", "kernels over epochs", ".st-key-conv_epochs_chart .gtitle", ".st-key-conv_epochs_chart"),
    ("tokens", "BPE merges 0-300", ".st-key-tok_hero_chart .trace:last-child text", ".st-key-tok_hero_chart"),
    # its headline is the in-figure slider's current value (the figure is scrubbed without a redraw)
    (
        "generation",
        "training checkpoints",
        ".st-key-gen_hero_chart .slider-group > .slider-label",
        ".st-key-gen_hero_chart",
    ),  # fmt: skip
    (
        "fine-tuning",
        "fine-tuning steps",
        ".st-key-ft_hero_chart .scatterlayer .trace:last-child text",
        ".st-key-ft_hero_chart",
    ),
    ("embeddings", "numbers kept, d", ".st-key-emb_dims_chart .gtitle", ".st-key-emb_dims_chart"),
    ("embeddings", "one number / one-hot / MiniLM", ".st-key-emb_repr_chart .gtitle", ".st-key-emb_repr_chart"),
    ("attention", "query word: its row", ".st-key-att_query_chart .gtitle", ".st-key-att_query_chart"),
    ("attention", "MiniLM layer and head", ".st-key-att_lm_chart .gtitle", ".st-key-att_lm_chart"),
    ("big-picture", "pruned share", ".st-key-big_states_chart .gtitle", ".st-key-big_states_chart"),
]

# Pointer time of each move, and the frame after the watched text changed; script runs meanwhile.
WATCH = """(selector) => {
  window.__lat = []; window.__runs = 0; window.__t0 = null;
  document.addEventListener('pointermove', () => { window.__t0 = performance.now(); }, true);
  document.addEventListener('mousemove', () => { if (window.__t0 === null) window.__t0 = performance.now(); }, true);
  const target = document.querySelector(selector);
  new MutationObserver(() => {
    const t0 = window.__t0;
    if (t0 === null) return;
    window.__t0 = null;
    requestAnimationFrame(() => window.__lat.push(performance.now() - t0));
  }).observe(target.parentNode, {subtree: true, childList: true, characterData: true});
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def drag(page, selector: str, moves: int) -> None:
    """Press and move across most of the control's width in `moves` steps, then let go."""
    if selector.startswith(".pad"):
        handle = page.locator(selector)
        handle.scroll_into_view_if_needed()
        box = handle.bounding_box()
        y = box["y"] + box["height"] / 2
        start_x, end_x = box["x"] + box["width"] * 0.667, box["x"] + box["width"] * 0.1
    else:
        page.locator(f"{selector} .slider-rail-rect").first.scroll_into_view_if_needed()
        grip = page.locator(f"{selector} .slider-grip-rect").first.bounding_box()
        rail = page.locator(f"{selector} .slider-rail-rect").first.bounding_box()
        start_x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
        end_x = rail["x"] + rail["width"] * (0.95 if start_x < rail["x"] + rail["width"] / 2 else 0.05)
    page.mouse.move(start_x, y)
    page.mouse.down()
    for i in range(1, moves + 1):
        page.mouse.move(start_x + (end_x - start_x) * i / moves, y)
        page.wait_for_timeout(40)
    page.evaluate("window.__runs_during = window.__runs")  # letting go of the pad runs the script, once
    page.mouse.up()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--only", default="", help="measure only the controls whose lesson or name contains this")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    app = ROOT / "bench" / "bench_app.py"
    with streamlit_server(app) as (base_url, _process), sync_playwright() as pw:
        browser = launch_browser(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        open_page(page, f"{base_url}/{REFERENCE_SLUG}?lang={args.lang}")
        keys = ("ArrowRight", "ArrowLeft")
        reference = [nudge_first_slider(page, key=keys[i % 2]) * 1000 for i in range(args.repeats)]
        page.close()
        ref = statistics.median(reference)
        print(f"reference slider round trip: median {ref:.0f} ms ({args.repeats} presses)")
        print(f"{'lesson':10} {'control':26} {'redraws':>7} {'median ms':>9} {'p90 ms':>7} {'ratio':>6} {'runs':>5}")
        for slug, what, watched, control in TARGETS:
            if args.only not in f"{slug} {what}":
                continue
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            open_page(page, f"{base_url}/{slug}?lang={args.lang}")
            page.evaluate(WATCH, watched)
            drag(page, control, args.repeats * 2)
            page.wait_for_timeout(200)
            latencies, runs = page.evaluate("window.__lat"), page.evaluate("window.__runs_during")
            page.close()
            if not latencies:
                print(f"{slug:10} {what:26} no redraw seen")
                continue
            median = statistics.median(latencies)
            p90 = sorted(latencies)[int(0.9 * (len(latencies) - 1))]
            print(f"{slug:10} {what:26} {len(latencies):7d} {median:9.1f} {p90:7.1f} {median / ref:6.2f} {runs:5d}")
        browser.close()


if __name__ == "__main__":
    main()
