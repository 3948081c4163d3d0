"""Lesson 5 in Chromium: its three scrub figures answer a drag with no script run, and an
exercise card works end to end."""

import os

import pytest

from tests.harness import chromium_path, drag_and_read, open_page, wait_idle
from ui.lessons import lesson

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.mark.parametrize(
    "key, fraction, expect",
    [
        ("conv_slide_chart", 0.98, "row 5, column"),  # the kernel's last row of stops
        ("conv_shift_chart", 0.0, "Shift -4 px"),
        ("conv_epochs_chart", 0.0, "Epoch 0"),
    ],
)
def test_dragging_a_scrub_figure_redraws_it_without_a_script_run(server, browser, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/convolution?lang=en")
    before, after, runs = drag_and_read(page, key, fraction)
    page.close()
    assert after != before and expect in after, (before, after)
    assert runs == 0


def test_an_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/convolution?lang=en")
    card = page.locator(".st-key-exercise_convolution_2")
    card.scroll_into_view_if_needed()
    card.get_by_text("It moves 2 pixels to the right and is otherwise the same").click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    text = card.inner_text()
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    page.close()
    assert "Right." in text and "changed by" in text
    if lesson("convolution").exercises:  # set in ui/lessons.py: the sidebar counts the solved card
        assert f"1/{lesson('convolution').exercises}" in nav
