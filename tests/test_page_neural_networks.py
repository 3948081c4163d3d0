"""Lesson 3's page in AppTest: the article's figures on screen, editing, collapse, backprop, training."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import neural_networks as nnc
from tests.apptest import run_clean
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "neural_networks.py"


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def latex(at: AppTest) -> list[str]:
    return [str(x.value).strip("$\n ") for x in at.latex]


def chart_count(at: AppTest) -> int:
    return len(at.get("plotly_chart"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_articles_figures_appear(lang):
    at = run_page(lang)
    products, with_bias = latex(at)[0], latex(at)[1]
    assert r"32\cdot0.10 + 107\cdot(-0.29) + 56\cdot(-0.07) + 11.2\cdot0.46" in products
    assert products.strip().endswith(r"= -26.598 \approx -26.6")
    assert with_bias.strip().endswith(r"= -26.348 \approx -26.35")
    text = "\n".join(m.value for m in at.markdown)
    assert "−26.6" in text and "−26.35" in text  # and the explanation of whose weights they are
    assert chart_count(at) == 5  # network, activation, softmax, backward pass, gradient norms
    catalog = load_catalog(lang)
    labels = [n.label for n in at.number_input]
    assert labels[0] == catalog["neural_networks.weight_from"].format(
        name=catalog["neural_networks.inputs.leaf.r"], source=catalog["neural_networks.article"]
    )


def test_editing_a_weight_and_restoring_it():
    at = run_page()
    at.number_input(key="nn_edge0_0_0").set_value(0.2).run()
    assert r"32\cdot0.20" in latex(at)[0] and r"-23.398" in latex(at)[0]
    at.selectbox(key="nn_node").select_index(3).run()  # the edit survives its inputs being hidden
    at.selectbox(key="nn_node").select_index(0).run()
    assert at.number_input(key="nn_edge0_0_0").value == 0.2
    at.button[0].click().run()  # restore
    assert not at.exception
    assert at.number_input(key="nn_edge0_0_0").value == pytest.approx(0.10)
    assert r"\approx -26.6" in latex(at)[0]


def test_an_output_node_and_a_chosen_weight_are_labelled():
    at = run_page()
    at.selectbox(key="nn_node").select_index(3).run()
    catalog = load_catalog("en")
    assert catalog["neural_networks.output_is_linear"] in [m.value for m in at.markdown]
    assert all(catalog["neural_networks.ours"] in n.label for n in at.number_input)  # output 1: all ours


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_activation_collapses_and_others_do_not(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    assert at.info and at.info[0].value.startswith(catalog["neural_networks.collapse_differs"].split("{")[0])
    at.session_state["nn_act"] = "none"  # AppTest cannot pick an option by its translated label
    at.run()
    assert at.success and at.success[0].value.startswith(catalog["neural_networks.collapse_equal"].split("{")[0])


def test_backprop_step_agrees_with_autograd_and_lowers_the_loss():
    at = run_page()
    catalog = load_catalog("en")
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics[catalog["neural_networks.autograd_gap"]]) < 1e-12
    assert float(metrics[catalog["neural_networks.loss_after"]]) < float(
        metrics[catalog["neural_networks.loss_before"]]
    )
    assert float(metrics[catalog["neural_networks.loss_before"]]) == pytest.approx(0.1612, abs=1e-4)  # -ln 0.8511


def test_the_rain_reading_renames_without_recomputing():
    at = run_page()
    leaf = [m.value for m in at.metric][:2]
    at.button_group(key="nn_reading").set_value("rain").run()
    assert not at.exception
    catalog = load_catalog("en")
    assert at.slider(key="nn_r").label == catalog["neural_networks.inputs.rain.r"]
    assert [m.label for m in at.metric][:2] == [
        catalog["neural_networks.outputs.rain.first"],
        catalog["neural_networks.outputs.rain.second"],
    ]
    assert [m.value for m in at.metric][:2] == leaf


def test_state_comes_from_the_url_and_bad_urls_do_not_crash():
    at = run_page(nn_r="33", nn_stack="30", nn_lr="0.01")
    assert at.slider(key="nn_r").value == 33 and at.slider(key="nn_stack").value == 30
    assert r"33\cdot0.10" in latex(at)[0]
    at = run_page(nn_r="999", nn_vol="abc", nn_scale="7")
    assert at.slider(key="nn_r").value <= 255


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_training_a_small_network(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    assert at.info[-1].value == catalog["neural_networks.no_runs"]
    at.select_slider(key="nn_steps").set_value(250).run()
    at.select_slider(key="nn_width").set_value(4).run()
    at.slider(key="nn_depth").set_value(1).run()
    at.button(key="nn_train").click().run()
    assert not at.exception
    assert chart_count(at) == 7  # plus the fit and its loss curve
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 1]) == [13]  # 1 x 4: 4 + 4 + 4 + 1 parameters
    assert table.iloc[0, 2] < 0.5  # it learned something (the sine's variance is 0.5)
    at.button(key="nn_clear").click().run()
    assert chart_count(at) == 5


@pytest.mark.slow
def test_training_the_deep_and_wide_pair():
    at = run_page("en")
    at.select_slider(key="nn_steps").set_value(250).run()
    at.button(key="nn_train_pair").click().run()
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.iloc[:, 1]) == [817, 817]


def test_the_gradient_norms_chart_follows_its_sliders():
    """Built once per language, then updated: after a move it shows core's norms for the new stack."""
    at = run_page()
    at.slider(key="nn_stack").set_value(7).run()
    at.select_slider(key="nn_scale").set_value(2.0).run()
    assert not at.exception
    title = load_catalog("en")["neural_networks.chart.norm_title"]
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    spec = next(s for s in specs if s["layout"]["title"]["text"] == title)
    for trace, name in zip(spec["data"], ("sigmoid", "tanh", "relu")):
        y = trace["y"]  # Plotly writes arrays as {"dtype", "bdata"}
        y = np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]) if isinstance(y, dict) else y
        np.testing.assert_allclose(y, np.maximum(nnc.gradient_norms(7, name, 2.0), 1e-300))
