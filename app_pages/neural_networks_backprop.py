"""Lesson 3's last two leaf-or-flower sections: softmax and what the numbers mean, and one step of
backpropagation with its exercise card. Imported by app_pages/neural_networks.py, which runs them in
the fragment with the others (app_pages/neural_networks_sections.py); not a page itself.
"""

from types import MappingProxyType

import numpy as np
import streamlit as st

from app_pages.neural_networks_sections import Net, card
from core import neural_networks as nnc
from ui import neural_networks_charts as charts
from ui.figures import chart
from ui.frame import go_deeper, what_you_saw
from ui.i18n import current_language, t

LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
ARTICLE_STATE = MappingProxyType({"nn_r": 32, "nn_g": 107, "nn_b": 56, "nn_vol": 11.2, "nn_act": "relu", "nn_label": 0})


# --- Softmax, and what the numbers mean -------------------------------------------------------------------------
def softmax_section(net: Net) -> None:
    st.header(t("neural_networks.softmax_header"))
    scores = nnc.forward(net.layers, net.x, net.activation).out[0]
    probs, shifted = nnc.softmax(scores), nnc.softmax(scores + 10)
    st.latex(charts.softmax_latex(scores, probs))
    figures = dict(first=net.names[2][0], p=f"{probs[0]:.4f}", total=f"{probs.sum():.6f}", shifted=f"{shifted[0]:.4f}")
    st.markdown(t("neural_networks.softmax_explain", **figures))
    c1, c2 = st.columns([1.5, 3])
    readings = {r: t(f"neural_networks.readings.{r}") for r in ("leaf", "rain")}
    label = t("neural_networks.reading_label")
    c1.segmented_control(
        label, list(readings), default="leaf", key="nn_reading", required=True, format_func=readings.get
    )
    c2.markdown(t(f"neural_networks.reading_explain.{net.reading}"))


# --- One step of backpropagation ----------------------------------------------------------------------------------
def backprop_section(net: Net) -> None:
    st.markdown(t("neural_networks.backprop_intro"))
    c1, c2 = st.columns(2)
    label = c1.radio(
        t("neural_networks.label_label"), (0, 1), format_func=net.names[2].__getitem__, key="nn_label", horizontal=True
    )
    lr_label, lr_format = t("neural_networks.lr_label"), "{:g}".format
    lr = c2.select_slider(lr_label, LEARNING_RATES, 1e-3, lr_format, key="nn_lr", bind="query-params")
    step = nnc.backprop_step(net.layers, net.x, label, net.activation, lr)
    signature = (current_language(), str(net.names), net.selected)
    chart(
        "nn_gradients",
        signature,
        lambda: charts.backward_figure(net.x, step, net.names, net.selected),
        lambda fig: charts.update_backward_figure(fig, net.x, step, net.names, net.selected),
    )
    figures = dict(p=f"{step.probs[label]:.4f}", lr=f"{lr:g}", before=f"{step.loss:.4f}", after=f"{step.new_loss:.4f}")
    what_you_saw(t("neural_networks.step_saw", answer=net.names[2][label], **figures))
    # Both asides are written only once opened: every move of the inputs above reruns this section, and a
    # table and the chain rule's formulas that nobody has opened would be re-sent and redrawn each time.
    with (chain := go_deeper(t("neural_networks.chain_header"), key="nn_chain_open")):
        if chain.open:
            st.markdown(t("neural_networks.chain_explain"))
            z_hidden = nnc.forward(net.layers, net.x, net.activation).zs[0][0]
            for line in charts.chain_latex(net.layers, step, z_hidden, net.activation):
                st.latex(line)
    with (autograd := go_deeper(t("neural_networks.autograd_header"), key="nn_autograd_open")):
        if autograd.open:
            gradients = nnc.torch_gradients(net.layers, net.x, label, net.activation)
            rows, gap = nnc.gradient_table(net.layers, step, gradients)
            st.markdown(t("neural_networks.autograd_explain", gap=f"{gap:.1e}"))
            st.dataframe(charts.gradient_frame(rows, net.names), hide_index=True, height=300)
    backprop_exercise(step)


def backprop_exercise(step: nnc.BackpropStep) -> None:
    """Does the switched-off hidden neuron 1 learn from the example? Answered from core's step."""
    z1 = nnc.node_sum(nnc.leaf_layers(), nnc.LEAF_INPUT, "relu", 0, 0).z  # the article's example
    sizes = [float(np.abs(step.grads[0].W[j]).sum() + abs(step.grads[0].b[j])) for j in range(3)]
    answer = "none" if 0 in step.silent_neurons() else ("most" if sizes[0] == max(sizes) else "little")
    options = {key: t(f"neural_networks.ex3_{key}") for key in ("none", "little", "most")}
    which = "none" if answer == "none" else "other"
    explain = t(f"neural_networks.ex3_explain_{which}", sizes=" · ".join(f"{s:.4g}" for s in sizes))
    card(3, t("neural_networks.ex3_question", z=charts.fmt(z1)), options, answer, explain, ARTICLE_STATE)
