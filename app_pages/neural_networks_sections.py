"""Lesson 3's leaf-or-flower sections: the hero (every node's value as red is scrubbed), one neuron
spelled out with its weights, and the collapse without activations (softmax and one step of
backpropagation: app_pages/neural_networks_backprop.py). They all follow the same inputs, weights and
activation, so the page runs them in one fragment.

Imported by app_pages/neural_networks.py; not a page itself (ui/lessons.py names the pages).
"""

from dataclasses import dataclass
from types import MappingProxyType

import streamlit as st

from core import neural_networks as nnc
from ui import exercise
from ui import neural_networks_charts as charts
from ui.figures import show
from ui.frame import go_deeper, what_you_saw
from ui.i18n import current_language, t
from ui.scrub import scrub_figure

COLOUR_SLIDER = (0, 255, 1)  # green and blue (defaults: the article's example, nnc.LEAF_INPUT)
# Red, the hero's scrubbed input: every 4th value (the example's 32 and the flip at 124 among them) and 255.
# Each is a frame the figure carries; 65 of them keep a redraw as light as lesson 8's (bench/README.md).
RED_STATES = (*range(0, 256, 4), 255)
VOLUME_SLIDER = (0.0, 50.0, 0.1)
INPUT_KEYS = ("nn_r", "nn_g", "nn_b", "nn_vol")
SWEEP = 0  # the hero scrubs input 0, red
WEIGHT_RANGE = (-10.0, 10.0)
NODES = MappingProxyType({"h1": (0, 0), "h2": (0, 1), "h3": (0, 2), "o1": (1, 0), "o2": (1, 1)})  # (layer, neuron)
EXERCISES = 4
EDITS = "nn_edits"  # session state: {(layer, neuron, input): value} the learner typed


@dataclass(frozen=True)
class Net:
    """What every section of the fragment reads: the inputs, weights, activation and names."""

    x: list[float]
    layers: list[nnc.Layer]
    activation: str
    reading: str
    names: list[list[str]]  # inputs, hidden neurons (short, for the diagrams), outputs
    selected: tuple[int, int]  # the neuron spelled out: (layer, neuron)

    def name(self, node: tuple[int, int]) -> str:
        return charts.neuron_name(node, self.names)


def card(n: int, question: str, options: dict, answer, explain: str, preset: dict | None = None) -> None:
    exercise.choice("neural_networks", n, EXERCISES, question, options, answer, explain, preset)


def input_sliders(labels: list[str]) -> list[float]:
    """R (over the hero's states), G, B and the volume, defaults the article's example; all in the URL."""
    x = [st.select_slider(labels[0], RED_STATES, int(nnc.LEAF_INPUT[0]), key="nn_r", bind="query-params")]
    lo, hi, step = COLOUR_SLIDER
    x += [
        st.slider(label, lo, hi, int(v), step, key=key, bind="query-params")
        for label, v, key in zip(labels[1:3], nnc.LEAF_INPUT[1:3], INPUT_KEYS[1:3])
    ]
    lo, hi, step = VOLUME_SLIDER
    return [*x, st.slider(labels[3], lo, hi, nnc.LEAF_INPUT[3], step, key="nn_vol", bind="query-params")]


def pickers(names: list[list[str]], activation_names: dict) -> tuple[tuple[int, int], str]:
    """Which neuron to spell out, and the activation of the hidden layer."""
    c1, c2 = st.columns([3, 2])
    label = {n: names[1 + layer][k] for n, (layer, k) in NODES.items()}
    node = c1.segmented_control(
        t("neural_networks.node_label"), list(NODES), default="h1", key="nn_node", required=True, format_func=label.get
    )
    label = t("neural_networks.activation_label")
    act = c2.selectbox(label, nnc.ACTIVATIONS, 1, activation_names.get, key="nn_act", bind="query-params")
    return NODES[node], act


# --- The hero: every node's value as red is scrubbed -----------------------------------------------------
def red_states(net: Net) -> nnc.Sweep:
    """The network at each of red's states (RED_STATES), the other inputs as set: what the hero and the
    activation chart scrub."""
    return nnc.input_sweep(net.layers, net.x, SWEEP, RED_STATES, net.activation)


def hero(net: Net, edits: tuple, states: nnc.Sweep) -> None:
    """The network at every red state (`states`), scrubbed in the figure; the R slider selects the state."""
    signature = (current_language(), net.reading, tuple(net.x[1:]), net.activation, net.selected, edits)
    colour = net.reading == "leaf"

    def build() -> dict:
        return charts.hero_template(states, net.layers, SWEEP, net.activation, net.names, net.selected, colour)

    active = RED_STATES.index(int(net.x[SWEEP]))
    show(scrub_figure("nn_hero", signature, build, active, public=not edits), "nn_hero_chart")


def activation_chart(net: Net, edits: tuple, states: nnc.Sweep) -> None:
    """The activation curve with the hidden neurons' points at every red state, jumped to by the R slider
    in the browser, like the hero."""
    chosen = net.selected[1] if net.selected[0] == 0 else None
    signature = (current_language(), net.activation, str(net.names[1]), chosen, tuple(net.x[1:]), edits)
    build = lambda: charts.activation_template(net.activation, states.fwd.zs[0], net.names[1], chosen)  # noqa: E731
    active = RED_STATES.index(int(net.x[SWEEP]))
    show(scrub_figure("nn_activation", signature, build, active, public=not edits), "nn_activation_chart")


def hero_exercise(net: Net, sweep: nnc.Sweep) -> None:
    """What does the network say at full red? `sweep`: every red value, 0 to 255, the rest as set."""
    end, top = sweep.probs[-1], f"{sweep.values[-1]:g}"
    answer = "tie" if abs(end[0] - end[1]) < 1e-9 else ("first" if end[0] > end[1] else "second")
    first, second = net.names[2]
    explain = t(
        "neural_networks.ex1_explain",
        **dict(value=top, first=first, p1=f"{end[0]:.1%}", second=second, p2=f"{end[1]:.1%}"),
        story=charts.sweep_story(sweep, net.names, net.activation, SWEEP),
    )
    question = t("neural_networks.ex1_question", name=net.names[0][SWEEP], value=top)
    options = {"first": first, "second": second, "tie": t("neural_networks.ex1_tie")}
    card(1, question, options, answer, explain, {"nn_r": int(sweep.values[-1])})


# --- One neuron, and its weights ----------------------------------------------------------------------------
def neuron_arithmetic(net: Net) -> None:
    """The selected neuron's sum, bias and activation, and whether ReLU switched it off."""
    layer, k = net.selected
    s = nnc.node_sum(net.layers, net.x, net.activation, layer, k)
    st.latex(charts.neuron_latex(s, net.activation if layer == 0 else None))
    if layer == 1:
        st.caption(t("neural_networks.output_is_linear"))
    elif net.activation == "relu":
        state = "relu_off" if s.z <= 0 else "relu_on"
        neuron = net.name(net.selected)
        st.caption(t(f"neural_networks.{state}", neuron=neuron[:1].upper() + neuron[1:], z=charts.fmt(s.z)))


def edit_key(layer: int, neuron: int, source: int) -> str:
    version = st.session_state.get("nn_edits_version", 0)  # a restore starts fresh boxes
    return f"nn_w{version}_{layer}_{neuron}_{'b' if source == nnc.BIAS else source}"


def keep_edit(key: str, where: tuple[int, int, int]) -> None:
    st.session_state.setdefault(EDITS, {})[where] = st.session_state[key]


def restore_weights() -> None:
    st.session_state[EDITS] = {}
    st.session_state["nn_edits_version"] = st.session_state.get("nn_edits_version", 0) + 1


def weights_panel(net: Net) -> None:
    """One number box per weight into the selected neuron and its bias, each marked the article's or
    ours; then where the numbers come from."""
    layer, k = net.selected
    mask = nnc.article_mask()[layer]
    sources = net.names[0] if layer == 0 else [net.name((0, i)) for i in range(3)]
    for i, col in enumerate(st.columns(len(sources) + 1)):
        source = nnc.BIAS if i == len(sources) else i
        given = mask.b[k] if source == nnc.BIAS else mask.W[k, source]
        whose = t("neural_networks.article" if given else "neural_networks.ours")
        label = t("neural_networks.bias_label", source=whose)
        if source != nnc.BIAS:
            label = t("neural_networks.weight_from", name=sources[i], source=whose)
        key, where = edit_key(layer, k, source), (layer, k, source)
        value = float(net.layers[layer].b[k] if source == nnc.BIAS else net.layers[layer].W[k, source])
        col.number_input(label, *WEIGHT_RANGE, value, 0.01, "%.3f", key=key, on_change=keep_edit, args=(key, where))
    st.button(t("neural_networks.restore"), on_click=restore_weights, icon=":material/restart_alt:", key="nn_restore")
    p, flip = nnc.default_story()
    st.markdown(t("neural_networks.weights_source", p=f"{p:.2f}", flip=f"{flip:g}"))


def collapse_section(net: Net) -> None:
    st.subheader(t("neural_networks.collapse_header"))
    st.markdown(t("neural_networks.collapse_intro"))
    check = nnc.collapse_check(net.layers, net.x, net.activation)
    if net.activation == "none":
        what_you_saw(t("neural_networks.collapse_equal", gap=f"{check.gap:.1e}"))
    else:
        name = t(f"neural_networks.activation_names.{net.activation}")
        what_you_saw(t("neural_networks.collapse_differs", activation=name, gap=f"{check.gap:.4g}"))
    with (aside := go_deeper(t("neural_networks.collapse_deeper"), key="nn_collapse_open")):
        if aside.open:  # a matrix and a table re-sent on every move of the inputs: only once opened
            st.latex(charts.matrix_latex(check.single))
            st.dataframe(charts.collapse_table(check, net.names[2]))
    linear = nnc.collapse_check(net.layers, net.x, "none")
    options = {key: t(f"neural_networks.ex2_{key}") for key in ("exact", "close", "no")}
    explain = t("neural_networks.ex2_explain", gap=f"{linear.gap:.1e}")
    answer = "exact" if linear.gap < 1e-9 else "no"
    card(2, t("neural_networks.ex2_question"), options, answer, explain, {"nn_act": "none"})
