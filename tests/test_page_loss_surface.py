"""Lesson 2's page: the figures it must show, its messages in both languages, the training button."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from core import loss_surface as ls
from core import mlp
from tests.apptest import run_clean
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "loss_surface.py"


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def chart(at: AppTest, title_key: str, lang: str = "en") -> dict:
    """The Plotly spec of the chart whose title is the catalog's text for title_key."""
    title = load_catalog(lang)[f"loss_surface.chart.{title_key}"]
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"].get("title", {}).get("text") == title:
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def table(at: AppTest):
    return at.dataframe[0].value


@pytest.mark.parametrize("lang", LANGUAGES)
def test_shows_the_surfaces_paths_and_the_same_line(lang):
    at = run_page(lang)
    contour = chart(at, "tea_title", lang)
    names = [trace.get("name", "") for trace in contour["data"]]
    for name in ls.OPTIMIZERS:  # one path per optimizer, plus the minimum
        assert any(n.startswith(load_catalog(lang)[f"loss_surface.opt.{name}"]) for n in names)
    assert load_catalog(lang)["loss_surface.chart.least_squares"] in names
    assert [trace["type"] for trace in contour["data"]][0] == "contour"
    chart(at, "curves_title", lang)
    chart(at, "neuron_title", lang)
    chart(at, "basins_title", lang)
    metrics = [m.value for m in at.metric]
    assert "590" in metrics and "k = -9.142857, b = 910.00" in metrics
    assert len(table(at)) == 4


def test_default_state_tells_the_ravine_story():
    at = run_page()
    outcomes = table(at).iloc[:, 1].tolist()
    assert outcomes[0] == "did not get within 1% in 200 steps"  # the article's SGD
    assert outcomes[3] == "within 1% at step 82"  # Adam gets there
    assert "crawls" in at.info[0].value


def test_standardizing_reaches_the_minimum_in_a_few_steps_and_maps_back():
    at = run_page()
    at.toggle(key="loss_scaled").set_value(True).run()
    assert not at.exception
    frame = table(at)
    assert frame.iloc[1, 1] == "within 1% at step 4"  # gradient descent, η = 0.5
    assert frame.iloc[1, 5] == pytest.approx(590, abs=0.01)  # same line: prediction at 35 is 590
    spec = chart(at, "tea_title")
    assert spec["layout"]["yaxis"]["scaleanchor"] == "x"  # a round bowl drawn round


def test_first_slider_changes_the_contour():
    at = run_page()
    before = chart(at, "tea_title")["data"][1]
    at.slider(key="loss_k0").set_value(at.slider(key="loss_k0").value + 0.5).run()
    assert chart(at, "tea_title")["data"][1] != before


@pytest.mark.parametrize("lang", LANGUAGES)
def test_divergence_is_reported_and_the_axes_stay_readable(lang):
    at = run_page(lang)
    at.select_slider(key="loss_lr_gd").set_value(1e-2).run()
    assert not at.exception
    step = ls.tea_path("gd", 1e-2, (-10.0, 1000.0), 200, standardized=False).diverged_at
    label = f"{load_catalog(lang)['loss_surface.opt.gd']} (η = 0.01)"
    expected = load_catalog(lang)["loss_surface.diverged"].format(name=label, step=step)
    assert [e.value for e in at.error] == [expected]
    layout = chart(at, "tea_title", lang)["layout"]
    assert layout["xaxis"]["range"] == [-25, 5] and layout["yaxis"]["range"] == [500, 1300]
    assert load_catalog(lang)["loss_surface.behaviour.diverges"].split("{")[0] in at.info[0].value


def test_state_comes_from_the_url():
    at = run_page(loss_k0="-5", loss_b0="900", loss_scaled="true", loss_lr_gd_std="1")
    assert at.slider(key="loss_k0").value == -5.0 and at.toggle(key="loss_scaled").value is True
    assert table(at).iloc[1, 1] == "within 1% at step 1"


def test_neuron_start_decides_the_minimum():
    at = run_page()
    assert "local minimum" in at.info[1].value  # default start (1, -1) rolls into the worse valley
    at.slider(key="loss_w0").set_value(-1.0).run()
    at.slider(key="loss_v0").set_value(1.0).run()
    assert "global minimum" in at.info[1].value


@pytest.mark.slow
def test_training_button_maps_a_real_landscape(monkeypatch):
    small = ls.LandscapeConfig(net=mlp.MLPConfig(width=8, depth=1, lr=3e-2, epochs=20), grid=5)
    monkeypatch.setattr(ls, "LandscapeConfig", lambda: small)  # the page builds its config from this
    at = run_page("zh")
    at.button(key="loss_mlp_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    spec = chart(at, "landscape_title", "zh")
    assert spec["data"][0]["type"] == "contour"
    assert any(m.value.startswith("训练后的交叉熵损失") for m in at.markdown)
    assert at.session_state["loss_mlp"].loss.shape == (5, 5)
    assert chart(at, "landscape_3d_title", "zh")["data"][0]["type"] == "surface"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_3d_view_and_code(lang):
    at = run_page(lang)
    at.button_group(key="loss_view").set_value("surface").run()
    assert not at.exception, [e.value for e in at.exception]
    spec = chart(at, "tea_title", lang)
    assert spec["data"][0]["type"] == "surface" and spec["layout"]["scene"]["zaxis"]["type"] == "log"
    code = "\n".join(c.value for c in at.code)
    assert "class Adam" in code and "class Momentum" in code and "def descend" in code


@pytest.mark.parametrize(
    "query", [{"loss_k0": "abc"}, {"loss_k0": "999", "loss_lr_gd": "7"}, {"loss_nn_opt": "rmsprop", "loss_view": "x"}]
)
def test_bad_values_in_the_url_fall_back_to_defaults(query):
    at = run_page(**query)  # run_page asserts there is no exception
    assert at.slider(key="loss_k0").value == -10.0 and len(table(at)) == 4
