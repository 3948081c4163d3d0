"""The big-picture lesson in Chromium: the compression chart is scrubbed in the browser with no script run, and
an exercise card works end to end."""

import pytest

from tests.harness import chart_title, drag_and_read, open_page, wait_idle

pytestmark = pytest.mark.browser


def title_and_headers(page, key: str) -> tuple[str, list[str]]:
    return chart_title(page, key), page.locator(f".st-key-{key} .annotation-text").all_text_contents()


def test_dragging_the_compression_chart_redraws_it_without_a_script_run(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/big-picture?lang=en")
    key = "big_states_chart"
    (before, headers_before), (after, headers_after), runs = drag_and_read(page, key, 0.55, title_and_headers)
    page.close()
    assert before.startswith("0% of every matrix pruned") and after != before, (before, after)
    assert "% of every matrix pruned" in after and not after.startswith("0%")
    assert len(headers_after) == 3 and headers_after != headers_before, "the sizes above the panels follow"
    assert runs == 0


def test_an_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/big-picture?lang=en")
    card = page.locator(".st-key-exercise_big_picture_2")
    card.scroll_into_view_if_needed()
    card.get_by_text("No, it stays the same size").click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    # A first solve reruns the whole app (the sidebar counts it): wait for that run's feedback.
    card.get_by_text("Right.", exact=False).first.wait_for(timeout=90_000)
    wait_idle(page)
    text = card.inner_text()
    page.close()
    assert "Right." in text and "12.5%" in text and " kB" in text
