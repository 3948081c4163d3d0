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
