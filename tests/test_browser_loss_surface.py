"""Lesson 2 in Chromium: the walk and the bowl are scrubbed in the browser with no script run, and an
exercise card works end to end."""

import os

import pytest

from tests.harness import chart_title, chromium_path, drag_and_read, open_page, wait_idle

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.mark.parametrize(
    ("key", "fraction", "expect"),
    [("loss_walk_chart", 0.05, "Step 5:"), ("loss_bowl_chart", 0.0, "Step 0:")],
)
def test_dragging_the_walk_redraws_it_without_a_script_run(server, browser, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/loss-surface?lang=en")
    before, after, runs = drag_and_read(page, key, fraction)
    page.close()
    assert before.startswith("Step 100:" if key == "loss_walk_chart" else "Step 30:"), before
    assert after != before and after.startswith(expect), (before, after)
    assert runs == 0


def test_the_first_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/loss-surface?lang=en")
    card = page.locator(".st-key-exercise_loss_surface_1")
    card.scroll_into_view_if_needed()
    card.get_by_text("It zig-zags across the valley, then settles on its floor").click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    wrong = card.inner_text()
    card.get_by_text("It zig-zags ever wider and the error explodes").click()
    wait_idle(page)
    page.wait_for_timeout(500)
    right = card.inner_text()
    card.get_by_role("button", name="Set up the experiment").click()
    wait_idle(page)
    page.wait_for_timeout(500)
    title = page.locator(".st-key-loss_walk_chart .gtitle").first.text_content()
    page.close()
    assert "Not quite." in wrong and "step 17" in wrong, wrong
    assert "Right." in right and "-1.28" in right, right
    assert title.startswith("Diverged at step 17"), title


def test_a_new_learning_rate_keeps_the_step_dragged_to_and_shows_only_its_path(server, browser):
    """The walk holds every rate's frames: the rate's widget picks the row (no new figure), the figure's
    slider the step; a new rate stays at the step the learner dragged to."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/loss-surface?lang=en")
    _, dragged, _ = drag_and_read(page, "loss_walk_chart", 0.05)
    legend = ".st-key-loss_walk_chart .legendtext"
    before = page.locator(legend).all_text_contents()
    page.locator(".st-key-loss_lr input[type=range]").focus()
    page.keyboard.press("ArrowRight")  # 0.002 → 0.003
    wait_idle(page)
    page.wait_for_function(
        "t => document.querySelector('.st-key-loss_walk_chart .gtitle').textContent !== t", arg=dragged
    )
    title = chart_title(page, "loss_walk_chart")
    after = page.locator(legend).all_text_contents()
    page.close()
    assert dragged.startswith("Step 5:") and title.startswith("Step 5:") and title != dragged, (dragged, title)
    assert "Gradient descent (η = 0.002)" in before and "Gradient descent (η = 0.003)" in after, after
    assert not any("0.002" in name for name in after), after
