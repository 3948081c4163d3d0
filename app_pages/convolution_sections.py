"""Lesson 5's later sections: picking an image, ReLU and pooling, and why not a fully connected layer
(weights and shifts). The small CNN with the course's default run is in app_pages/convolution_cnn.py.

Imported by app_pages/convolution.py; not a page itself (ui/lessons.py names the pages). Caches
live here, not in the page, so their decorators run once per process rather than once per rerun.
"""

import numpy as np
import streamlit as st

from core import convolution as cv
from ui import convolution_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.private_cache import in_session
from ui.scrub import scrub_figure
from ui.widgets import slider

# Widget ranges and defaults, in one place: (min, max, default, step).
SIDE_SLIDER = (8, 512, 30, 1)
NEURON_SLIDER = (10, 4000, 1000, 10)
FILTER_SLIDER = (1, 64, 1, 1)
STRIDE_SLIDER = (min(cv.STRIDES), max(cv.STRIDES), 1, 1)
PADDING_SLIDER = (min(cv.PADDINGS), max(cv.PADDINGS), 0, 1)
SHIFTS = list(range(-4, 5))
HERO_DIGIT = 0  # scikit-learn's first digit, a "0": its two strokes give clear vertical edges
SHIFT_SIDE, FC_NEURONS = 30, 1000  # the curriculum's 30x30 image into 1,000 neurons
SHIFT_KERNEL = "sobel_x"
EXERCISES = 3


def labels(group: str, options) -> callable:
    """Option names in this run's language, fixed now (a lambda calling t() later may see another)."""
    return {option: t(f"convolution.{group}.{option}") for option in options}.get


@st.cache_resource(max_entries=32, show_spinner=False)  # a 512×512 map is 2 MB
def _shared(name: str, key: tuple, _compute):
    """A value computed from the course's own images and kernels only: one copy for every learner."""
    return _compute()


def kept(name: str, key: tuple, compute, public: bool):
    """compute(), shared by every learner when `public`, else kept in this learner's session."""
    return _shared(name, key, compute) if public else in_session(f"conv_{name}", key, compute, entries=4)


@st.cache_resource(show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    return cv.load_digits_data()


def hero_digit() -> tuple[np.ndarray, int]:
    images, digit_labels = digits()
    return images[HERO_DIGIT], int(digit_labels[HERO_DIGIT])


def pooling_part(y: np.ndarray, conv_key: tuple, public: bool) -> tuple[tuple, tuple[str, np.ndarray] | None]:
    """The ReLU and pooling controls under their paragraph; returns the settings and (title, pooled
    map), or None when the map is smaller than the window (with a message)."""
    st.markdown(t("convolution.pool_intro"))
    c1, c2, c3 = st.columns(3)
    use_relu = c1.toggle(t("convolution.relu_label"), value=True, key="conv_relu")
    kinds = ("max", "avg")
    kind = c2.segmented_control(t("convolution.pool_label"), kinds, default="max", format_func=labels("pools", kinds),
                                key="conv_pool", required=True)  # fmt: skip
    with c3:
        pool = st.select_slider(t("convolution.pool_size_label"), cv.POOL_SIZES, 2, key="conv_pool_size",
                                bind="query-params")  # fmt: skip
    if min(y.shape) < pool:
        st.info(t("convolution.too_small_to_pool", size=pool))
        return (use_relu, kind, pool), None
    pool_fn = cv.max_pool2d if kind == "max" else cv.avg_pool2d
    pooled = kept(
        "pool", (*conv_key, use_relu, kind, pool), lambda: pool_fn(cv.relu(y) if use_relu else y, pool), public
    )
    name = "pooled_relu_title" if use_relu else "pooled_title"
    return (use_relu, kind, pool), (
        t(f"convolution.chart.{name}", size=pool, kind=t(f"convolution.pools.{kind}")),
        pooled,
    )


@st.fragment
def parameters_part() -> None:
    """The weight counts of the curriculum's example; other sizes in a Go deeper."""
    text, figure = st.columns([3, 2])
    with go_deeper(t("convolution.sizes_header")):
        side = slider("convolution.side_label", SIDE_SLIDER, "conv_side")
        neurons = slider("convolution.neurons_label", NEURON_SLIDER, "conv_neurons")
        filters = slider("convolution.filters_label", FILTER_SLIDER, "conv_filters")
    fc, conv = cv.fc_parameters(side, side, neurons), cv.conv_parameters(3, filters, bias=False)
    with text:
        st.markdown(t("convolution.fc_intro"))
        counts = rf"{side}\times{side}\times{neurons} = {fc:,}\qquad 3\times 3\times {filters} = {conv:,}"
        st.latex(counts.replace(",", "{,}"))
        totals = {"fc_total": f"{cv.fc_parameters(side, side, neurons, bias=True):,}",
                  "conv_total": f"{cv.conv_parameters(3, filters):,}"}  # fmt: skip
        st.markdown(t("convolution.params_explain", ratio=f"{fc / conv:,.0f}", **totals))
    with figure:
        chart("conv_params_chart", (current_language(),), lambda: charts.parameters_figure(fc, conv),
              lambda fig: charts.update_parameters_figure(fig, fc, conv))  # fmt: skip


@st.cache_resource(max_entries=len(cv.PRESETS), show_spinner=False)
def shift_demos(kernel_name: str = SHIFT_KERNEL) -> list:
    """The hero's digit enlarged to SHIFT_SIDE, shifted by each of SHIFTS, against a dense layer."""
    small = cv.resize(hero_digit()[0], SHIFT_SIDE)  # (side, side)
    layer = cv.random_fc_layer(SHIFT_SIDE * SHIFT_SIDE, FC_NEURONS, seed=0)  # (neurons, side * side)
    return cv.shift_sweep(small, cv.preset_kernel(kernel_name), layer, SHIFTS)


@st.fragment
def shift_part() -> None:
    """A digit moved sideways (scrubbed), with the prediction card beside its paragraph."""
    demos = shift_demos()
    text, card = st.columns(2)
    with text:
        st.markdown(t("convolution.shift_intro", side=SHIFT_SIDE, neurons=f"{FC_NEURONS:,}"))
        try_this(t("convolution.shift_try"))
        shift = st.select_slider(t("convolution.shift_label"), SHIFTS, 2, key="conv_shift", bind="query-params")
    two = demos[SHIFTS.index(2)]
    options = {key: t(f"convolution.ex2_{key}") for key in ("moves", "changes", "stays")}
    explain = t("convolution.ex2_explain", gap=f"{two.conv_gap:.2g}", change=f"{two.fc_change:.0%}")
    with card:
        exercise.choice("convolution", 2, EXERCISES, t("convolution.ex2_question"), options,
                        "moves" if two.conv_gap < 1e-9 else "changes", explain, preset={"conv_shift": 2})  # fmt: skip
    build = lambda: charts.shift_template(demos, SHIFTS)  # noqa: E731
    show(scrub_figure("conv_shift", (SHIFT_KERNEL, current_language()), build, SHIFTS.index(shift)), "conv_shift_chart")
    changes = [d.fc_change for d in demos if d is not demos[SHIFTS.index(0)]]
    what_you_saw(t("convolution.shift_saw", first=SHIFTS[0], last=f"+{SHIFTS[-1]}", lo=f"{min(changes):.0%}",
                   hi=f"{max(changes):.0%}", gap=f"{max(d.conv_gap for d in demos):.2g}"))  # fmt: skip


def fc_section() -> None:
    st.header(t("convolution.fc_header"))
    parameters_part()
    shift_part()
