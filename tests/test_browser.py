"""The real app in a real browser: Debian's Chromium driven by Playwright.

One server for the module; every page in both languages: open it, press → on its first
slider, wait until the script is idle and the charts changed, check no exception is shown,
save a screenshot under tests/artifacts/.
"""

import os

import pytest

from tests.harness import (
    EXCEPTION,
    SLIDER_THUMB,
    chromium_path,
    nudge_first_slider,
    open_page,
    slider_at_end,
    wait_idle,
)
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT, built_lessons

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "tests" / "artifacts"

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-US")
    tab = context.new_page()
    yield tab
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_home(server, page, lang):
    open_page(page, f"{server}/?lang={lang}")
    assert page.locator("h1").first.inner_text() == load_catalog(lang)["home.title"]
    assert page.locator(EXCEPTION).count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"home-{lang}.png")


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson", built_lessons(), ids=lambda lesson: lesson.slug)
def test_lesson_responds_to_a_slider(server, page, lesson, lang):
    open_page(page, f"{server}/{lesson.slug}?lang={lang}")
    assert page.locator("h1").first.inner_text() == load_catalog(lang)[f"{lesson.namespace}.title"]
    assert page.locator(EXCEPTION).count() == 0
    page.locator(SLIDER_THUMB).first.wait_for(state="attached", timeout=30_000)  # every lesson has a slider
    key = "ArrowLeft" if slider_at_end(page, 0, "ArrowRight") else "ArrowRight"  # a hero may start at its end
    nudge_first_slider(page, key=key)  # raises if the charts did not change
    assert page.locator(EXCEPTION).count() == 0
    assert f"lang={lang}" in page.url
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{lesson.slug}-{lang}.png", full_page=True)


def test_language_switch_keeps_page_and_settings(server, page):
    open_page(page, f"{server}/fitting?lang=en&fit_k=-12")
    page.get_by_text("中文", exact=True).click()
    page.wait_for_url("**lang=zh**")
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == load_catalog("zh")["fitting.title"]
    assert "/fitting" in page.url and "fit_k=-12" in page.url
    page.get_by_text("English", exact=True).click()
    page.wait_for_url("**lang=en**")
    wait_idle(page)
    assert page.locator("h1").first.inner_text() == load_catalog("en")["fitting.title"]
    assert "fit_k=-12" in page.url


def test_browser_locale_picks_the_language(browser, server):
    context = browser.new_context(locale="zh-CN")
    tab = context.new_page()
    open_page(tab, f"{server}/fitting")
    assert tab.locator("h1").first.inner_text() == load_catalog("zh")["fitting.title"]
    assert "lang=zh" in tab.url
    context.close()


def test_fitting_bad_data_gets_a_message_and_keeps_the_edit(server, page):
    open_page(page, f"{server}/fitting?lang=en")
    page.get_by_text(load_catalog("en")["fitting.data_header"]).click()  # the table sits in an expander
    page.wait_for_timeout(500)
    grid = page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    # Select the first data row's price cell (below the header row), open its editor, type.
    page.mouse.click(box["x"] + 80, box["y"] + 35 + 17)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    page.keyboard.press("Control+A")
    page.keyboard.type("abc", delay=30)
    page.keyboard.press("Enter")
    expected = load_catalog("en")["fitting.data_errors.not_a_number"].format(row=1)
    page.get_by_text(expected).wait_for(timeout=30_000)
    assert page.locator(EXCEPTION).count() == 0
    # The charts fall back to the shop's six teas; the learner's edit stays in the table.
    page.get_by_text(load_catalog("en")["fitting.using_default_data"]).wait_for(timeout=5_000)
    page.screenshot(path=ARTIFACTS / "fitting-bad-data.png", full_page=False)
