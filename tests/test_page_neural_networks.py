"""Lesson 3's page in AppTest: the hero's every frame against core, the article's figures, the four
exercises right and wrong, prose that follows the state, editing weights, the reading switch, the
default training pair replayed, and the page's shape (thin, short functions)."""

import ast

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.neural_networks_sections import RED_STATES
from core import neural_networks as nnc
from tests.apptest import run_clean, shown_spec
from ui import neural_networks_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "neural_networks.py"
SECTIONS = ROOT / "app_pages" / "neural_networks_sections.py"


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def tab(lang: str, name: str) -> str:
    """The URL's value that opens a tab of the learning section ("weights" or "fit"): its label."""
    return load_catalog(lang)[f"neural_networks.{name}_header"]


def open_tab(at: AppTest, name: str) -> None:
    at.session_state["nn_tab"] = tab(at.query_params["lang"][0] if isinstance(at.query_params["lang"], list)
                                     else at.query_params["lang"], name)  # fmt: skip
    at.run()


def chart(at: AppTest, key: str) -> dict:
    """The spec of the chart drawn with this key (scrub figures carry their states as frames)."""
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def latex(at: AppTest) -> str:
    return "\n".join(str(x.value) for x in at.latex)


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    return "\n".join(parts + [s.value for s in at.success] + [w.value for w in at.warning] + [i.value for i in at.info])


def saw(at: AppTest) -> list[str]:
    """The 'what you just saw' callouts (green), in page order."""
    return [s.value for s in at.success]


def shown(labels: list[str]) -> list[float]:
    """Numbers as the diagram writes them (4 significant digits, a true minus sign), read back."""
    return [float(label.replace("−", "-")) for label in labels]


def default_x(**changes) -> list[float]:
    x = list(nnc.LEAF_INPUT)
    for index, value in changes.items():
        x["rgbv".index(index)] = value
    return x


# --- The hero: every frame is core's forward pass ------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hero_frame_is_the_forward_pass_for_that_red(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    spec = chart(at, "nn_hero_chart")
    assert len(spec["frames"]) == len(RED_STATES) == 65 and RED_STATES[-1] == 255
    layers = nnc.leaf_layers()
    for i, r in enumerate(RED_STATES):
        fwd = nnc.forward(layers, default_x(r=r), "relu")
        p = nnc.softmax(fwd.out[0])
        frame = spec["frames"][i]
        nodes, captions, swatch = frame["data"]
        values = [*default_x(r=r), *fwd.activations[0][0], *fwd.out[0]]
        np.testing.assert_allclose(shown(nodes["text"]), values, rtol=6e-4, atol=1e-9)  # 4 digits
        winner = int(p.argmax())
        assert captions["text"][-2:] == [
            f"{'✓ ' if k == winner else ''}{catalog[f'neural_networks.outputs.leaf.{name}']} {p[k]:.0%}"
            for k, name in enumerate(("first", "second"))
        ]
        assert f"{p[0]:.0%}" in frame["layout"]["title"]["text"] and f"= {r} " in frame["layout"]["title"]["text"]
        off = [nnc.activate(fwd.zs[0][0], "relu")[k] == 0 for k in range(3)]
        assert [c == charts.FILL["off"] for c in nodes["marker"]["color"][4:7]] == off
        assert swatch["marker"]["color"] == f"rgb({r},107,56)"
    active = spec["layout"]["sliders"][0]["active"]
    assert RED_STATES[active] == 32  # the article's example
    assert spec["data"][charts.NODES]["text"] == spec["frames"][active]["data"][0]["text"]


def test_the_other_inputs_and_the_activation_rebuild_the_frames():
    at = run_page(nn_r="200", nn_g="50", nn_act="tanh")
    spec = chart(at, "nn_hero_chart")
    assert RED_STATES[spec["layout"]["sliders"][0]["active"]] == 200
    fwd = nnc.forward(nnc.leaf_layers(), default_x(r=12, g=50), "tanh")
    expected = [*fwd.activations[0][0], *fwd.out[0]]
    np.testing.assert_allclose(shown(spec["frames"][3]["data"][0]["text"][4:]), expected, rtol=6e-4)
    assert r"32\cdot0.10" not in latex(at) and r"200\cdot0.10" in latex(at)


# --- The article's figures -------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_articles_figures_appear(lang):
    at = run_page(lang, nn_edit_open="true")
    shown = latex(at)
    assert r"32\cdot0.10 + 107\cdot(-0.29)" in shown and r"56\cdot(-0.07) + 11.2\cdot0.46" in shown
    assert r"&= -26.598 \approx -26.6" in shown
    assert r"-26.348 \approx -26.35" in shown
    catalog = load_catalog(lang)
    p, flip = nnc.default_story()
    source = catalog["neural_networks.weights_source"].format(p=f"{p:.2f}", flip=f"{flip:g}")
    assert source.strip() in [m.value.strip() for m in at.markdown] and "−26.6" in source and "−26.35" in source
    # hero, activation, backward pass: the other tabs draw their charts once opened
    assert len(at.get("plotly_chart")) == 3
    assert len(run_page(lang, nn_tab=tab(lang, "weights")).get("plotly_chart")) == 4  # symmetry, gradient norms
    assert len(run_page(lang, nn_tab=tab(lang, "fit")).get("plotly_chart")) == 3  # the pair replayed


# --- Predict, then check ----------------------------------------------------------------------------------
def answer(at: AppTest, n: int, value) -> None:
    at.radio(key=f"ex_neural_networks_{n}").set_value(value).run()
    at.button(key=f"ex_neural_networks_{n}_check").click().run()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang):
    catalog = load_catalog(lang)
    right, wrong = catalog["common.exercise.right"], catalog["common.exercise.wrong"]
    at = run_page(lang)
    sweep = nnc.input_sweep(nnc.leaf_layers(), nnc.LEAF_INPUT, 0, range(256), "relu")
    answer(at, 1, "first")  # at R = 255 the network says flower, not leaf
    assert any(w.value.startswith(wrong) and f"{sweep.probs[-1][1]:.1%}" in w.value for w in at.warning)
    answer(at, 1, "second")
    assert any(s.value.startswith(right) and "124" in s.value for s in at.success)
    answer(at, 2, "no")
    assert any(w.value.startswith(wrong) for w in at.warning)
    answer(at, 2, "exact")
    gap = nnc.collapse_check(nnc.leaf_layers(), nnc.LEAF_INPUT, "none").gap
    assert any(s.value.startswith(right) and f"{gap:.1e}" in s.value for s in at.success)
    answer(at, 3, "most")
    step = nnc.backprop_step(nnc.leaf_layers(), nnc.LEAF_INPUT, 0, "relu", 1e-3)
    sizes = [np.abs(step.grads[0].W[j]).sum() + abs(step.grads[0].b[j]) for j in range(3)]
    assert any(w.value.startswith(wrong) and f"{sizes[1]:.4g}" in w.value for w in at.warning)
    answer(at, 3, "none")
    open_tab(at, "weights")
    answer(at, 4, "apart")
    assert any(w.value.startswith(wrong) for w in at.warning)
    answer(at, 4, "same")
    assert at.session_state["exercises_solved"]["neural_networks"] == {1, 2, 3, 4}


def test_presets_set_up_each_experiment():
    at = run_page(nn_g="20", nn_act="tanh")
    at.button(key="ex_neural_networks_1_preset").click().run()
    assert at.select_slider(key="nn_r").value == 255
    at.button(key="ex_neural_networks_2_preset").click().run()
    assert at.session_state["nn_act"] == "none"
    at.button(key="ex_neural_networks_3_preset").click().run()
    assert at.select_slider(key="nn_r").value == 32
    assert [at.slider(key=k).value for k in ("nn_g", "nn_b", "nn_vol")] == [107, 56, 11.2]
    assert at.session_state["nn_act"] == "relu" and not at.exception


# --- Prose that quotes a number follows the state -----------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_prose_follows_the_inputs_and_the_activation(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    first = saw(at)[0]  # the hero's: over the whole red range
    assert "124" in first and "43" in first
    neuron = catalog["neural_networks.hidden_name"].format(number=1)
    neuron = neuron[:1].upper() + neuron[1:]  # it starts the caption
    off = catalog["neural_networks.relu_off"].format(neuron=neuron, z="−26.35")
    assert off in [c.value for c in at.caption]
    at = run_page(lang, nn_g="0", nn_r="148")  # now hidden neuron 1 is on
    z = nnc.node_sum(nnc.leaf_layers(), default_x(r=148, g=0), "relu", 0, 0).z
    on = catalog["neural_networks.relu_on"].format(neuron=neuron, z=charts.fmt(z))
    assert on in [c.value for c in at.caption] and off not in [c.value for c in at.caption]
    scores = nnc.forward(nnc.leaf_layers(), default_x(r=148, g=0), "relu").out[0]
    assert f"{nnc.softmax(scores)[0]:.4f}" in texts(at)  # softmax's paragraph quotes this state
    gap = nnc.collapse_check(nnc.leaf_layers(), default_x(r=148, g=0), "relu").gap
    assert any(f"{gap:.4g}" in s for s in saw(at))
    at.session_state["nn_act"] = "sigmoid"
    at.run()
    story = saw(at)[0]
    sweep = nnc.input_sweep(nnc.leaf_layers(), default_x(g=0), 0, range(256), "sigmoid")
    assert (sweep.winner_changes() == []) == (catalog["neural_networks.hero_no_flip"].split("{")[0] in story)
    assert "43" not in story  # no ReLU, nothing switches off
    assert off not in texts(at) and on not in texts(at)


def test_the_backward_step_and_the_gradient_sizes_quote_core():
    at = run_page(nn_lr="0.01", nn_stack="7", nn_scale="2.0", nn_autograd_open="true")
    at.radio(key="nn_label").set_value(1).run()
    step = nnc.backprop_step(nnc.leaf_layers(), nnc.LEAF_INPUT, 1, "relu", 0.01)
    assert any(f"{step.loss:.4f}" in s and f"{step.new_loss:.4f}" in s for s in saw(at))
    spec = chart(at, "nn_gradients")
    deltas = [*step.deltas[0], *step.deltas[1]]
    np.testing.assert_allclose(shown(spec["data"][charts.NODES]["text"][4:]), deltas, rtol=0.05, atol=1e-12)
    rows, gap = nnc.gradient_table(
        nnc.leaf_layers(), step, nnc.torch_gradients(nnc.leaf_layers(), nnc.LEAF_INPUT, 1, "relu")
    )
    assert any(f"{gap:.1e}" in m.value for m in at.markdown)
    assert len(at.dataframe[-1].value) == len(rows)
    closed = run_page(nn_lr="0.01")  # the aside nobody opened computes and sends nothing
    assert len(closed.dataframe) == len(at.dataframe) - 1 and not any(f"{gap:.1e}" in m.value for m in closed.markdown)
    open_tab(at, "weights")  # the gradient sizes through depth, in the next tab
    sigmoid, relu = nnc.gradient_norms(7, "sigmoid", 2.0), nnc.gradient_norms(7, "relu", 2.0)
    assert any(f"{sigmoid[0] / sigmoid[-2]:.1e}" in s and f"{relu[0]:.1e}" in s for s in saw(at))


# --- Editing weights, reading the numbers differently --------------------------------------------------------
def test_editing_a_weight_and_restoring_it():
    at = run_page(nn_edit_open="true")
    at.number_input(key="nn_w0_0_0_0").set_value(0.2).run()
    assert r"32\cdot0.20" in latex(at) and "-23.398" in latex(at)
    edited = nnc.with_edits(nnc.leaf_layers(), {(0, 0, 0): 0.2})
    fwd = nnc.forward(edited, default_x(r=100), "relu")
    frame = chart(at, "nn_hero_chart")["frames"][RED_STATES.index(100)]
    np.testing.assert_allclose(shown(frame["data"][0]["text"][-2:]), fwd.out[0], rtol=6e-4)
    at.button_group(key="nn_node").set_value("o1").run()  # the edit survives its box being hidden
    at.button_group(key="nn_node").set_value("h1").run()
    assert at.number_input(key="nn_w0_0_0_0").value == 0.2 and r"32\cdot0.20" in latex(at)
    at.button(key="nn_restore").click().run()
    assert at.number_input(key="nn_w1_0_0_0").value == pytest.approx(0.10)
    assert r"\approx -26.6" in latex(at)


def test_an_output_neuron_is_labelled_and_all_its_weights_are_ours():
    at = run_page(nn_edit_open="true")
    at.button_group(key="nn_node").set_value("o1").run()
    catalog = load_catalog("en")
    assert catalog["neural_networks.output_is_linear"] in [c.value for c in at.caption]
    boxes = [n for n in at.number_input if n.key.startswith("nn_w")]
    assert len(boxes) == 4 and all(catalog["neural_networks.ours"] in n.label for n in boxes)


def test_the_rain_reading_renames_without_recomputing():
    at = run_page()
    before = chart(at, "nn_hero_chart")["frames"][40]["data"][0]["text"]
    at.button_group(key="nn_reading").set_value("rain").run()
    catalog = load_catalog("en")
    assert at.select_slider(key="nn_r").label == catalog["neural_networks.inputs.rain.r"]
    spec = chart(at, "nn_hero_chart")
    assert spec["frames"][40]["data"][0]["text"] == before
    assert spec["frames"][40]["data"][2]["marker"]["color"] == "rgba(0,0,0,0)"  # no colour square for weather
    assert catalog["neural_networks.outputs.rain.first"] in spec["frames"][40]["data"][1]["text"][-2]


def test_state_comes_from_the_url_and_bad_urls_do_not_crash():
    at = run_page(nn_r="36", nn_stack="30", nn_lr="0.01", nn_tab=tab("en", "weights"))
    assert at.select_slider(key="nn_r").value == 36 and at.slider(key="nn_stack").value == 30
    assert r"36\cdot0.10" in latex(at)
    # 33 is not one of red's states, and no tab has that name
    at = run_page(nn_r="33", nn_vol="abc", nn_scale="7", nn_act="swish", nn_tab="no such tab")
    assert at.select_slider(key="nn_r").value == 32 and at.slider(key="nn_vol").value == 11.2


# --- Deep or wide: the default pair on arrival, replayed ------------------------------------------------------
@pytest.mark.slow  # trains the pair again here, to compare
def test_every_fit_frame_is_the_trained_pair_at_that_step():
    at = run_page(nn_tab=tab("en", "fit"))
    spec = chart(at, "nn_fit_chart")
    x, y = nnc.make_target("step")
    runs = [nnc.fit_mlp(x, y, nnc.FitConfig(depth=d, width=w, activation="tanh")) for d, w in ((6, 12), (1, 272))]
    assert len(spec["frames"]) == len(runs[0].snapshot_steps_) == 26
    for i in (0, 5, 25):
        curves = spec["frames"][i]["data"][:2]
        for curve, run in zip(curves, runs):
            np.testing.assert_allclose(curve["y"], run.snapshots_[i], atol=1e-5)
        assert f"{runs[1].snapshot_losses_[i]:.3g}" in spec["frames"][i]["layout"]["title"]["text"]
    assert spec["layout"]["sliders"][0]["active"] == 25  # fully trained on arrival
    losses = [f"{r.snapshot_losses_[-1]:.3g}" for r in runs]
    assert any(all(v in s for v in losses) for s in saw(at))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGUAGES)
def test_training_your_own_network_joins_the_pair(lang):
    at = run_page(lang, nn_depth="1", nn_width="4", nn_tab=tab(lang, "fit"))
    at.button(key="nn_train").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    spec = chart(at, "nn_fit_chart")
    assert len(spec["frames"][0]["data"]) == 6  # three curves, three markers
    assert "(13 " in spec["data"][3]["name"] or "（13 " in spec["data"][3]["name"]  # 1 x 4: 8 weights + 5 biases
    at.button(key="nn_clear").click().run()
    assert len(chart(at, "nn_fit_chart")["frames"][0]["data"]) == 4


# --- Figures updated in place equal fresh builds --------------------------------------------------------------
NAMES = [["R", "G", "B", "V"], ["h1", "h2", "h3"], ["leaf", "flower"]]


def test_the_backward_figure_updated_equals_a_fresh_build():
    a = nnc.backprop_step(nnc.leaf_layers(), nnc.LEAF_INPUT, 0, "relu", 1e-3)
    x = default_x(r=200, g=3)
    b = nnc.backprop_step(nnc.leaf_layers(), x, 1, "tanh", 1e-3)
    figure = charts.backward_figure(nnc.LEAF_INPUT, a, NAMES, (0, 1))
    charts.update_backward_figure(figure, x, b, NAMES, (0, 1))
    assert figure.to_json() == charts.backward_figure(x, b, NAMES, (0, 1)).to_json()


@pytest.mark.parametrize("red", [32, 200])
def test_the_activation_points_follow_red_in_the_browser(red):
    """The activation chart is a scrub figure over red's states: each frame holds the hidden z's of the
    forward pass at that red, and the state drawn is the slider's."""
    at = run_page(nn_r=str(red))
    spec = chart(at, "nn_activation")
    np.testing.assert_allclose(
        spec["data"][1]["customdata"], nnc.forward(nnc.leaf_layers(), default_x(r=red), "relu").zs[0][0]
    )
    for i in (0, 17, len(RED_STATES) - 1):
        z = nnc.forward(nnc.leaf_layers(), default_x(r=RED_STATES[i]), "relu").zs[0][0]
        frame = spec["frames"][i]["data"][0]
        np.testing.assert_allclose(frame["customdata"], z)
        np.testing.assert_allclose(frame["y"], nnc.activate(np.clip(z, -6, 6), "relu"))


def test_the_activation_figure_updated_equals_a_fresh_build():
    figure = charts.activation_figure("relu", np.array([-26.3, 4.7, 3.9]), NAMES[1], 0)
    charts.update_activation_figure(figure, "relu", np.array([1.0, -2.0, 0.5]), 2)
    fresh = charts.activation_figure("relu", np.array([1.0, -2.0, 0.5]), NAMES[1], 2)
    assert figure.to_json() == fresh.to_json()


def test_the_gradient_norm_figure_updated_equals_a_fresh_build():
    names = ("sigmoid", "tanh", "relu")
    figure = charts.gradient_norm_figure({n: nnc.gradient_norms(20, n, 1.0) for n in names})
    norms = {n: nnc.gradient_norms(7, n, 2.0) for n in names}
    charts.update_gradient_norm_figure(figure, norms)
    assert figure.to_json() == charts.gradient_norm_figure(norms).to_json()


def test_the_symmetry_figure_draws_core_runs():
    equal = nnc.symmetry_run("equal", steps=50)
    figure = charts.symmetry_figure([equal, nnc.symmetry_run("random", steps=50)], NAMES[1])
    grid = np.asarray(figure.data[1].x)
    np.testing.assert_allclose(figure.data[4].y, nnc.forward(equal.layers, grid[:, None], "tanh").out[:, 0])
    assert figure.data[1].y.tolist() == figure.data[2].y.tolist() == figure.data[3].y.tolist()  # identical neurons


# --- The page stays thin ------------------------------------------------------------------------------------------
def test_the_page_is_thin_and_its_functions_short():
    for path, limit in ((PAGE, 200), (SECTIONS, 250)):
        source = path.read_text(encoding="utf-8")
        assert len(source.splitlines()) < limit, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno - node.lineno < 60, f"{path.name}:{node.name}"


def test_what_nobody_opened_is_not_sent_and_an_edit_outlives_its_closed_box():
    """The weight boxes, the collapse's matrix and table and backpropagation's asides wait until opened:
    every move of the inputs reruns the whole fragment. An edit made in the box stays once it is closed."""
    at = run_page()
    assert not at.number_input and not at.dataframe
    at = run_page(nn_edit_open="true")
    at.number_input(key="nn_w0_0_0_0").set_value(0.2).run()
    at.query_params.pop("nn_edit_open", None)  # the learner folds the box away
    at.session_state["nn_edit_open"] = False
    at.run()
    assert not at.number_input and r"32\cdot0.20" in latex(at)
