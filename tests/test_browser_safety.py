"""What a learner sees when something goes wrong, in the real app in Chromium (issue 17)."""

import os
import urllib.request

import pytest

from tests.harness import APP_IDLE, chromium_path, open_page, streamlit_server, wait_idle
from ui.i18n import load_catalog
from ui.lessons import ROOT

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

PROGRESS = '[data-testid="stProgress"]'
HINT = '[class*="st-key-training_hint_"]'


BROKEN_PAGE = """
import sys
sys.path.insert(0, {root!r})
import streamlit as st
from ui.faults import run_page
from ui.i18n import current_language

class Page:
    def run(self):
        st.title("Broken")
        raise RuntimeError("secret detail")

current_language()  # from the URL, as app.py does
run_page(Page())
"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_uncaught_error_is_a_short_message_in_the_learners_language(tmp_path, browser, lang):
    script = tmp_path / "broken_page.py"
    script.write_text(BROKEN_PAGE.format(root=str(ROOT), lang=lang))
    with streamlit_server(script) as (base_url, _process):
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        open_page(page, f"{base_url}?lang={lang}")
        shown = page.inner_text("body")
        page.close()
    assert "Broken" in shown  # the page ran
    assert load_catalog(lang)["common.unexpected_error"].split("。")[0].split(".")[0] in shown
    for leak in ("Traceback", "secret detail", "RuntimeError", str(tmp_path), str(ROOT), "Ask Google", "Ask ChatGPT"):
        assert leak not in shown, (leak, shown)


def test_an_error_outside_the_frame_shows_no_details(tmp_path, browser):
    """The project's config (client.showErrorDetails) governs what Streamlit itself shows."""
    script = tmp_path / "raw_page.py"
    script.write_text('import streamlit as st\nst.title("Raw")\nraise RuntimeError("secret detail")\n')
    with streamlit_server(script) as (base_url, _process):
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        open_page(page, base_url)
        shown = page.inner_text("body")
        page.close()
    assert "Raw" in shown
    for leak in ("Traceback", "secret detail", "RuntimeError", str(tmp_path)):
        assert leak not in shown, (leak, shown)


def test_stop_leaves_no_frozen_progress_bar_or_stop_hint(browser):
    """A run ended by Stop cannot clear its own elements; the frame hides them once nothing runs."""
    with streamlit_server() as (base_url, _process):
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        open_page(page, f"{base_url}/convolution?lang=en")
        page.locator(".st-key-conv_train button").click()
        page.wait_for_selector(PROGRESS, state="visible", timeout=60_000)
        assert page.locator(HINT).first.is_visible()
        page.get_by_role("button", name="Stop").click()
        wait_idle(page)
        page.wait_for_timeout(500)
        assert page.locator(APP_IDLE).count() == 1
        assert page.locator(PROGRESS).count() > 0  # still in the page (the stopped run left it) ...
        assert not any(p.is_visible() for p in page.locator(PROGRESS).all())  # ... but not shown
        assert not any(h.is_visible() for h in page.locator(HINT).all())
        page.close()


def metrics_of(base_url: str, function: str) -> list[str]:
    """The lines of Streamlit's public /_stcore/metrics about one cached function."""
    with urllib.request.urlopen(f"{base_url}/_stcore/metrics", timeout=10) as response:
        text = response.read().decode()
    return sorted(line for line in text.splitlines() if f'.{function}"' in line)


def test_public_metrics_do_not_tell_whether_anyone_typed_a_text(browser):
    """/_stcore/metrics counts each shared cache's hits, misses and size: a learner's own prompt
    must never reach a shared cache, or a guess would show whether somebody had typed it."""
    with streamlit_server() as (base_url, _process):
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        open_page(page, f"{base_url}/sampling?lang=en")
        before = metrics_of(base_url, "next_logits")
        assert before  # the default prompt did use the shared cache
        prompt = page.locator(".st-key-smp_prompt textarea")
        prompt.fill("ROMEO:\nA secret only I would type")
        prompt.press("Control+Enter")
        page.wait_for_timeout(300)
        wait_idle(page)
        assert "secret only I" in page.inner_text("body") or prompt.input_value().endswith("type")
        after = metrics_of(base_url, "next_logits")
        page.close()
    assert after == before
