"""Shared fixtures. The repository root is on sys.path (pyproject: pythonpath)."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_collection_modifyitems(config, items):
    """Tests marked gpu run only where CUDA is present."""
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs CUDA; this machine has none")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True, scope="session")
def full_error_details_in_apptest():
    """The deployed config hides error details from learners (client.showErrorDetails = "none");
    tests that run pages in AppTest want the real exception in their failure messages."""
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")


@pytest.fixture(scope="module")
def one_torch_thread():
    """The app's setting, for a module that trains or samples (`pytestmark = usefixtures(...)`): on a busy
    2-core machine two threads mostly wait for each other (100 s against 7 for the fine-tuning tests)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# The browser tests' shared fixtures: one server of the app and one Chromium per test module.
@pytest.fixture(scope="module")
def server():
    from tests.harness import streamlit_server

    with streamlit_server() as (base_url, _process):
        yield base_url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from tests.harness import launch_browser

    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        yield chromium
        chromium.close()
