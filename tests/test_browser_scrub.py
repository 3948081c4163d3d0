"""The lesson frame in Chromium: scrub figures and the line pad answer a drag with no script run,
and an exercise card works end to end (issue 18)."""

import os

import pytest

from tests.harness import (  # noqa: F401  (re-exported)
    WATCH_RUNS,
    chart_title,
    chromium_path,
    drag_and_read,
    drag_figure_slider,
    nudge_slider,
    open_page,
    slider_count,
    slider_label,
    wait_idle,
)

pytestmark = pytest.mark.browser

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.mark.parametrize(
    "path, key, fraction, expect",
    [
        ("fitting", "fit_steps_chart", 0.4, "tea 2"),
        ("fitting", "fit_epochs_chart", 0.95, "After epoch"),
        ("sampling", "smp_temperature_chart", 0.9, "T = 2."),
        ("sampling", "smp_top_p_chart", 0.3, "top-p = 0.3"),
    ],
)
def test_dragging_a_scrub_figure_redraws_it_without_a_script_run(server, browser, path, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/{path}?lang=en")
    before, after, runs = drag_and_read(page, key, fraction)
    page.close()
    assert after != before and expect in after, (before, after)
    assert runs == 0


SCRUB_STATE = """key => { const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  return [gd.layout.meta.scrub, gd._fullLayout.sliders[0].active]; }"""


@pytest.mark.parametrize(
    "path, key, label, shown",
    [
        ("fitting", "fit_epochs_chart", "Epoch", "After epoch {n}:"),
        ("sampling", "smp_temperature_chart", "Temperature", "T = {n}"),
    ],
)
def test_a_keyboard_move_moves_the_drawn_figure_without_resending_it(server, browser, path, key, label, shown):
    """The page's own slider (the keyboard path, a link's state) moves the figure Plotly has drawn to its
    frame: the spec sent stays the same (its token), only the companion element's state changes."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/{path}?lang=en")
    page.wait_for_selector(f".st-key-{key} .gtitle")
    index = next(i for i in range(slider_count(page)) if label in slider_label(page, i))
    token, active = page.evaluate(SCRUB_STATE, key)
    titles = []
    for press in ("ArrowRight", "ArrowRight", "ArrowLeft"):
        nudge_slider(page, index, key=press)
        page.wait_for_function(
            f"() => document.querySelector('.st-key-{key} .js-plotly-plot')._fullLayout.sliders[0].active !== {active}"
        )
        titles.append(chart_title(page, key))
        now_token, active = page.evaluate(SCRUB_STATE, key)
        assert now_token == token  # the same figure, moved in the browser
    page.close()
    assert len(set(titles)) == 2 and titles[0] == titles[2], titles
    assert all(shown.split("{n}")[0] in title for title in titles), titles


def test_the_line_pad_answers_a_drag_in_the_browser_and_tells_python_on_release(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/fitting?lang=en")
    readout = page.locator(".pad .readout")
    before = readout.inner_text()
    assert "5,625.00" in before  # model v1.0
    page.locator(".pad input.b").scroll_into_view_if_needed()
    box = page.locator(".pad input.b").bounding_box()
    page.evaluate(WATCH_RUNS)
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * 0.667, y)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(box["x"] + box["width"] * (0.667 - 0.06 * step / 10), y)
        page.wait_for_timeout(30)
    during = readout.inner_text()
    runs_during = page.evaluate("window.__runs")
    page.mouse.up()
    page.wait_for_timeout(500)
    wait_idle(page)
    status = page.locator(".st-key-exercise_fitting_1").inner_text()
    page.close()
    assert during != before and runs_during == 0
    assert "b = 1000" not in status  # Python heard the released state


def test_an_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/fitting?lang=en")
    card = page.locator(".st-key-exercise_fitting_3")
    card.scroll_into_view_if_needed()
    card.get_by_text("It settles above the best line and hardly moves").click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    text = card.inner_text()
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    page.close()
    assert "Right." in text and "2,785.7" in text
    assert "1/3" in nav  # the sidebar counts the solved card
