"""The course's navigation plus the reference page, served by one server for the benchmarks."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from bench import timing  # noqa: E402
from ui.i18n import current_language  # noqa: E402
from ui.layout import navigation_pages  # noqa: E402
from ui.preload import preload_libraries  # noqa: E402

timing.install()  # only when the benchmark asks for it (LLMX_BENCH_TIMING_LOG)
preload_libraries()
current_language()
sections = navigation_pages()
sections["bench"] = [
    st.Page(ROOT / "bench" / "reference_page.py", title="reference", url_path="bench-reference"),
    st.Page(ROOT / "bench" / "floor_page.py", title="floor", url_path="bench-floor"),
]
st.navigation(sections).run()
