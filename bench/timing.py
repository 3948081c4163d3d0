"""Time every script run inside a real Streamlit server, fragment reruns included.

bench_app.py installs this in the server process when LLMX_BENCH_TIMING_LOG names a file; each
run appends one line with its duration in milliseconds. (A bench-only patch of a Streamlit
internal: the app itself never imports this module.)
"""

import os
import time

from streamlit.runtime.scriptrunner import script_runner

LOG_ENV_VAR = "LLMX_BENCH_TIMING_LOG"


def install() -> None:
    """Wrap the call that executes the script's code (the page, or one fragment of it)."""
    log_path = os.environ.get(LOG_ENV_VAR)
    if not log_path or getattr(script_runner, "_llmx_timed", False):
        return
    original = script_runner.exec_func_with_error_handling

    def timed(func, ctx):
        start = time.perf_counter()
        try:
            return original(func, ctx)
        finally:
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(f"{(time.perf_counter() - start) * 1000:.3f}\n")

    script_runner.exec_func_with_error_handling = timed
    script_runner._llmx_timed = True


def read_ms(log_path) -> list[float]:
    try:
        with open(log_path, encoding="utf-8") as log:
            return [float(line) for line in log if line.strip()]
    except FileNotFoundError:
        return []
