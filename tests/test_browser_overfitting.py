"""Lesson 4 in Chromium: its three scrub figures answer a drag with no script run, and an exercise
card works end to end."""

import os

import pytest

from tests.harness import chart_title, chromium_path, drag_and_read, open_page, wait_idle

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.mark.parametrize(
    "key, fraction, expect",
    [
        ("of_degree_chart", 0.98, "Degree 15:"),
        ("of_remedy_chart", 0.6, "L2, λ = 0.01:"),
        ("of_replay_chart", 0.0, "The course's run, epoch 4:"),
    ],
)
def test_dragging_a_scrub_figure_redraws_it_without_a_script_run(server, browser, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/overfitting?lang=en")
    before, after, runs = drag_and_read(page, key, fraction)
    page.close()
    assert after != before and after.startswith(expect), (before, after)
    assert runs == 0


def test_an_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/overfitting?lang=en")
    card = page.locator(".st-key-exercise_overfitting_1")
    card.scroll_into_view_if_needed()
    card.get_by_text("Both are small").click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    wrong = card.inner_text()
    card.get_by_text("The training error is 0").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    right = card.inner_text()
    card.get_by_role("button", name="Set up the experiment").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    title = chart_title(page, "of_degree_chart")
    page.close()
    assert "Not quite." in wrong and "Right." not in wrong
    assert "Right." in right and "times that of degree 3" in right
    assert title.startswith("Degree 11: training error 0,")
