"""Lesson 3 — Neural networks: the leaf-or-flower network (the hero scrubs red through it), one
neuron and its activation, the collapse without one, softmax; then learning, in three tabs: one
step of backpropagation, why starting weights are random and scaled, and deep against wide (a
default pair replayed over training).

Everything the inputs, weights and activation drive is one fragment; its sections live in
app_pages/neural_networks_sections.py and app_pages/neural_networks_backprop.py.
"""

import streamlit as st

from app_pages import neural_networks_backprop as backprop
from app_pages import neural_networks_sections as sections
from core import neural_networks as nnc
from ui import neural_networks_charts as charts
from ui.faults import out_of_memory_guard
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.scrub import scrub_figure
from ui.training_slot import train_with_progress
from ui.widgets import slider

DEPTH_SLIDER = (1, 8, nnc.FitConfig.depth, 1)
WIDTHS = (2, 4, 8, 12, 16, 32, 64, 128, 272)
PAIR = ((6, 12), (1, 272))  # deep-and-thin and wide-and-shallow: 817 parameters each
STACK_SLIDER = (2, 30, 20, 1)
INIT_SCALES = (0.25, 0.5, 1.0, 1.41, 2.0, 3.0, 4.0)  # 1.41: He's sqrt(2) for ReLU
MINE = "nn_fit_mine"  # session state: (target, activation, the learner's own FitResult)
CODE = ("forward", "backward", "activate", "softmax", "input_sweep", "backprop_step", "symmetry_run", "fit_mlp")


@st.fragment
def leaf_network(activation_names: dict) -> None:
    """The inputs first, then the neuron and activation pickers; the hero is drawn once all are known."""
    st.header(t("neural_networks.network_header"))
    st.markdown(t("neural_networks.network_intro"))
    try_this(t("neural_networks.hero_try"))
    reading = st.session_state.get("nn_reading", "leaf")  # its control sits by its paragraph, below
    names = [
        [t(f"neural_networks.inputs.{reading}.{k}") for k in ("r", "g", "b", "volume")],
        [t("neural_networks.hidden_short", number=k + 1) for k in range(3)],
        [t(f"neural_networks.outputs.{reading}.{k}") for k in ("first", "second")],
    ]
    left, right = st.columns([1, 2.6])
    with left:
        x = sections.input_sliders(names[0])
    after_hero = st.container()
    edits = dict(st.session_state.get(sections.EDITS, {}))
    layers = nnc.with_edits(nnc.leaf_layers(), edits)

    st.header(t("neural_networks.neuron_header"))
    st.markdown(t("neural_networks.neuron_intro"))
    selected, activation = sections.pickers(names, activation_names)
    net = sections.Net(x, layers, activation, reading, names, selected)
    states, edited = sections.red_states(net), tuple(sorted(edits.items()))  # every red state, once a run
    c1, c2 = st.columns([3, 2])
    with c1:
        sections.neuron_arithmetic(net)
    with c2:
        sections.activation_chart(net, edited, states)
    # Its number boxes are drawn once opened: every move of the inputs reruns this fragment (the edits
    # themselves are kept in the session, not in the boxes).
    edit_label = t("neural_networks.edit_header", neuron=net.name(selected))
    opened = dict(key="nn_edit_open", on_change="rerun", bind="query-params")
    with (panel := st.expander(edit_label, icon=":material/tune:", **opened)):
        if panel.open:
            sections.weights_panel(net)
    with right:
        sections.hero(net, edited, states)
    sweep = nnc.input_sweep(layers, x, sections.SWEEP, range(256), activation)  # every red, for the text
    with after_hero:
        what_you_saw(charts.sweep_story(sweep, names, activation, sections.SWEEP))
        sections.hero_exercise(net, sweep)
    sections.collapse_section(net)
    backprop.softmax_section(net)
    # Only the open tab runs: a move of the inputs above then reruns backpropagation alone, not the two
    # tabs that do not read them (they were 40 of the fragment's 77 ms), and a first load draws one tab.
    labels = [t(f"neural_networks.{k}_header") for k in ("backprop", "weights", "fit")]
    tabs = st.tabs(labels, key="nn_tab", on_change="rerun", bind="query-params")
    sections_in_tabs = (lambda: backprop.backprop_section(net), weights_section, lambda: fit_section(activation_names))
    for tab, section in zip(tabs, sections_in_tabs):
        if tab.open:
            with tab:
                section()


# --- Starting weights: random, and at the right scale -------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def symmetry_runs() -> tuple[nnc.SymmetryRun, nnc.SymmetryRun]:
    return nnc.symmetry_run("equal"), nnc.symmetry_run("random")


@st.cache_data(max_entries=64, show_spinner=False)
def gradient_norms(depth: int, scale: float) -> dict:
    return {name: nnc.gradient_norms(depth, name, scale) for name in ("sigmoid", "tanh", "relu")}


@st.fragment
def weights_section() -> None:
    equal, random = symmetry_runs()
    st.markdown(t("neural_networks.symmetry_intro", start=nnc.EQUAL_START))
    options = {key: t(f"neural_networks.ex4_{key}") for key in ("same", "bit", "apart")}
    losses = dict(equal=f"{equal.loss:.3f}", random=f"{random.loss:.4f}")
    explain = t("neural_networks.ex4_explain", spread=f"{equal.spread:.2g}", **losses)
    answer = "same" if equal.spread == 0 else ("bit" if equal.spread < 0.1 else "apart")
    sections.card(4, t("neural_networks.ex4_question", start=nnc.EQUAL_START), options, answer, explain)
    neurons = [t("neural_networks.hidden_short", number=k + 1) for k in range(nnc.SYMMETRY_WIDTH)]
    chart("nn_symmetry", (current_language(),), lambda: charts.symmetry_figure([equal, random], neurons))
    st.markdown(t("neural_networks.vanishing_intro"))
    c1, c2 = st.columns(2)
    with c1:
        depth = slider("neural_networks.stack_depth_label", STACK_SLIDER, "nn_stack")
    scale_label, scale_help = t("neural_networks.scale_label"), t("neural_networks.scale_help")
    scale = c2.select_slider(scale_label, INIT_SCALES, 1.0, key="nn_scale", bind="query-params", help=scale_help)
    norms = gradient_norms(depth, scale)
    update = lambda fig: charts.update_gradient_norm_figure(fig, norms)  # noqa: E731
    chart("nn_norms", (current_language(),), lambda: charts.gradient_norm_figure(norms), update)
    ratio, relu = nnc.first_to_last(norms["sigmoid"]), norms["relu"][0]
    figures = dict(depth=depth, scale=f"{scale:g}", sigmoid=f"{ratio:.1e}", relu=f"{relu:.1e}")
    what_you_saw(t("neural_networks.vanishing_saw", **figures))
    with go_deeper(t("neural_networks.init_history_header")):
        st.markdown(t("neural_networks.init_history"))


# --- Deep and thin, or wide and shallow ------------------------------------------------------------------
@st.cache_resource(max_entries=8, show_spinner=False)
def pair_runs(target: str, activation: str) -> tuple[nnc.FitResult, ...]:
    """The 6×12 and 1×272 networks trained with the section's defaults: shown before anyone trains,
    shared by every learner, never modified (bench/bench_neural_networks.py times them)."""
    x, y = nnc.make_target(target)
    return tuple(nnc.fit_mlp(x, y, nnc.FitConfig(depth=d, width=w, activation=activation)) for d, w in PAIR)


def train_mine(target: str, config: nnc.FitConfig) -> None:
    def describe(p) -> str:
        if p.loss is None:
            return t("neural_networks.training", depth=config.depth, width=config.width)
        return t("neural_networks.progress", step=p.step, total=p.total, loss=f"{p.loss:.4g}")

    x, y = nnc.make_target(target)
    run = train_with_progress(describe, lambda on_progress: nnc.fit_mlp(x, y, config, on_progress=on_progress))
    if run is not None and run.diverged:
        st.error(t("neural_networks.diverged"), icon=":material/warning:")
    if run is not None:
        st.session_state[MINE] = (target, config.activation, run)


@st.fragment
def fit_section(activation_names: dict) -> None:
    (w1, b1), (w2, b2) = (nnc.parameter_split(d, w) for d, w in PAIR)
    st.markdown(t("neural_networks.fit_intro", w1=w1, b1=b1, w2=w2, b2=b2, total=w1 + b1))
    c1, c2, c3, c4 = st.columns(4)
    targets = {n: t(f"neural_networks.targets.{n}") for n in nnc.TARGETS}
    target = c1.selectbox(t("neural_networks.target_label"), list(targets), 0, targets.get, key="nn_target")
    label, choices = t("neural_networks.activation_label"), list(nnc.TORCH_ACTIVATIONS)
    fit_act = c2.selectbox(label, choices, choices.index("tanh"), activation_names.get, key="nn_fit_act")
    with c3:
        depth = slider("neural_networks.depth_label", DEPTH_SLIDER, "nn_depth")
    label = t("neural_networks.width_label")
    width = c4.select_slider(label, WIDTHS, nnc.FitConfig.width, key="nn_width", bind="query-params")
    weights, biases = nnc.parameter_split(depth, width)
    b1, b2, b3 = st.columns([1, 1, 3])
    if b1.button(t("neural_networks.train"), key="nn_train", icon=":material/play_arrow:", type="primary"):
        train_mine(target, nnc.FitConfig(depth=depth, width=width, activation=fit_act))
    if b2.button(t("neural_networks.clear_runs"), key="nn_clear", icon=":material/delete:"):
        st.session_state.pop(MINE, None)
    counts = dict(weights=f"{weights:,}", biases=f"{biases:,}", total=f"{weights + biases:,}")
    b3.caption(t("neural_networks.param_count", depth=depth, width=width, **counts))
    runs = []  # stays empty if the device runs out of memory: the guard has said so
    with st.spinner(t("neural_networks.training_pair")), out_of_memory_guard():  # spinner: only after 0.5 s
        runs = list(pair_runs(target, fit_act))
    if not runs:
        return
    mine = st.session_state.get(MINE)
    if mine is not None and mine[:2] == (target, fit_act):
        runs.append(mine[2])
    steps = runs[0].snapshot_steps_
    shown = st.select_slider(t("neural_networks.fit_step_label"), steps, steps[-1], key="nn_fit_step")
    x, y = nnc.make_target(target)
    signature = (current_language(), target, fit_act, id(runs[-1]) if len(runs) > len(PAIR) else None)
    build = lambda: charts.fit_template(x, y, runs)  # noqa: E731
    show(scrub_figure("nn_fit", signature, build, steps.index(shown), len(runs) == len(PAIR)), "nn_fit_chart")
    losses = " · ".join(f"{charts.run_name(r)}: {r.snapshot_losses_[-1]:.3g}" for r in runs)
    what_you_saw(t("neural_networks.fit_saw", steps=steps[-1], losses=losses))
    with go_deeper(t("neural_networks.deep_wide_header")):
        st.markdown(t("neural_networks.deep_wide_explain"))


setup_page("neural-networks")
st.markdown(t("neural_networks.intro"))
# Option labels are looked up once per run (a format_func may be called outside the run).
leaf_network({a: t(f"neural_networks.activation_names.{a}") for a in nnc.ACTIVATIONS})
st.markdown(t("neural_networks.llm_place"))
vocabulary("neural_networks")
show_code(*(getattr(nnc, name) for name in CODE))
lesson_footer("neural-networks")
