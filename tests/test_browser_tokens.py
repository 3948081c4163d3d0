"""The tokens lesson in Chromium: the hero's merges are scrubbed in the browser with no script run,
and the chips show byte fragments and a learner's tags as plain text."""

import os

import pytest

from tests.harness import chromium_path, open_page, wait_idle

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

from tests.test_browser_scrub import WATCH_RUNS, drag_figure_slider  # noqa: E402

KEY = "tok_hero_chart"


def chart_title(page, key: str) -> str:
    """The state's headline: the text trace above the chips (the figure has no per-state title)."""
    return " ".join(page.locator(f".st-key-{key} .trace:last-child text").first.all_text_contents())


@pytest.mark.parametrize(
    "lang, start, fraction, expect",
    [
        ("en", "After 100 of 300 merges", 0.9, " of 300 merges"),
        ("zh", "用上前 100 次合并（共 300 次）", 0.05, "次合并（共 300 次）"),
    ],
)
def test_dragging_the_merges_redraws_the_hero_without_a_script_run(server, browser, lang, start, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/tokens?lang={lang}")
    page.locator(f".st-key-{KEY}").scroll_into_view_if_needed()
    before = chart_title(page, KEY)
    chips_before = page.locator(f".st-key-{KEY}  .textpoint").all_text_contents()
    page.evaluate(WATCH_RUNS)
    drag_figure_slider(page, KEY, fraction)
    page.wait_for_timeout(300)
    after = chart_title(page, KEY)
    chips_after = page.locator(f".st-key-{KEY}  .textpoint").all_text_contents()
    runs = page.evaluate("window.__runs")
    page.close()
    assert before.startswith(start), before
    assert after != before and expect in after, (before, after)
    assert chips_after != chips_before, "the sentence's tokens follow the merges"
    assert runs == 0


def test_the_chips_mark_byte_fragments_and_show_tags_as_text(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/tokens?lang=zh")
    gpt4 = page.locator('.tok .row[data-way="cl100k_base"]').first
    gpt4.wait_for(timeout=30_000)
    fragments = gpt4.locator(".chip.fragment").count()
    box = page.locator(".st-key-tok_text textarea")
    box.fill('<b>bold</b><img src=x onerror="alert(1)">')
    box.press("Control+Enter")
    page.wait_for_timeout(300)
    wait_idle(page)
    page.wait_for_timeout(500)
    characters = page.locator('.tok .row[data-way="characters"]').first
    shown = "".join(characters.locator(".chip .text").all_text_contents())
    tags = page.locator(".tok b, .tok img").count()
    page.close()
    assert fragments == 10  # 白日依山尽，黄河入海流。 in GPT-4: five characters cut in two
    assert shown == '<b>bold</b><img␣src=x␣onerror="alert(1)">'
    assert tags == 0
