"""The attention lesson in Chromium: the hero (one word's row) and MiniLM's 72 heads answer a drag of their
in-figure slider with no script run, and an exercise card works end to end."""

import pytest

from tests.harness import drag_and_read, open_page, wait_idle

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    "key, fraction, expect",
    [
        ("att_query_chart", 0.25, "Word 2 “cat”: “my” and “a” tie"),
        ("att_lm_chart", 0.0, "MiniLM layer 1, head 1"),
    ],
)
def test_dragging_a_figure_redraws_it_without_a_script_run(server, browser, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/attention?lang=en")
    before, after, runs = drag_and_read(page, key, fraction)
    page.close()
    assert after != before and expect in after, (before, after)
    assert runs == 0


def test_the_causal_mask_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/attention?lang=zh")
    card = page.locator(".st-key-exercise_attention_2")
    card.scroll_into_view_if_needed()
    card.get_by_text("全部：1.00").click()
    wait_idle(page)
    card.get_by_role("button", name="看看对不对").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    text = card.inner_text()
    page.close()
    assert "答对了。" in text and "“我的”只能看到自己" in text and "1.00" in text
