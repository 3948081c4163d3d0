"""Every page renders in both languages, with its sliders at their extremes, without exception.

AppTest runs one page file at a time, so each page must run on its own; app.py (the frame with
the navigation) is tested too.
"""

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import TIMEOUT, open_page
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import HOME_PATH, ROOT, built_lessons

PAGES = [HOME_PATH] + [lesson.path for lesson in built_lessons()]


def run_page(path, lang: str, **query) -> AppTest:
    return open_page(path, lang, **query)


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [m.value for m in at.metric] + [e.value for e in at.error]
    parts += [s.value for s in at.success] + [c.value for c in at.caption] + [h.value for h in at.title]
    parts += [h.value for h in at.header] + [i.value for i in at.info] + [x.value for x in at.latex]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_page_renders(path, lang):
    at = run_page(path, lang)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"
    title_key = "home.title" if path == HOME_PATH else f"{path.stem}.title"
    assert at.title[0].value == load_catalog(lang)[title_key]


@pytest.mark.parametrize("path", [lesson.path for lesson in built_lessons()], ids=lambda p: p.stem)
def test_the_code_is_sent_when_the_learner_opens_it(path):
    at = run_page(path, "en")
    shown = {c.value for c in at.code}  # a page's own outputs in code blocks (a sample, a prompt) stay
    at.session_state["show_code"] = True
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    sources = [c.value for c in at.code if c.value not in shown]
    assert len(sources) >= 4 and all(s.lstrip().startswith(("def ", "class ", "@")) for s in sources), sources[:1]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_app_frame_renders_home_and_every_lesson(lang):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == load_catalog(lang)["home.title"]
    for lesson in built_lessons():
        at.switch_page(str(lesson.path.relative_to(ROOT))).run()
        assert not at.exception, (lesson.slug, [e.value for e in at.exception])
        assert at.title[0].value == load_catalog(lang)[f"{lesson.namespace}.title"]


def test_language_switch_changes_the_text_and_the_url():
    """The switch in the sidebar (the browser test checks it keeps the page and the sliders)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.button_group(key="lang_switch").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == load_catalog("zh")["home.title"]
    assert at.query_params["lang"] in ("zh", ["zh"])
    at.button_group(key="lang_switch").set_value("en").run()
    assert at.title[0].value == load_catalog("en")["home.title"]


def test_language_falls_back_to_english_for_an_unknown_code():
    at = run_page(HOME_PATH, "xx")
    assert not at.exception
    assert at.title[0].value == load_catalog("en")["home.title"]
    assert at.query_params["lang"] in ("en", ["en"])


@pytest.mark.parametrize("path", [lesson.path for lesson in built_lessons()], ids=lambda p: p.stem)
def test_sliders_at_their_extremes(path):
    at = run_page(path, "en")
    for i in range(len(at.slider)):
        for value in (at.slider[i].min, at.slider[i].max):
            at.slider[i].set_value(value).run()
            assert not at.exception, (at.slider[i].key, value, [e.value for e in at.exception])
    for i in range(len(at.select_slider)):
        options = at.select_slider[i].options
        for value in (options[0], options[-1]):
            at.select_slider[i].set_value(type(at.select_slider[i].value)(value)).run()
            assert not at.exception, (at.select_slider[i].key, value, [e.value for e in at.exception])


# --- Lesson 1: the curriculum's figures appear on the page --------------------------------------
FITTING = ROOT / "app_pages" / "fitting.py"


def chart_frames(at: AppTest, key: str) -> list[str]:
    """The per-state titles a scrub figure carries (ui/scrub.py), in state order."""
    import json

    chart = next(c for c in at.get("plotly_chart") if key in c.proto.id)
    return [frame["layout"]["title"]["text"] for frame in json.loads(chart.proto.spec)["frames"]]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fitting_shows_the_articles_figures(lang):
    """The curriculum's worked figures, where the rebuilt page shows them."""
    at = run_page(FITTING, lang)
    text = all_text(at)
    assert "5,625.00" in text  # model v1.0's dataset error (where the start comes from)
    assert "536" in text and "535.37" in text  # prediction at 35, rounded as the article / full (aside)
    metrics = [m.value for m in at.metric]
    assert "590" in metrics and "2,785.7" in metrics  # least squares
    assert "5625.00" in text and "4847.33" in text  # one epoch: from v1.0 to v2.0
    steps = chart_frames(at, "fit_steps_chart")
    assert "5625.00" in steps[0]
    assert "700.00" in steps[1] and "3000.00" in steps[1] and "-10.3" in steps[1] and "999.99" in steps[1]
    assert "742.49" in steps[2] and "4277.20" in steps[2] and "2312.25" in steps[2] and "92.49" in steps[2]
    epochs = chart_frames(at, "fit_epochs_chart")
    assert "4847.3" in epochs[1]
    assert ("3577.5", "3560.6", "3558.4") == tuple(epochs[e].split("E = ")[1][:6] for e in (10, 15, 20))
    assert "-13.2649" in epochs[20] and "999.64" in epochs[20]


def test_fitting_state_comes_from_the_url():
    at = run_page(FITTING, "en", fit_k="-13", fit_b="990", fit_steps="2")
    assert at.session_state["fit_k"] == -13.0 and at.session_state["fit_b"] == 990.0
    assert at.slider(key="fit_steps").value == 2
    assert "k = -13, b = 990" in all_text(at)  # the hand-fitting card reads the pad's state


@pytest.mark.parametrize("lang", LANGUAGES)
def test_fitting_divergence_is_reported_not_raised(lang):
    at = run_page(FITTING, lang)
    at.select_slider(key="fit_lr").set_value(3e-2).run()
    assert not at.exception
    assert len(at.error) == 1
    assert at.error[0].value == load_catalog(lang)["fitting.diverged"].format(epoch=1, lr="0.03")


def test_every_data_error_has_a_message_in_both_languages():
    from core.fitting import DataError  # noqa: F401  (the codes are listed in parse_points)

    codes = {"missing", "not_a_number", "too_large", "too_few", "too_many", "same_price"}
    for lang in LANGUAGES:
        assert {key.rsplit(".", 1)[1] for key in load_catalog(lang) if key.startswith("fitting.data_errors.")} == codes
