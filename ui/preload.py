"""Import the course's libraries once, in one thread, before any page runs.

Every learner's script runs in its own thread. When a class arrives at a cold server, several
threads import pandas, torch, plotly, scikit-learn and the lessons' modules at the same moment,
each from a different page and in a different order; Python's import locks then hand one thread
a half-initialised module to avoid a deadlock, and that learner saw "partially initialized module
'pandas' has no attribute 'Series'" (found by tests/test_classroom.py). `st.cache_resource` runs
`preload_libraries` once per server while every other session waits for it, so afterwards the pages'
imports find finished modules.
"""

import contextlib
import gc
import importlib
import pkgutil

import streamlit as st

import core
import ui
from core.device import get_device
from ui.lessons import HOME_PATH, LESSONS, ROOT

# Libraries the pages or Streamlit import lazily; listed so they load here, in this order, first.
LIBRARIES = ("numpy", "pandas", "pyarrow", "plotly.graph_objects", "torch", "sklearn", "safetensors.torch")
OPTIONAL = ("transformers", "sentence_transformers")  # MiniLM's lessons handle their absence themselves


def page_helpers() -> list[str]:
    """The modules in app_pages/ that hold a page's sections rather than being a page (a page runs
    Streamlit calls when imported; these only define them)."""
    pages = {HOME_PATH.stem} | {lesson.path.stem for lesson in LESSONS}
    return sorted(path.stem for path in (ROOT / "app_pages").glob("*.py") if path.stem not in pages)


@st.cache_resource(show_spinner=False)
def preload_libraries() -> tuple[str, ...]:
    """Import the libraries, every module of core/ and ui/ and the pages' helper modules; return
    the names imported."""
    loaded = []
    for name in LIBRARIES:
        importlib.import_module(name)
        loaded.append(name)
    for name in OPTIONAL:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
            loaded.append(name)
    for package in (core, ui):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
            loaded.append(f"{package.__name__}.{module.name}")
    for name in page_helpers():
        importlib.import_module(f"app_pages.{name}")
        loaded.append(f"app_pages.{name}")
    get_device()  # sets PyTorch's thread count for the process before any page computes
    # Streamlit runs a full garbage collection after every script run (runner.postScriptGC). With
    # torch, transformers and scikit-learn loaded, walking their millions of objects took about
    # 300 ms of CPU per slider move, holding the GIL: a class of 30 froze the server. The libraries
    # live as long as the server, so move them out of the collector's sight once, now.
    gc.collect()
    gc.freeze()
    return tuple(loaded)
