"""Lesson 5's later sections: picking an image, ReLU and pooling, why not a fully connected layer
(weights and shifts), and the small CNN with the course's default run.

Imported by app_pages/convolution.py; not a page itself (ui/lessons.py names the pages). Caches
live here, not in the page, so their decorators run once per process rather than once per rerun.
"""

import uuid
from functools import partial
from pathlib import Path

import numpy as np
import streamlit as st

from core import convolution as cv
from core.artefacts import ArtefactError, log_failure, shown_path
from core.device import get_device
from ui import convolution_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.lessons import ROOT
from ui.private_cache import in_session
from ui.scrub import scrub_figure
from ui.training_slot import train_with_progress
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
RUN_DIR = ROOT / "models" / "convolution_digits"  # the course's default CNN run (models/README.md)
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


# --- The small CNN ------------------------------------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def default_run(directory: str) -> cv.DigitsRun:
    """The course's run with the default settings, made by `python -m core.convolution` and shipped
    (models/README.md): what the section shows before a learner trains. Shared, read-only."""
    try:
        return cv.load_run(Path(directory))
    except Exception as problem:  # missing, truncated or mismatched files: one error type (core.artefacts)
        error = ArtefactError("convolution_digits", problem)
        log_failure(error, directory)
        raise error from problem


@st.cache_resource(show_spinner=False)
def split_sizes() -> tuple[int, int]:
    """How many digits the default split trains and tests on (every seed splits the same sizes)."""
    _, y_train, _, y_test = cv.digit_split(cv.TrainConfig())
    return len(y_train), len(y_test)


def train_own(config: cv.TrainConfig) -> None:
    """The learner's own run (another seed, or the same again), kept in their session."""
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    # Another seed than the course's run by default: the first press shows a run of one's own.
    seed = c1.number_input(t("convolution.seed_label"), 0, 9999, config.seed + 1, key="conv_seed")
    if c2.button(t("convolution.train_button"), icon=":material/play_arrow:", key="conv_train", type="primary"):
        run = train_with_progress(
            lambda progress: t("convolution.training", step=progress.step, total=progress.total),
            lambda on_progress: cv.train_digits(cv.TrainConfig(seed=int(seed)), get_device(), on_progress),
        )
        if run is not None:
            st.session_state["conv_run"] = (int(seed), run, uuid.uuid4().hex)


def shown_run() -> tuple[cv.DigitsRun, str, bool, str] | None:
    """The learner's run if they trained one, else the course's: (run, id, shared by everyone?, what it is)."""
    if "conv_run" in st.session_state:
        seed, run, run_id = st.session_state["conv_run"]
        return run, run_id, False, t("convolution.own_run", seed=seed)
    try:
        run = default_run(str(RUN_DIR))
    except ArtefactError as problem:
        message = t("convolution.run_missing", path=shown_path(RUN_DIR), problem=problem.reason)
        st.error(message, icon=":material/error:")
        return None
    seconds = f"{run.cnn.seconds + run.mlp.seconds:.1f}"
    return run, "default", True, t("convolution.default_run", seed=run.config.seed, seconds=seconds)


@st.fragment
def cnn_section() -> None:
    """The course's run on arrival, the learner's own once they train; a press reruns only this part."""
    config = cv.TrainConfig()
    train, test = split_sizes()
    st.header(t("convolution.cnn_header"))
    st.markdown(t("convolution.cnn_intro", c1=config.channels[0], c2=config.channels[1], train=f"{train:,}", test=test))
    text, card = st.columns([1, 1])
    text.markdown(t("convolution.batch_intro", train=f"{train:,}", batch=config.batch_size))
    steps, (full, rest) = cv.steps_per_epoch(train, config.batch_size), divmod(train, config.batch_size)
    numbers = {"train": f"{train:,}", "batch": config.batch_size, "ratio": f"{train / config.batch_size:.2f}"}
    explain = t("convolution.ex3_explain", **numbers, full=full, rest=rest, steps=steps,
                total=f"{steps * config.epochs:,}", epochs=config.epochs)  # fmt: skip
    question = t("convolution.ex3_question", train=numbers["train"], batch=config.batch_size)
    with card:
        exercise.number("convolution", 3, EXERCISES, question, answer=steps, tolerance=0.0, explain=explain)
    slot = st.container()  # the run shown goes above the button that replaces it
    train_own(config)
    with slot:
        shown = shown_run()
        if shown is not None:
            epochs_part(*shown)


def epochs_part(run: cv.DigitsRun, run_id: str, public: bool, which: str) -> None:
    """The first layer's kernels and both accuracies, epoch by epoch (scrubbed), and a look inside."""
    epochs = len(run.cnn.test_accuracy)
    c1, c2 = st.columns([3, 2], vertical_alignment="center")
    c1.caption(which)
    with c2:
        epoch = min(slider("convolution.epoch_label", (0, epochs, epochs, 1), "conv_epoch"), epochs)
    cnn, mlp = run.cnn, run.mlp
    build = partial(charts.epochs_template, cnn.kernels, cnn.test_accuracy, mlp.test_accuracy, len(run.y_test))
    show(scrub_figure("conv_epochs", (run_id, current_language()), build, epoch, public), "conv_epochs_chart")
    busiest = int(np.argmax(cv.kernel_changes(cnn.kernels))) + 1
    what_you_saw(t("convolution.cnn_saw", epochs=epochs, test=len(run.y_test), busiest=busiest,
                   cnn=f"{cnn.test_accuracy[-1]:.1%}", mlp=f"{mlp.test_accuracy[-1]:.1%}",
                   cnn_params=f"{cnn.parameters:,}", mlp_params=f"{mlp.parameters:,}"))  # fmt: skip
    with go_deeper(t("convolution.details_header")):
        details(run, run_id, public)
        st.markdown(t("convolution.mlp_note"))


def details(run: cv.DigitsRun, run_id: str, public: bool) -> None:
    """The confusion matrix, and one test digit through the first layer."""
    predict = lambda: (cv.predict(run.cnn.model, run.x_test), cv.predict(run.mlp.model, run.x_test))  # noqa: E731
    cnn_pred, mlp_pred = kept("predict", (run_id,), predict, public)
    st.markdown(t("convolution.confusion_explain"))
    counts = cv.confusion_matrix(run.y_test, cnn_pred)
    chart("conv_confusion", (current_language(), run_id), lambda: charts.confusion_figure(counts), public=public)
    pick = st.slider(t("convolution.test_digit_label"), 0, len(run.y_test) - 1, 0, key="conv_test_digit")
    label, cnn, mlp = int(run.y_test[pick]), int(cnn_pred[pick]), int(mlp_pred[pick])
    st.markdown(t("convolution.digit_result", label=label, cnn=cnn, mlp=mlp))
    _, maps = cv.first_layer(run.cnn.model, run.x_test[pick])
    build = lambda: charts.maps_figure(run.x_test[pick], maps)  # noqa: E731
    chart("conv_maps", (current_language(), run_id, pick), build, public=public)
