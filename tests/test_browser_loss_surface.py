"""Lesson 2 in Chromium: the walk and the bowl are scrubbed in the browser with no script run, and an
exercise card works end to end."""

import os

import pytest

from core import fitting as fit
from core import loss_surface as ls
from tests.harness import chromium_path, drag_and_read, open_page, wait_idle

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def headline(page, key: str) -> str:
    """The walk's state, in the text trace above its map (a title would need a redraw to change)."""
    return page.locator(f".st-key-{key} .textpoint text").first.text_content()


@pytest.mark.parametrize(
    ("key", "fraction", "expect"),
    [("loss_walk_chart", 0.05, "Step 5:"), ("loss_bowl_chart", 0.0, "Step 0:")],
)
def test_dragging_the_walk_redraws_it_without_a_script_run(server, browser, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/loss-surface?lang=en")
    before, after, runs = drag_and_read(page, key, fraction, read=headline)
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
    title = headline(page, "loss_walk_chart")
    page.close()
    assert "Not quite." in wrong and "step 17" in wrong, wrong
    assert "Right." in right and "-1.28" in right, right
    assert title.startswith("Diverged at step 17"), title


def test_a_new_learning_rate_keeps_the_step_dragged_to_and_draws_its_path(server, browser):
    """The walk holds every rate's frames: the rate's widget picks the row (no new figure, no redraw), the
    figure's slider the step; a new rate stays at the step the learner dragged to and draws its own path."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/loss-surface?lang=en")
    _, dragged, _ = drag_and_read(page, "loss_walk_chart", 0.05, read=headline)
    path_end = "() => document.querySelector('.st-key-loss_walk_chart .js-plotly-plot').data[4].x.at(-1)"
    before = page.evaluate(path_end)
    page.locator(".st-key-loss_lr input[type=range]").focus()
    page.keyboard.press("ArrowRight")  # 0.002 → 0.003
    wait_idle(page)
    changed = """t => {  // the headline's node may be replaced while the frame is drawn
        const e = document.querySelector('.st-key-loss_walk_chart .textpoint text');
        return e !== null && e.textContent !== t;
    }"""
    page.wait_for_function(changed, arg=dragged)
    after, title = page.evaluate(path_end), headline(page, "loss_walk_chart")
    page.close()
    assert dragged.startswith("Step 5:") and "(η = 0.002)" in dragged, dragged
    assert title.startswith("Step 5:") and "(η = 0.003)" in title, title
    k_002 = ls.tea_path("gd", 2e-3, (fit.K0, fit.B0), 100, False).thetas[-1, 0]
    k_003 = ls.tea_path("gd", 3e-3, (fit.K0, fit.B0), 100, False).thetas[-1, 0]
    assert before == pytest.approx(k_002, abs=1e-4) and after == pytest.approx(k_003, abs=1e-4), (before, after)
