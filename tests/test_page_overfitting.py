"""Lesson 4's page in AppTest: every scrubbed state against a direct core call, the exercises
answered right and wrong, prose that follows the state, training on the button, and a learner's
CSV (good and bad) in both languages."""

from dataclasses import replace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import mlp
from core import overfitting as of
from tests.apptest import run_clean, shown_spec
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT
from ui.overfitting_charts import ERROR_RANGE, FIT_GRID, map_values, number

PAGE = ROOT / "app_pages" / "overfitting.py"
X_VAL, Y_VAL = of.validation_houses()


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def chart(at: AppTest, key: str) -> dict:
    """The spec of the chart drawn with this key (scrub figures carry their states as frames)."""
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def frame_trace(spec: dict, state: int, trace: int) -> dict:
    frame = spec["frames"][state]
    return frame["data"][frame["traces"].index(trace)]


def fit_curve(fit) -> np.ndarray:
    return np.clip(fit.predict(FIT_GRID), -1e3, 1e3)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_degree_frame_is_the_direct_fit(lang):
    """The hero carries degrees 1-15; each frame's curve and errors are core's for that degree."""
    at = run_page(lang)
    catalog = load_catalog(lang)
    spec = chart(at, "of_degree_chart")
    x, y = of.sample_houses(of.N_HOUSES)
    assert len(spec["frames"]) == of.MAX_DEGREE
    for state, degree in enumerate(range(1, of.MAX_DEGREE + 1)):
        fit = of.fit_polynomial(x, y, degree)
        np.testing.assert_allclose(frame_trace(spec, state, 3)["y"], fit_curve(fit), atol=1e-6)
        train, val = of.mse(fit, x, y), of.mse(fit, X_VAL, Y_VAL)
        title = catalog["overfitting.chart.degree_title"].format(degree=degree, train=number(train), val=number(val))
        assert spec["frames"][state]["layout"]["title"]["text"] == title
        shown = frame_trace(spec, state, 5)  # the validation error, drawn up to this degree
        assert shown["x"] == list(range(1, degree + 1))
        assert shown["customdata"][-1] == number(val)
        assert shown["y"][-1] == pytest.approx(np.clip(val, *ERROR_RANGE))
    active = spec["layout"]["sliders"][0]["active"]
    assert active == 8  # degree 9 by default: already wiggling past the houses
    np.testing.assert_allclose(spec["data"][3]["y"], frame_trace(spec, active, 3)["y"])  # drawn = active


def test_the_url_degree_is_the_active_frame():
    spec = chart(run_page("en", of_degree="11"), "of_degree_chart")
    assert spec["layout"]["sliders"][0]["active"] == 10
    assert spec["layout"]["title"]["text"].startswith("Degree 11: training error 0,")


@pytest.mark.parametrize("remedy", of.REMEDIES)
def test_every_remedy_frame_is_the_direct_fit(remedy):
    at = run_page("en")
    at.segmented_control(key="of_remedy").set_value(remedy).run()
    spec = chart(at, "of_remedy_chart")
    states = of.remedy_sweep(remedy)
    catalog = load_catalog("en")
    assert len(spec["frames"]) == len(of.remedy_values(remedy))
    for state, value in enumerate(of.remedy_values(remedy)):
        x, y = of.sample_houses(value if remedy == "houses" else of.N_HOUSES)
        if remedy == "copies":
            fit = of.fit_polynomial(*of.augment(x, y, value, of.JITTER, of.HOUSE_SEED + 1), of.WILD_DEGREE)
        else:
            penalty = remedy if remedy in ("l1", "l2") else "none"
            fit = of.fit_polynomial(x, y, of.WILD_DEGREE, penalty, value if penalty != "none" else 0.0)
        np.testing.assert_allclose(frame_trace(spec, state, 4)["y"], fit_curve(fit), atol=1e-6)
        np.testing.assert_allclose(frame_trace(spec, state, 1)["x"], x)  # the training houses
        weights = frame_trace(spec, state, 5)
        np.testing.assert_allclose(weights["y"], np.clip(fit.w, -8, 8), atol=1e-9)
        zeros = int((fit.w == 0).sum())
        assert len(frame_trace(spec, state, 6)["x"]) == zeros == states[state].zeros
        assert number(of.mse(fit, X_VAL, Y_VAL)) in spec["frames"][state]["layout"]["title"]["text"]
    assert spec["layout"]["sliders"][0]["active"] == 0  # no remedy yet: the wild curve
    assert catalog[f"overfitting.strength_label.{remedy}"] in [s.label for s in at.select_slider]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_remedy_prose_follows_the_remedy(lang):
    """Each remedy's "what you saw" is its own sweep's numbers, computed here from core."""
    at = run_page(lang)
    catalog = load_catalog(lang)
    for remedy in of.REMEDIES:
        at.segmented_control(key="of_remedy").set_value(remedy).run()
        states = of.remedy_sweep(remedy)
        best = min(states, key=lambda s: s.val_mse)
        fields = {
            "none": number(states[0].val_mse),
            "best": number(best.val_mse),
            "at": f"{best.value:g}",
            "last": number(states[-1].val_mse),
            "first": f"{states[0].value:g}",
            "top": f"{states[-1].value:g}",
            "zeros": states[-1].zeros,
            "weights": of.WILD_DEGREE,
        }
        assert catalog[f"overfitting.remedy_saw.{remedy}"].format(**fields) in texts(at.success), remedy


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_degree_prose_quotes_validation_and_the_test_check(lang):
    at = run_page(lang)
    x, y = of.sample_houses(of.N_HOUSES)
    sweep = of.degree_sweep(x, y, X_VAL, Y_VAL)
    best = sweep.best_degree
    test = of.mse(sweep.fits[best - 1], *of.test_houses())
    saw = next(s for s in texts(at.success) if number(sweep.val_mse[best - 1]) in s)
    assert number(test) in saw and number(sweep.val_mse[10]) in saw and f"{of.TEST_SIZE}" in saw


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang):
    catalog = load_catalog(lang)
    right, wrong = catalog["common.exercise.right"], catalog["common.exercise.wrong"]
    at = run_page(lang)
    x, y = of.sample_houses(of.N_HOUSES)
    through = of.fit_polynomial(x, y, of.N_HOUSES - 1)
    at.radio(key="ex_overfitting_1").set_value("both_small").run()
    at.button(key="ex_overfitting_1_check").click().run()
    assert any(w.startswith(wrong) and number(of.mse(through, X_VAL, Y_VAL)) in w for w in texts(at.warning))
    at.radio(key="ex_overfitting_1").set_value("zero_huge").run()
    assert any(s.startswith(right) for s in texts(at.success))
    at.radio(key="ex_overfitting_2").set_value("down").run()
    at.button(key="ex_overfitting_2_check").click().run()
    l2 = [s.val_mse for s in of.remedy_sweep("l2")]
    assert any(w.startswith(wrong) and number(min(l2)) in w for w in texts(at.warning))
    course = of.train_replay(
        of.lesson_split(*of.LESSON_DATA, of.HOLDOUT, of.LESSON_CONFIG.seed), 2, of.LESSON_CONFIG, "circles"
    )
    stop, best = of.early_stop_epoch(course.val_loss, 30)
    at.number_input(key="ex_overfitting_3").set_value(float(stop + 5)).run()
    at.button(key="ex_overfitting_3_check").click().run()
    assert any(w.startswith(wrong) and f"{stop}" in w for w in texts(at.warning))
    at.number_input(key="ex_overfitting_3").set_value(float(stop)).run()
    assert any(s.startswith(right) and f"{best}" in s for s in texts(at.success))
    assert at.session_state["exercises_solved"]["overfitting"] == {1, 3}
    at.button(key="ex_overfitting_1_preset").click().run()
    assert at.slider(key="of_degree").value == of.N_HOUSES - 1
    at.button(key="ex_overfitting_2_preset").click().run()
    assert at.select_slider(key="of_lam_l2").value == of.LAMBDAS[-1]
    at.button(key="ex_overfitting_3_preset").click().run()
    assert at.toggle(key="of_early").value and at.slider(key="of_patience").value == 30


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_course_run_is_shown_on_arrival_and_its_frames_are_cores(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    spec = chart(at, "of_replay_chart")
    split = of.lesson_split(*of.LESSON_DATA, of.HOLDOUT, of.LESSON_CONFIG.seed)
    full = mlp.train_mlp(*split, 2, of.LESSON_CONFIG)
    epochs = list(range(4, 41, 4)) + list(range(80, 401, 40))
    assert [s["label"] for s in spec["layout"]["sliders"][0]["steps"]] == [str(e) for e in epochs]
    for state, epoch in enumerate(epochs):
        fields = {
            "run": catalog["overfitting.show_names.course"],
            "epoch": epoch,
            "train": f"{full.train_loss_[epoch - 1]:.3f}",
            "val": f"{full.val_loss_[epoch - 1]:.3f}",
            "train_acc": f"{full.train_acc_[epoch - 1]:.0%}",
            "val_acc": f"{full.val_acc_[epoch - 1]:.0%}",
        }
        assert spec["frames"][state]["layout"]["title"]["text"] == catalog["overfitting.chart.epoch_title"].format(
            **fields
        )
    window = of.plot_range(np.concatenate([split[0], split[2]]))
    for state, epoch in ((0, 4), (len(epochs) - 1, 400)):  # a map is the map of a network trained that long
        run = mlp.train_mlp(*split, 2, replace(of.LESSON_CONFIG, epochs=epoch))
        expected = map_values(of.boundary_grid(run, *window)[2])["z"]
        np.testing.assert_allclose(spec["frames"][state]["data"][0]["z"], expected, atol=2e-3)
    assert spec["layout"]["sliders"][0]["active"] == len(epochs) - 1  # the end: the overfitted map
    best = full.best_epoch_
    saw = catalog["overfitting.network_saw.down_up"].format(
        best=best,
        epochs=400,
        v_best=f"{full.val_loss_[best - 1]:.3f}",
        v_end=f"{full.val_loss_[-1]:.3f}",
        t_end=f"{full.train_loss_[-1]:.3f}",
        acc_best=f"{full.val_acc_[best - 1]:.0%}",
        acc_end=f"{full.val_acc_[-1]:.0%}",
    )
    assert saw in texts(at.success)


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_training_replaces_the_course_run_and_its_prose_follows(lang):
    catalog = load_catalog(lang)
    at = run_page(lang, of_epochs="100")
    at.selectbox(key="of_dataset").set_value("spirals").run()
    at.slider(key="of_dropout").set_value(0.3).run()
    at.toggle(key="of_early").set_value(True).run()
    at.slider(key="of_patience").set_value(20).run()
    at.button(key="of_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    config = replace(of.LESSON_CONFIG, epochs=100, dropout=0.3, early_stopping=True, patience=20)
    split = of.lesson_split("spirals", 100, 0.2, 2, of.HOLDOUT, config.seed)
    mine = of.train_replay(split, 2, config, "spirals")
    assert at.segmented_control(key="of_show").value == "own"
    assert any(m.startswith(catalog["overfitting.run_own"].split("{")[0]) for m in texts(at.markdown))
    spec = chart(at, "of_replay_chart")
    assert spec["layout"]["title"]["text"].startswith(catalog["overfitting.show_names.own"].format(number=1))
    assert spec["layout"]["sliders"][0]["steps"][-1]["label"] == catalog["overfitting.chart.kept_label"].format(
        epoch=mine.best_epoch
    )
    saw = next(
        s for s in texts(at.success) if catalog["overfitting.network_saw.kept"].format(best=mine.best_epoch) in s
    )
    assert f"{mine.val_loss[-1]:.3f}" in saw and f"{mine.best_epoch}" in saw
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[catalog["overfitting.val_acc"]] == f"{mine.final_val_acc:.0%}"
    at.segmented_control(key="of_show").set_value("course").run()  # back to the course's run
    assert not at.exception and not at.metric
    assert chart(at, "of_replay_chart")["layout"]["title"]["text"].startswith(catalog["overfitting.show_names.course"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_csv_gets_a_clear_message(lang):
    at = run_page(lang)
    at.selectbox(key="of_dataset").set_value("csv").run()
    at.file_uploader(key="of_csv").set_value(("bad.csv", b"a,b\n1,2\n3,4\n", "text/csv")).run()
    assert not at.exception
    assert at.error[0].value == load_catalog(lang)["overfitting.csv_errors.columns"].format(found=2)
    at.button(key="of_train").click().run()  # nothing to train on: the course's run stays
    assert not at.exception and "of_run" not in at.session_state


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
    spec = chart(at, "of_replay_chart")
    assert "train, C" in [trace.get("name") for trace in spec["data"]]  # the file's own labels
    assert any("Your own CSV" in m for m in texts(at.markdown))


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
    summary = [c.value for c in at.caption if "held out for validation" in c.value]
    assert summary and not at.exception
    at.switch_page("app_pages/fitting.py").run()
    at.switch_page("app_pages/overfitting.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="of_dataset").value == "csv"
    assert [c.value for c in at.caption if "held out for validation" in c.value] == summary
    assert next(u for u in at.get("file_uploader") if u.key == "of_csv").value is None  # as in a browser
    assert any("mine\\.csv" in c.value for c in at.caption)  # the name, Markdown-escaped
    at.button(key="of_csv_forget").click().run()
    assert not [c.value for c in at.caption if "held out for validation" in c.value]


def test_the_page_is_thin():
    """Pages under 200 lines (a sections module under 250), no function over 60 lines."""
    import ast

    for path, limit in ((PAGE, 200), (ROOT / "app_pages" / "overfitting_sections.py", 250)):
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) < limit, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno - node.lineno < 60, (path.name, node.name)
