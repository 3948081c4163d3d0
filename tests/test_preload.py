"""The once-per-server preload: every course module imported, PyTorch's threads set, GC spared."""

import gc
import os

import pytest
import torch

from core.device import THREADS_ENV_VAR, thread_count
from ui.lessons import ROOT
from ui.preload import preload_libraries


@pytest.mark.slow  # imports torch, scikit-learn and transformers: tens of seconds on a busy machine
def test_preload_imports_every_course_module_and_sets_threads():
    try:
        loaded = preload_libraries()
        assert gc.get_freeze_count() > 0  # the libraries are out of the per-run collection's way
    finally:
        gc.unfreeze()
    modules = {f"{folder}.{path.stem}" for folder in ("core", "ui") for path in (ROOT / folder).glob("[!_]*.py")}
    assert modules <= set(loaded)
    assert "app_pages.attention_sections" in loaded  # a page's helper module, not a page
    assert not {"app_pages.home", "app_pages.fitting", "app_pages.attention"} & set(loaded)  # pages run, never import
    assert {"pandas", "torch", "plotly.graph_objects"} <= set(loaded)
    assert torch.get_num_threads() == thread_count(os.environ.get(THREADS_ENV_VAR))
