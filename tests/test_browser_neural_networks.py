"""Lesson 3 in Chromium: the hero and the training replay answer a drag with no script run, and an
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


def test_dragging_red_through_the_network_redraws_it_without_a_script_run(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/neural-networks?lang=en")
    before, after, runs = drag_and_read(page, "nn_hero_chart", 0.92)
    page.close()
    assert before.endswith(": leaf") and "= 32 " in before, before
    assert after != before and after.endswith(": flower"), after  # red past 124: the answer turns
    assert runs == 0


def test_replaying_the_training_of_the_pair_needs_no_script_run(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/neural-networks?lang=en")
    page.locator('[data-testid="stTab"]').filter(has_text="Deep or wide?").click()  # the tab runs once opened
    page.wait_for_selector(".st-key-nn_fit_chart .main-svg", timeout=30_000)
    wait_idle(page)
    before, after, runs = drag_and_read(page, "nn_fit_chart", 0.2)
    page.close()
    assert before.startswith("After step 500") and after.startswith("After step 1"), (before, after)
    assert runs == 0


def test_an_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/neural-networks?lang=en")
    card = page.locator(".st-key-exercise_neural_networks_1")
    card.scroll_into_view_if_needed()
    card.get_by_text("flower", exact=True).click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    text = card.inner_text()
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    page.close()
    assert "Right." in text and "124" in text and "90.1%" in text
    total = lesson("neural-networks").exercises
    assert not total or f"1/{total}" in nav  # the sidebar counts the card once ui/lessons.py declares them
