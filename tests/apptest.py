"""Running one page in Streamlit's AppTest, shared by the page tests."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

TIMEOUT = 120
RECORD: list = []  # what scripts run by AppTest note for their test (same process, so shared)


def page_source(path: Path) -> str:
    """A page's code: its file, and its sections module (app_pages/<page>_sections.py) if it has one."""
    sections = path.with_name(f"{path.stem}_sections.py")
    return path.read_text(encoding="utf-8") + (sections.read_text(encoding="utf-8") if sections.exists() else "")


def open_page(path: Path, lang: str = "en", **query) -> AppTest:
    """Run the page file at `path` once, in `lang`, with `query` as the URL's query parameters."""
    at = AppTest.from_file(str(path), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def run_clean(path: Path, lang: str = "en", **query) -> AppTest:
    """open_page, and fail the test if the page raised."""
    at = open_page(path, lang, **query)
    assert not at.exception, [e.value for e in at.exception]
    return at
