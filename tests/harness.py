"""Serve the app on loopback and drive it in Debian's headless Chromium.

Shared by the browser tests and the benchmarks in bench/. Playwright's own browser download
cannot work offline, so we launch the system Chromium.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
EXCEPTION = '[data-testid="stException"]'
SLIDER = '[data-testid="stSlider"]'
SLIDER_THUMB = f'{SLIDER} input[type="range"]'
# A fingerprint of every Plotly chart on the page: changes when any plotted value changes.
_FINGERPRINT = """(() => {
    const text = Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"] .main-svg'))
        .map(svg => svg.innerHTML).join('|');
    let hash = 5381;
    for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
    return text.length + ':' + hash;
})()"""
CHARTS_FINGERPRINT_JS = f"() => {_FINGERPRINT}"
CHART_CHANGED_JS = f"([selector, before]) => document.querySelector(selector) !== null && ({_FINGERPRINT}) !== before"
# Watches one widget move from the key press on: when the press happened, whether the server has answered
# since (a message; the app's run state may flip and flip back within one render, unseen), and when a
# chart's DOM last changed after that (a chart drawn anew included). A move is over once the
# app is idle again and its charts have been quiet for QUIET_MS: the last change ends the redraw the
# learner waits for. (Stopping at the first change was wrong for scrub figures: their companion marks
# the chart a frame before Plotly redraws it, so the wait ended early and the next move's watcher saw
# the previous redraw.)
QUIET_MS = 120
WATCH_CHARTS_JS = """() => {
    const chart = '[data-testid="stPlotlyChart"]';
    const touches = (r) => (r.target.closest && r.target.closest(chart))
        || Array.from(r.addedNodes).some(n => n.querySelector && (n.matches(chart) || n.querySelector(chart)));
    Object.assign(window, {__pressAt: null, __pressMessages: Infinity, __chartChanges: 0, __chartLast: 0});
    if (window.__chartWatcher) window.__chartWatcher.disconnect();
    document.addEventListener('keydown', () => {
        window.__pressAt = performance.now();
        window.__pressMessages = window.__messages;
    }, {once: true, capture: true});
    window.__chartWatcher = new MutationObserver((records) => {
        if (window.__messages > window.__pressMessages && records.some(touches)) {
            window.__chartChanges += 1;
            window.__chartLast = performance.now();
        }
    });
    const everything = {subtree: true, childList: true, attributes: true, characterData: true};
    window.__chartWatcher.observe(document.body, everything);
}"""
CHART_SETTLED_JS = """([selector, quiet]) => document.querySelector(selector) !== null && window.__chartChanges > 0
    && performance.now() - window.__chartLast > quiet"""


def chromium_path() -> str | None:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(script: str | Path = "app.py", timeout: float = 90.0, env: dict | None = None):
    """Start `streamlit run script` on a free loopback port; yield (base_url, process)."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log = open(ROOT / "tests" / "artifacts" / f"server-{port}.log", "w") if _artifacts() else subprocess.DEVNULL
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start (exit code {process.poll()})")
            time.sleep(0.3)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not subprocess.DEVNULL:
            log.close()


def _artifacts() -> Path:
    path = ROOT / "tests" / "artifacts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)


def wait_idle(page, timeout_ms: float = 60_000) -> None:
    """Wait until the script has run and the page is idle."""
    page.wait_for_selector(APP_IDLE, timeout=timeout_ms)


def charts_fingerprint(page) -> str:
    return page.evaluate(CHARTS_FINGERPRINT_JS)


# Counts the messages the app receives from the server (Streamlit's one WebSocket), from the page's start.
COUNT_MESSAGES_JS = """if (!window.__messages) {
    window.__messages = 0;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) {
            super(...args);
            this.addEventListener('message', () => { window.__messages += 1; });
        }
    };
}"""


def open_page(page, url: str, timeout_ms: float = 90_000) -> None:
    if not getattr(page, "_llmx_counting", False):
        page.add_init_script(COUNT_MESSAGES_JS)
        page._llmx_counting = True
    page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    # Every page has a title: waiting for it as well as for "not running" avoids catching the
    # app idle before its first run has even started (seen under heavy load).
    page.wait_for_selector("h1", timeout=timeout_ms)
    wait_idle(page, timeout_ms)
    # Charts draw just after the script finishes; give Plotly a moment to render.
    with contextlib.suppress(Exception):
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=3_000)


def nudge_first_slider(page, timeout_ms: float = 30_000, key: str = "ArrowRight") -> float:
    """Press → (or `key`) on the page's first slider; see nudge_slider."""
    return nudge_slider(page, 0, timeout_ms, key)


def slider_count(page) -> int:
    return page.locator(SLIDER_THUMB).count()


def slider_label(page, index: int) -> str:
    return page.locator(SLIDER).nth(index).inner_text().split("\n")[0]


def slider_at_end(page, index: int, key: str) -> bool:
    """Whether pressing `key` would not move the index-th slider (it is at that end already)."""
    value, low, high = page.locator(SLIDER_THUMB).nth(index).evaluate("e => [+e.value, +e.min, +e.max]")
    return value >= high if key == "ArrowRight" else value <= low


def nudge_slider(page, index: int = 0, timeout_ms: float = 30_000, key: str = "ArrowRight") -> float:
    """Press → (or `key`) on the index-th slider and wait for every chart to be redrawn; return seconds.

    The clock runs from the key press (in the page) to the last change of a chart after the app ran,
    once the script is idle and the charts have been quiet for QUIET_MS: what a learner waits for. The
    redraw is then checked to have changed a plotted value (the charts' fingerprint differs from before),
    off the clock: hashing the attention lesson's SVG takes ~9 ms, work no learner waits for. If nothing
    had changed yet, the wait goes on until a value has.
    """
    thumb = page.locator(SLIDER_THUMB).nth(index)
    thumb.wait_for(state="attached", timeout=timeout_ms)
    thumb.focus()
    before = charts_fingerprint(page)
    page.evaluate(WATCH_CHARTS_JS)
    page.keyboard.press(key)
    page.wait_for_function(CHART_SETTLED_JS, arg=[APP_IDLE, QUIET_MS], timeout=timeout_ms, polling=10)
    if charts_fingerprint(page) == before:
        page.wait_for_function(CHART_CHANGED_JS, arg=[APP_IDLE, before], timeout=timeout_ms, polling=10)
    return page.evaluate("window.__chartLast - window.__pressAt") / 1000


# Counts every change of the app's run state from now on: a script run shows as "running".
WATCH_RUNS = """() => {
  window.__runs = 0;
  const app = document.querySelector('[data-testid="stApp"]');
  new MutationObserver(() => {
    if (app.getAttribute('data-test-script-state') === 'running') window.__runs += 1;
  }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""


def chart_title(page, key: str) -> str:
    return page.locator(f".st-key-{key} .gtitle").first.text_content()


def drag_figure_slider(page, key: str, fraction: float) -> None:
    """Press the in-figure slider's grip and drag it to `fraction` of the rail, in small moves."""
    page.locator(f".st-key-{key} .slider-rail-rect").first.scroll_into_view_if_needed()
    grip = page.locator(f".st-key-{key} .slider-grip-rect").first.bounding_box()
    rail = page.locator(f".st-key-{key} .slider-rail-rect").first.bounding_box()
    x, y = grip["x"] + grip["width"] / 2, grip["y"] + grip["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    target = rail["x"] + fraction * rail["width"]
    for step in range(1, 11):
        page.mouse.move(x + (target - x) * step / 10, y)
        page.wait_for_timeout(30)
    page.mouse.up()


def drag_and_read(page, key: str, fraction: float, read=chart_title) -> tuple[str, str, int]:
    """Drag scrub figure `key`'s own slider to `fraction`: (what `read` gives before, after, script runs meanwhile)."""
    page.locator(f".st-key-{key}").scroll_into_view_if_needed()
    before = read(page, key)
    page.evaluate(WATCH_RUNS)
    drag_figure_slider(page, key, fraction)
    page.wait_for_timeout(300)
    return before, read(page, key), page.evaluate("window.__runs")
