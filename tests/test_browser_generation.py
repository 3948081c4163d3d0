"""The generation lesson in Chromium: the hero's training checkpoints are scrubbed in the browser with no
script run (the headline, the sample's text and the loss curve follow), and the page has no exception."""

import os

import pytest

from tests.harness import chromium_path, drag_and_read, open_page

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

KEY = "gen_hero_chart"


def sample_text(page, key: str) -> str:
    """The sample: the figure's text trace (its panel's only text)."""
    texts = page.locator(f".st-key-{key} .textpoint text").all_text_contents()
    return max(texts, key=len) if texts else ""


def headline(page, key: str) -> str:
    """The state's numbers: the in-figure slider's current value (the figure has no per-state title)."""
    return page.locator(f".st-key-{key} .slider-group > .slider-label").first.text_content()


@pytest.mark.parametrize(
    "lang, start, fraction, expect",
    [("en", "Step 1000 of 2000", 0.0, "Step 0 of 2000"), ("zh", "第 1000 步（共 2000 步）", 1.0, "第 2000 步")],
)
def test_dragging_the_steps_redraws_the_hero_without_a_script_run(server, browser, lang, start, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/generation?lang={lang}&gpt=shakespeare")
    if page.locator(f".st-key-{KEY}").count() == 0:
        page.close()
        pytest.skip("the Shakespeare run is not saved yet")
    sample_before = sample_text(page, KEY)
    before, after, runs = drag_and_read(page, KEY, fraction, read=headline)
    sample_after = sample_text(page, KEY)
    exceptions = page.locator('[data-testid="stException"]').count()
    page.close()
    assert before.startswith(start), before
    assert after.startswith(expect), (before, after)
    assert sample_after and sample_after != sample_before, "the text it wrote follows the step"
    assert runs == 0 and exceptions == 0
