"""Lesson 2 — Loss surfaces and gradient descent.

The hero is gradient descent on lesson 1's milk-tea surface, scrubbed step by step, with the learning
rate from smooth through zig-zag to divergence. Then the same walk on standardized prices (a round
bowl), other optimizers on the ravine, a surface with two minima (one tanh neuron), and a slice of a
real network's loss. The first three sections live in app_pages/loss_surface_sections.py, the cached
calls into core in app_pages/loss_surface_data.py.
"""

import numpy as np
import streamlit as st

from app_pages import loss_surface_data as data
from app_pages import loss_surface_sections as sections
from app_pages.loss_surface_data import NEURON_LR, NEURON_LRS, NEURON_STEPS, NEURON_V, NEURON_W
from app_pages.loss_surface_sections import EXERCISES
from core import loss_surface as ls
from core.device import get_device
from ui import exercise
from ui import loss_surface_charts as charts
from ui.faults import out_of_memory_guard
from ui.figures import chart
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.widgets import slider

LANDSCAPE = ls.LandscapeConfig()


# --- 4. More than one valley: one tanh neuron ----------------------------------------------------------
@st.fragment
def neuron_section() -> None:
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        w0 = slider("loss_surface.start_w", NEURON_W, "loss_w0")
    with c2:
        v0 = slider("loss_surface.start_v", NEURON_V, "loss_v0")
    names = {name: t(f"loss_surface.opt.{name}") for name in ("gd", "momentum", "adam")}
    with c3:
        name = st.selectbox(t("loss_surface.optimizer_label"), tuple(names), format_func=names.get,
                            key="loss_nn_opt", bind="query-params")  # fmt: skip
    with c4:
        lr = st.select_slider(t("loss_surface.lr_label"), NEURON_LRS, NEURON_LR, format_func=lambda v: f"{v:g}",
                              key="loss_nn_lr", bind="query-params")  # fmt: skip
    landscape, (ws, vs, z) = data.neuron_map(), data.neuron_drawn()
    path = data.neuron_path(name, lr, (w0, v0))
    label = f"{names[name]} (η = {lr:g})"
    c1, c2 = st.columns([3, 2])
    with c1:
        chart("loss_neuron", (current_language(),),
              lambda: charts.neuron_figure(ws, vs, z, landscape.minima, landscape.saddles, path, label),
              update=lambda fig: charts.update_neuron_figure(fig, path, label))  # fmt: skip
    with c2:
        bw, bv, labels = landscape.basin_ws, landscape.basin_vs, landscape.basins
        chart("loss_basins", (current_language(),),
              lambda: charts.basins_figure(bw, bv, labels, landscape.minima, (w0, v0)),
              update=lambda fig: charts.update_basins_start(fig, (w0, v0)))  # fmt: skip
    left, right = st.columns(2)
    with left:
        what_you_saw(ending_text(path, label, landscape))
        st.markdown(t("loss_surface.neuron_explain", lr=ls.BASIN_LR, steps=ls.BASIN_STEPS))
    with right:
        neuron_exercise(landscape)


def neuron_exercise(landscape: ls.NeuronMap) -> None:
    """Card 3: where plain gradient descent from the default start ends."""
    default = data.neuron_path("gd", NEURON_LR, (NEURON_W[2], NEURON_V[2]))
    where = ls.ended_in(default.thetas[-1], landscape.minima) if default.diverged_at is None else None
    end = default.thetas[-1]
    exercise.choice(
        "loss_surface", 3, EXERCISES,
        t("loss_surface.ex3_question", w=NEURON_W[2], v=NEURON_V[2], lr=NEURON_LR, steps=NEURON_STEPS),
        {"global": t("loss_surface.ex3_global"), "local": t("loss_surface.ex3_local"),
         "neither": t("loss_surface.ex3_neither")},
        answer={0: "global", 1: "local"}.get(where, "neither"),
        explain=t("loss_surface.ex3_explain", w=f"{end[0]:.2f}", v=f"{end[1]:.2f}", loss=f"{default.losses[-1]:.4f}",
                  best=f"{minimum_loss(landscape, 0):.4f}"),
        preset={"loss_w0": NEURON_W[2], "loss_v0": NEURON_V[2], "loss_nn_opt": "gd", "loss_nn_lr": NEURON_LR},
    )  # fmt: skip


def minimum_loss(landscape: ls.NeuronMap, i: int) -> float:
    return float(ls.neuron_loss(*ls.neuron_data())(landscape.minima[i])[0])


def ending_text(path: ls.Descent, label: str, landscape: ls.NeuronMap) -> str:
    """Where the neuron's walk ended, with its numbers."""
    if path.diverged_at is not None:
        return t("loss_surface.diverged", name=label, step=path.diverged_at)
    end = path.thetas[-1]
    where = ls.ended_in(end, landscape.minima)
    key = {0: "ended_global", 1: "ended_local"}.get(where, "ended_nowhere")
    numbers = {
        "w": f"{end[0]:.3f}",
        "v": f"{end[1]:.3f}",
        "loss": f"{path.losses[-1]:.4f}",
        "steps": NEURON_STEPS,
    }
    return t(f"loss_surface.{key}", best=f"{minimum_loss(landscape, 0):.4f}", **numbers)


# --- 5. A real network's landscape: computed once for everyone -------------------------------------------
@st.cache_resource(max_entries=2, show_spinner=False)
def mlp_landscape(config: ls.LandscapeConfig, device: str) -> ls.Landscape:
    return ls.mlp_landscape(config, device)  # the same seed gives every learner the same landscape


def landscape_section() -> None:
    """The slice's contour map, and beside it what it shows, its 3D view and how it was made. Computed
    on arrival; if the device runs out of memory the learner is told, and a button tries again."""
    device = str(get_device())
    retry, slot = False, st.empty()
    if st.session_state.get("loss_mlp_failed"):
        retry = slot.button(t("loss_surface.mlp_retry"), key="loss_mlp_retry", icon=":material/refresh:")
        if not retry:
            st.info(t("loss_surface.mlp_failed"), icon=":material/memory_alt:")
            return
    result = None
    with out_of_memory_guard(), st.spinner(t("loss_surface.mlp_progress", device=device.split(":")[0].upper())):
        result = mlp_landscape(LANDSCAPE, device)
    if result is None:
        st.session_state["loss_mlp_failed"] = True
        if not retry:
            st.button(t("loss_surface.mlp_retry"), key="loss_mlp_retry", icon=":material/refresh:")
        return
    st.session_state.pop("loss_mlp_failed", None)
    slot.empty()  # a retry that worked: its button goes
    show_landscape(result, device)


def show_landscape(result: ls.Landscape, device: str) -> None:
    signature = (LANDSCAPE, device, current_language())
    left, right = st.columns([1, 1])
    with left:
        chart("loss_mlp_contour", signature, lambda: charts.landscape_contour(result.axis, result.loss))
    with right:
        net = LANDSCAPE.net
        st.markdown(t("loss_surface.mlp_intro", hidden=net.width, steps=net.epochs, grid=LANDSCAPE.grid))
        numbers = {"loss": f"{result.history[-1]:.4f}", "accuracy": f"{100 * result.accuracy:.1f}"}
        what_you_saw(t("loss_surface.mlp_result", **numbers, edge=f"{float(np.max(result.loss)):.2f}",
                       span=f"{LANDSCAPE.span:g}"))  # fmt: skip
        with (aside := go_deeper(t("loss_surface.filter_header"), key="loss_filter_open")):
            st.markdown(t("loss_surface.filter_explain"))
            if aside.open:
                chart("loss_mlp_surface", signature, lambda: charts.landscape_surface(result.axis, result.loss))


setup_page("loss-surface")
numbers = data.lesson_numbers()
st.markdown(t("loss_surface.intro", stall=f"{numbers['stall']:,.1f}", best=f"{numbers['best']:,.1f}"))

st.header(t("loss_surface.walk_header"))
st.markdown(t("loss_surface.walk_intro"))
st.latex(r"\theta \leftarrow \theta - \eta\,\nabla E(\theta),\qquad \theta = (k, b),\quad"
         r"\nabla E = \left(\tfrac{\partial E}{\partial k},\ \tfrac{\partial E}{\partial b}\right)")  # fmt: skip
try_this(t("loss_surface.walk_try"))
sections.walk_section()
st.markdown(t("loss_surface.hyper_explain", steps=sections.WALK_STEPS))

st.header(t("loss_surface.bowl_header"))
scales = {"mean": f"{numbers['mean']:g}", "std": f"{numbers['std']:.2f}", "ratio": f"{numbers['ratio']:,.0f}"}
st.markdown(t("loss_surface.bowl_intro", **scales))
sections.bowl_section()

st.header(t("loss_surface.race_header"))
st.markdown(t("loss_surface.race_intro"))
sections.race_section()

st.header(t("loss_surface.neuron_header"))
st.markdown(t("loss_surface.neuron_intro", c=ls.NEURON_BIAS))
try_this(t("loss_surface.neuron_try"))
neuron_section()

st.header(t("loss_surface.mlp_header"))
landscape_section()

st.markdown(t("loss_surface.llm_note"))
vocabulary("loss_surface")
show_code(ls.line_loss, ls.GD, ls.descend, ls.judge, ls.Momentum, ls.Adam, ls.neuron_loss,
          ls.filter_normalized_direction, ls.landscape)  # fmt: skip
lesson_footer("loss-surface")
