"""Lesson 3 — Neural networks: the leaf-or-flower network, activations, softmax, backpropagation,
deep versus wide, and vanishing gradients."""

import numpy as np
import pandas as pd
import streamlit as st

from core import neural_networks as nnc
from ui import neural_networks_charts as charts
from ui.figures import chart
from ui.frame import lesson_footer
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code
from ui.training_slot import train_with_progress

# Slider ranges and defaults, in one place: (min, max, default, step).
COLOUR_SLIDER = (0, 255, None, 1)  # default from the article's example input
VOLUME_SLIDER = (0.0, 50.0, nnc.LEAF_INPUT[3], 0.1)
WEIGHT_RANGE = (-10.0, 10.0)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
DEPTH_SLIDER = (1, 8, nnc.FitConfig.depth, 1)
WIDTHS = (2, 4, 8, 12, 16, 32, 64, 128, 272)
FIT_STEPS = (250, 500, 1000, 2000, 4000)
PAIR = ((6, 12), (1, 272))  # deep-and-thin and wide-and-shallow: 817 parameters each
STACK_SLIDER = (2, 30, 20, 1)
INIT_SCALES = (0.25, 0.5, 1.0, 1.41, 2.0, 3.0, 4.0)  # 1.41: He's sqrt(2) for ReLU
NODES = ((0, 0), (0, 1), (0, 2), (1, 0), (1, 1))  # (layer, neuron): hidden 1-3, outputs 1-2
ARTICLE_MASK = nnc.article_mask()  # read-only


def num(v: float) -> str:
    """A number for the arithmetic: two decimals when that is exact (the article's 0.10), else 6 digits."""
    return f"{v:.2f}" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v:.6g}"


def term(a: float, w: float) -> str:
    return rf"{a:g}\cdot{num(w) if w >= 0 else '(' + num(w) + ')'}"


def current_layers() -> list[nnc.Layer]:
    """The learner's weights: the defaults, then whatever they typed (kept when inputs are hidden)."""
    layers = st.session_state.setdefault("nn_params", nnc.leaf_layers())
    for n, layer in enumerate(layers):
        for j in range(layer.W.shape[0]):
            for i in range(layer.W.shape[1]):
                layer.W[j, i] = st.session_state.get(f"nn_edge{n}_{j}_{i}", layer.W[j, i])
            layer.b[j] = st.session_state.get(f"nn_bias{n}_{j}", layer.b[j])
    return layers


def restore_weights():
    for key in [k for k in st.session_state if k.startswith(("nn_edge", "nn_bias", "nn_params"))]:
        del st.session_state[key]


def train_run(x, y, config: nnc.FitConfig) -> nnc.FitResult | None:
    """Train on a button press, with a progress bar fed by core's callback; None if out of memory."""

    def describe(p) -> str:
        if p.loss is None:  # before the first report
            return t("neural_networks.training", depth=config.depth, width=config.width)
        return t("neural_networks.progress", step=p.step, total=p.total, loss=f"{p.loss:.4g}")

    result = train_with_progress(describe, lambda on_progress: nnc.fit_mlp(x, y, config, on_progress=on_progress))
    if result is not None and result.diverged:
        st.error(t("neural_networks.diverged"), icon=":material/warning:")
    return result


@st.cache_data(max_entries=64)
def gradient_norms(depth: int, scale: float) -> dict[str, np.ndarray]:
    return {name: nnc.gradient_norms(depth, name, scale) for name in ("sigmoid", "tanh", "relu")}


# --- The leaf-or-flower network --------------------------------------------------------------
def network_section(activation_names: dict) -> dict:
    """Inputs, the diagram and one node's arithmetic, its weights editable; returns what the
    later sections of the fragment need."""
    st.header(t("neural_networks.network_header"))
    st.markdown(t("neural_networks.network_intro"))
    reading = st.segmented_control(
        t("neural_networks.reading_label"),
        ("leaf", "rain"),
        default="leaf",
        key="nn_reading",
        required=True,
        format_func={r: t(f"neural_networks.readings.{r}") for r in ("leaf", "rain")}.get,
    )
    input_names = [t(f"neural_networks.inputs.{reading}.{k}") for k in ("r", "g", "b", "volume")]
    output_names = [t(f"neural_networks.outputs.{reading}.{k}") for k in ("first", "second")]
    hidden_names = [t("neural_networks.hidden_name", number=k + 1) for k in range(3)]
    names = [input_names, hidden_names, output_names]
    left, right = st.columns([1, 2])
    with left:
        x = [
            st.slider(name, COLOUR_SLIDER[0], COLOUR_SLIDER[1], int(v), key=f"nn_{k}", bind="query-params")
            for name, v, k in zip(input_names[:3], nnc.LEAF_INPUT, ("r", "g", "b"))
        ]
        x.append(
            st.slider(
                input_names[3],
                *VOLUME_SLIDER[:2],
                VOLUME_SLIDER[2],
                VOLUME_SLIDER[3],
                key="nn_vol",
                bind="query-params",
            )
        )
        activation = st.selectbox(
            t("neural_networks.activation_label"),
            nnc.ACTIVATIONS,
            index=1,
            key="nn_act",
            bind="query-params",
            format_func=activation_names.get,
            help=t("neural_networks.activation_help"),
        )
        node = st.selectbox(
            t("neural_networks.node_label"),
            NODES,
            key="nn_node",
            format_func=lambda n: hidden_names[n[1]] if n[0] == 0 else output_names[n[1]],
        )
    layers = current_layers()
    fwd = nnc.forward(layers, x, activation)
    z_hidden, a_hidden, scores = fwd.zs[0][0], fwd.activations[0][0], fwd.out[0]
    hover = [[""] * 4, [f"z = {z:.4g}, a = {a:.4g}" for z, a in zip(z_hidden, a_hidden)]]
    hover.append([f"z = {s:.4g}" for s in scores])
    values = dict(
        layers=layers,
        node_values=[np.array(x, dtype=float), a_hidden, scores],
        mask=ARTICLE_MASK,
        selected=node,
        node_hover=hover,
    )
    title = t("neural_networks.chart.network_title")
    with right:  # built once per language and reading; only its numbers change
        chart(
            "nn_diagram",
            (current_language(), str(names)),
            lambda: charts.network_figure(node_names=names, title=title, **values),
            lambda fig: charts.update_network_figure(fig, node_names=names, **values),
        )
    st.caption(t("neural_networks.diagram_caption"))

    # The selected node, spelled out, with its weights editable.
    layer, k = node
    s = nnc.node_sum(layers, x, activation, layer, k)
    sources = input_names if layer == 0 else hidden_names
    st.subheader(t("neural_networks.node_header", name=(hidden_names if layer == 0 else output_names)[k]))
    products = " + ".join(term(a, w) for a, w in zip(s.inputs, s.weights))
    st.latex(rf"\sum_i w_i a_i = {products} = {s.weighted_sum:.6g} \approx {round(s.weighted_sum, 2):g}")
    st.latex(rf"z = \sum_i w_i a_i + b = {s.weighted_sum:.6g} + ({num(s.bias)}) = {s.z:.6g} \approx {round(s.z, 2):g}")
    if layer == 0:
        st.latex(rf"a = \mathrm{{{activation_names[activation]}}}({s.z:.6g}) = {s.a:.6g}")
    else:
        st.markdown(t("neural_networks.output_is_linear"))
    mask = ARTICLE_MASK[layer]
    cols = st.columns(len(s.weights) + 1)
    for i, col in enumerate(cols[:-1]):
        key = f"nn_edge{layer}_{k}_{i}"
        st.session_state.setdefault(key, float(layers[layer].W[k, i]))
        source = t("neural_networks.article" if mask.W[k, i] else "neural_networks.ours")
        col.number_input(
            t("neural_networks.weight_from", name=sources[i], source=source),
            *WEIGHT_RANGE,
            step=0.01,
            format="%.3f",
            key=key,
        )
    key = f"nn_bias{layer}_{k}"
    st.session_state.setdefault(key, float(layers[layer].b[k]))
    source = t("neural_networks.article" if mask.b[k] else "neural_networks.ours")
    cols[-1].number_input(
        t("neural_networks.bias_label", source=source), *WEIGHT_RANGE, step=0.01, format="%.3f", key=key
    )
    st.button(t("neural_networks.restore"), on_click=restore_weights, icon=":material/restart_alt:")
    st.markdown(t("neural_networks.weights_source"))
    return dict(reading=reading, names=names, x=x, activation=activation, layers=layers, z_hidden=z_hidden)


# --- Activations and the collapse without them ---------------------------------------------------
def activation_section(net: dict, scores: np.ndarray) -> None:
    activation, z_hidden, layers = net["activation"], net["z_hidden"], net["layers"]
    hidden_names, output_names = net["names"][1], net["names"][2]
    st.header(t("neural_networks.activation_header"))
    c1, c2 = st.columns([3, 2])
    with c1:
        chart(
            "nn_activation",
            (current_language(), activation, str(hidden_names)),
            lambda: charts.activation_figure(activation, z_hidden, hidden_names),
            lambda fig: charts.update_activation_figure(fig, activation, z_hidden),
        )
    with c2:
        st.markdown(t("neural_networks.activation_explain"))
    single = nnc.collapse(layers)
    linear_out = single.W @ np.array(net["x"], dtype=float) + single.b  # (2,)
    st.markdown(t("neural_networks.collapse_intro"))
    st.latex(
        r"W = W_2 W_1 = \begin{pmatrix}"
        + r"\\".join(" & ".join(f"{v:.4f}" for v in row) for row in single.W)
        + r"\end{pmatrix},\quad b = W_2 b_1 + b_2 = \begin{pmatrix}"
        + r"\\".join(f"{v:.4f}" for v in single.b)
        + r"\end{pmatrix}"
    )
    st.dataframe(
        pd.DataFrame(
            {t("neural_networks.network_column"): scores, t("neural_networks.single_column"): linear_out},
            index=output_names,
        ),
    )
    gap = float(np.max(np.abs(linear_out - scores)))
    if activation == "none":
        st.success(t("neural_networks.collapse_equal", gap=f"{gap:.1e}"))
    else:
        st.info(t("neural_networks.collapse_differs", gap=f"{gap:.4g}"))


# --- Softmax ---------------------------------------------------------------------------------------
def softmax_section(net: dict, scores: np.ndarray) -> None:
    output_names = net["names"][2]
    probs = nnc.softmax(scores)
    st.header(t("neural_networks.softmax_header"))
    st.latex(r"p_i = \frac{e^{s_i}}{\sum_j e^{s_j}}")
    c1, c2 = st.columns([2, 3])
    with c1:
        for name, score, p in zip(output_names, scores, probs):
            st.metric(name, f"{p:.1%}", help=t("neural_networks.score_help", score=f"{score:.4g}"))
        st.markdown(t("neural_networks.softmax_explain", total=f"{probs.sum():.6f}"))
    with c2:
        chart(
            "nn_softmax",
            (current_language(), str(output_names)),
            lambda: charts.probabilities_figure(scores, probs, output_names),
            lambda fig: charts.update_probabilities_figure(fig, scores, probs),
        )
    st.markdown(t(f"neural_networks.reading_explain.{net['reading']}"))


# --- One step of backpropagation -------------------------------------------------------------------
def vec(v) -> str:
    return r"\begin{pmatrix}" + r"\\".join(f"{e:.4f}" for e in v) + r"\end{pmatrix}"


def backprop_section(net: dict) -> None:
    layers, x, activation, names = net["layers"], net["x"], net["activation"], net["names"]
    input_names, hidden_names, output_names = names
    st.header(t("neural_networks.backprop_header"))
    st.markdown(t("neural_networks.backprop_intro"))
    c1, c2 = st.columns(2)
    label = c1.radio(
        t("neural_networks.label_label"), (0, 1), format_func=lambda i: output_names[i], key="nn_label", horizontal=True
    )
    lr = c2.select_slider(
        t("neural_networks.lr_label"),
        LEARNING_RATES,
        1e-3,
        format_func=lambda v: f"{v:g}",
        key="nn_lr",
        bind="query-params",
    )
    step = nnc.backprop_step(layers, x, label, activation, lr)
    reference = nnc.torch_gradients(layers, x, label, activation)
    st.latex(rf"L = -\ln p_{{{label + 1}}} = -\ln {step.probs[label]:.4f} = {step.loss:.4f}")
    d2, d1 = step.deltas[1], step.deltas[0]
    st.markdown(t("neural_networks.output_layer_step"))
    st.latex(
        rf"\delta_2 = \frac{{\partial L}}{{\partial s}} = p - y = {vec(d2)},\qquad"
        r"\frac{\partial L}{\partial W_2} = \delta_2\, a_1^\top,\quad \frac{\partial L}{\partial b_2} = \delta_2"
    )
    st.markdown(t("neural_networks.hidden_layer_step"))
    slopes = nnc.activation_grad(net["z_hidden"], activation)
    st.latex(
        rf"\delta_1 = (W_2^\top \delta_2) \odot g'(z_1) = {vec(layers[1].W.T @ d2)} \odot {vec(slopes)} = {vec(d1)}"
    )
    st.latex(r"\frac{\partial L}{\partial W_1} = \delta_1\, x^\top,\qquad \frac{\partial L}{\partial b_1} = \delta_1")
    values = dict(layers=layers, node_values=[np.array(x, dtype=float), d1, d2], edge_values=[g.W for g in step.grads])
    title = t("neural_networks.chart.gradient_title")
    chart(
        "nn_gradients",
        (current_language(), str(names)),
        lambda: charts.network_figure(node_names=names, title=title, **values),
        lambda fig: charts.update_network_figure(fig, node_names=names, **values),
    )
    rows = []
    for n, (params, grads, ref, new) in enumerate(zip(layers, step.grads, reference, step.new_layers)):
        froms = input_names if n == 0 else hidden_names
        tos = hidden_names if n == 0 else output_names
        for j in range(params.W.shape[0]):
            cells = [
                (f"{froms[i]} → {tos[j]}", params.W[j, i], grads.W[j, i], ref.W[j, i], new.W[j, i])
                for i in range(params.W.shape[1])
            ]
            cells.append((t("neural_networks.bias_of", name=tos[j]), params.b[j], grads.b[j], ref.b[j], new.b[j]))
            rows += cells
    columns = [
        t(f"neural_networks.grad_columns.{c}") for c in ("parameter", "value", "gradient", "autograd", "new_value")
    ]
    gap = max(abs(row[2] - row[3]) for row in rows)
    st.dataframe(pd.DataFrame(rows, columns=columns), hide_index=True, height=300)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("neural_networks.loss_before"), f"{step.loss:.4f}")
    c2.metric(
        t("neural_networks.loss_after"),
        f"{step.new_loss:.4f}",
        f"{step.new_loss - step.loss:+.4f}",
        delta_color="inverse",
    )
    c3.metric(t("neural_networks.autograd_gap"), f"{gap:.1e}")
    st.markdown(t("neural_networks.backprop_explain"))


@st.fragment
def leaf_network(activation_names: dict) -> None:
    """Everything the inputs, the weights and the activation drive: the network, activations,
    softmax and one backpropagation step. Reruns alone when one of its widgets moves."""
    net = network_section(activation_names)
    scores = nnc.forward(net["layers"], net["x"], net["activation"]).out[0]
    activation_section(net, scores)
    softmax_section(net, scores)
    backprop_section(net)


# --- Deep and thin, or wide and shallow -----------------------------------------------------------
@st.fragment
def fit_section(activation_names: dict) -> None:
    """Train MLPs of chosen depth and width on a 1D target; reruns alone (training included)."""
    st.header(t("neural_networks.fit_header"))
    st.markdown(t("neural_networks.fit_intro"))
    c1, c2, c3 = st.columns(3)
    target = c1.selectbox(
        t("neural_networks.target_label"),
        nnc.TARGETS,
        key="nn_target",
        format_func={n: t(f"neural_networks.targets.{n}") for n in nnc.TARGETS}.get,
    )
    fit_act = c1.selectbox(
        t("neural_networks.activation_label"),
        list(nnc.TORCH_ACTIVATIONS),
        index=2,
        key="nn_fit_act",
        format_func=activation_names.get,
    )
    depth = c2.slider(t("neural_networks.depth_label"), *DEPTH_SLIDER, key="nn_depth", bind="query-params")
    width = c2.select_slider(
        t("neural_networks.width_label"), WIDTHS, nnc.FitConfig.width, key="nn_width", bind="query-params"
    )
    steps = c3.select_slider(t("neural_networks.steps_label"), FIT_STEPS, nnc.FitConfig.steps, key="nn_steps")
    c3.metric(t("neural_networks.param_count"), f"{nnc.n_parameters(depth, width):,}")
    x_fit, y_fit = nnc.make_target(target)
    runs = st.session_state.setdefault("nn_runs", {}).setdefault(target, [])
    b1, b2, b3 = st.columns(3)
    todo = []
    if b1.button(t("neural_networks.train"), key="nn_train", icon=":material/play_arrow:", type="primary"):
        todo = [(depth, width)]
    if b2.button(t("neural_networks.train_pair"), key="nn_train_pair", icon=":material/compare_arrows:"):
        todo = list(PAIR)
    if b3.button(t("neural_networks.clear_runs"), key="nn_clear", icon=":material/delete:"):
        runs.clear()
    if todo or "nn_runs_version" not in st.session_state:  # names this learner's current runs
        st.session_state["nn_runs_version"] = st.session_state.get("nn_runs_version", 0) + 1
    for d, w in todo:
        run = train_run(x_fit, y_fit, nnc.FitConfig(depth=d, width=w, activation=fit_act, steps=steps))
        if run is None:  # out of memory: the learner has been told
            break
        runs.append(run)
        del runs[:-4]  # keep the last four runs
    if runs:
        # The runs' figures change only when the runs do: this learner's, rebuilt then.
        signature = (current_language(), target, st.session_state["nn_runs_version"])
        c1, c2 = st.columns(2)
        with c1:
            chart("nn_fit", signature, lambda: charts.fit_figure(x_fit, y_fit, runs), public=False)
        with c2:
            chart("nn_loss", signature, lambda: charts.loss_figure(runs), public=False)
        st.dataframe(
            pd.DataFrame(
                [(charts.run_name(r), r.n_params, r.loss_history_[-1], r.seconds, r.device) for r in runs],
                columns=[t(f"neural_networks.run_columns.{c}") for c in ("run", "params", "loss", "seconds", "device")],
            ),
            hide_index=True,
        )
    else:
        st.info(t("neural_networks.no_runs"))
    st.markdown(t("neural_networks.deep_wide_explain"))


# --- Vanishing and exploding gradients -------------------------------------------------------------
@st.fragment
def vanishing_section(lang: str) -> None:
    st.header(t("neural_networks.vanishing_header"))
    st.markdown(t("neural_networks.vanishing_intro"))
    c1, c2 = st.columns(2)
    stack_depth = c1.slider(t("neural_networks.stack_depth_label"), *STACK_SLIDER, key="nn_stack", bind="query-params")
    scale = c2.select_slider(
        t("neural_networks.scale_label"),
        INIT_SCALES,
        1.0,
        key="nn_scale",
        bind="query-params",
        help=t("neural_networks.scale_help"),
    )
    norms = gradient_norms(stack_depth, scale)
    chart(
        "nn_norms",
        (lang,),
        lambda: charts.gradient_norm_figure(norms),
        lambda fig: charts.update_gradient_norm_figure(fig, norms),
    )
    sigmoid, relu = norms["sigmoid"], norms["relu"]
    st.markdown(
        t(
            "neural_networks.vanishing_explain",
            sigmoid=f"{sigmoid[0] / sigmoid[-2]:.1e}" if stack_depth > 2 else "1",
            relu=f"{relu[0]:.1e}",
        )
    )


lang = setup_page("neural-networks")
st.markdown(t("neural_networks.intro"))
# Option labels are looked up once per run (a format_func may be called outside the run).
activation_names = {a: t(f"neural_networks.activation_names.{a}") for a in nnc.ACTIVATIONS}
leaf_network(activation_names)
fit_section(activation_names)
vanishing_section(lang)

with st.expander(t("neural_networks.field_header"), icon=":material/menu_book:"):
    st.markdown(t("neural_networks.field"))
show_code(
    nnc.forward,
    nnc.backward,
    nnc.activate,
    nnc.activation_grad,
    nnc.softmax,
    nnc.collapse,
    nnc.backprop_step,
    nnc.gradient_norms,
    nnc.fit_mlp,
)
lesson_footer("neural-networks")
