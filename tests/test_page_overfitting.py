"""Lesson 4's page in AppTest: the figures, the penalties, training on a button, comparing two
runs, and a learner's CSV (good and bad) in both languages."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from core import overfitting as of
from tests.apptest import run_clean
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "overfitting.py"


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]


def metric(at: AppTest, key: str, lang: str = "en") -> str:
    label = load_catalog(lang)[key]
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_polynomial_part_shows_its_figures(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    titles = chart_titles(at)
    for key in ("fit_title", "u_title", "coef_title", "data_title"):
        assert catalog[f"overfitting.chart.{key}"] in titles
    assert metric(at, "overfitting.best_degree", lang) == "3"
    assert at.info[-1].value == catalog["overfitting.no_run_yet"]  # no training until the button


def test_a_curve_through_every_house_has_zero_training_error_and_a_huge_test_error():
    at = run_page("en", of_degree="11")  # 12 houses, 12 parameters
    assert metric(at, "overfitting.train_error") == "0.000"
    assert float(metric(at, "overfitting.test_error")) > 10


def test_penalties_calm_the_curve_and_l1_zeroes_weights():
    at = run_page("en", of_degree="12")
    wild = float(metric(at, "overfitting.test_error"))
    at.segmented_control(key="of_penalty").set_value("l2").run()
    assert float(metric(at, "overfitting.test_error")) < wild / 10
    assert metric(at, "overfitting.zero_coefs") == "0 / 12"
    at.segmented_control(key="of_penalty").set_value("l1").run()
    assert not at.exception
    assert int(metric(at, "overfitting.zero_coefs").split(" / ")[0]) >= 4


def test_augmentation_lowers_the_test_error():
    at = run_page("en", of_degree="12")
    wild = float(metric(at, "overfitting.test_error"))
    at.slider(key="of_copies").set_value(10).run()
    assert float(metric(at, "overfitting.test_error")) < wild / 10
    assert load_catalog("en")["overfitting.chart.copies"] in at.get("plotly_chart")[0].proto.spec


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_training_on_the_button_then_comparing_two_runs(lang):
    at = run_page(lang, of_points="100", of_epochs="60")
    at.selectbox(key="of_dataset").set_value("spirals").run()
    catalog = load_catalog(lang)
    at.button(key="of_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert catalog["overfitting.chart.map_title"].format(number=1) in chart_titles(at)
    assert catalog["overfitting.chart.loss_title"].format(number=1) in chart_titles(at)
    assert catalog["overfitting.chart.live_title"].format(epoch=60) not in chart_titles(at)  # cleared at the end
    assert catalog["overfitting.chart.data_title"] in chart_titles(at)  # the preview is back in its place
    at.slider(key="of_dropout").set_value(0.5).run()
    at.toggle(key="of_early").set_value(True).run()
    at.slider(key="of_patience").set_value(10).run()
    at.button(key="of_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    titles = chart_titles(at)
    for number in (1, 2):  # side by side, same seed
        assert catalog["overfitting.chart.map_title"].format(number=number) in titles
    summaries = [m.value for m in at.markdown if "L1" in m.value]
    assert any("0.5" in s for s in summaries) and any("0," in s or "0，" in s for s in summaries)
    assert len(at.success) == 1  # the second run restored its best epoch's weights


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_csv_gets_a_clear_message(lang):
    at = run_page(lang)
    at.selectbox(key="of_dataset").set_value("csv").run()
    at.file_uploader(key="of_csv").set_value(("bad.csv", b"a,b\n1,2\n3,4\n", "text/csv")).run()
    assert not at.exception
    assert at.error[0].value == load_catalog(lang)["overfitting.csv_errors.columns"].format(found=2)
    assert not [b for b in at.button if b.key == "of_train"]  # nothing to train on


@pytest.mark.slow
def test_training_on_an_uploaded_csv():
    X, y = of.make_dataset("blobs", 60, 0.05, 3, seed=1)
    text = "x,y,kind\n" + "".join(f"{a},{b},{'ABC'[c]}\n" for (a, b), c in zip(X, y))
    at = run_page("en", of_epochs="50")
    at.selectbox(key="of_dataset").set_value("csv").run()
    at.file_uploader(key="of_csv").set_value(("mine.csv", text.encode(), "text/csv")).run()
    assert not at.error
    at.button(key="of_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    specs = [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]
    maps = [s for s in specs if s["layout"]["title"]["text"] == "Run 1: decision map"]
    assert maps and "train, C" in [trace.get("name") for trace in maps[0]["data"]]  # the file's own labels


def test_every_csv_error_has_a_message_in_both_languages():
    codes = {
        "too_big",
        "unreadable",
        "columns",
        "too_few_rows",
        "too_many_rows",
        "bad_row",
        "classes",
        "too_large_value",
    }
    for lang in LANGUAGES:
        keys = {key.rsplit(".", 1)[1] for key in load_catalog(lang) if key.startswith("overfitting.csv_errors.")}
        assert keys == codes


def test_the_learners_csv_and_its_choice_survive_a_visit_to_another_lesson():
    """An uploader starts empty when the page is drawn afresh; the page keeps the file itself."""
    from tests.apptest import TIMEOUT

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("app_pages/overfitting.py").run()
    at.selectbox(key="of_dataset").set_value("csv").run()
    rows = "".join(f"{i % 7},{i % 5},{'ab'[i % 2]}\n" for i in range(40))
    next(u for u in at.get("file_uploader") if u.key == "of_csv").set_value(
        ("mine.csv", b"x1,x2,c\n" + rows.encode(), "text/csv")
    ).run()
    summary = [m.value for m in at.markdown if "held out for validation" in m.value]
    assert summary and not at.exception
    at.switch_page("app_pages/fitting.py").run()
    at.switch_page("app_pages/overfitting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="of_dataset").value == "csv"
    assert [m.value for m in at.markdown if "held out for validation" in m.value] == summary
    assert next(u for u in at.get("file_uploader") if u.key == "of_csv").value is None  # as in a browser
    assert any("mine\\.csv" in c.value for c in at.caption)  # the name, Markdown-escaped
    at.button(key="of_csv_forget").click().run()
    assert not [m.value for m in at.markdown if "held out for validation" in m.value]
