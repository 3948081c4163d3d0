"""Lesson 5 — Convolution and pooling: a kernel sliding over a real image, and a small CNN."""

import uuid

import numpy as np
import pandas as pd
import streamlit as st

from core import convolution as cv
from core.device import get_device
from ui import convolution_charts as charts
from ui.figures import chart
from ui.frame import lesson_footer
from ui.i18n import t
from ui.layout import setup_page, show_code, vocabulary
from ui.training_slot import train_with_progress
from ui.widgets import slider

# Widget ranges and defaults, in one place: (min, max, default, step).
SIDE_SLIDER = (8, 512, 30, 1)
NEURON_SLIDER = (10, 4000, 1000, 10)
FILTER_SLIDER = (1, 64, 1, 1)
STRIDE_SLIDER = (min(cv.STRIDES), max(cv.STRIDES), 1, 1)
PADDING_SLIDER = (min(cv.PADDINGS), max(cv.PADDINGS), 0, 1)
SHIFT_SLIDER = (-4, 4, 2, 1)
PHOTOS = ("china", "flower")
DEFAULT_PRESET = "sobel_x"  # edges: the clearest first sight of what a kernel does
SHIFT_SIDE, FC_NEURONS = 30, 1000  # the curriculum's 30x30 image into 1,000 neurons


def labels(group: str, options) -> callable:
    """Option names in this run's language, fixed now (a lambda calling t() later may see another)."""
    return {option: t(f"convolution.{group}.{option}") for option in options}.get


lang = setup_page("convolution")
st.markdown(t("convolution.intro"))


# --- Why not connect every pixel to every neuron? ----------------------------------------------
@st.fragment
def parameters_section() -> None:
    """Reruns on its own when its sliders move: nothing else on the page depends on them."""
    st.header(t("convolution.params_header"))
    c1, c2 = st.columns([2, 3])
    with c1:
        side = slider("convolution.side_label", SIDE_SLIDER, "conv_side")
        neurons = slider("convolution.neurons_label", NEURON_SLIDER, "conv_neurons")
        filters = slider("convolution.filters_label", FILTER_SLIDER, "conv_filters")
    fc_count = cv.fc_parameters(side, side, neurons)
    conv_count = cv.conv_parameters(3, filters)
    with c2:
        chart(
            "conv_params_chart",
            (lang,),
            lambda: charts.parameters_figure(fc_count, conv_count),
            lambda fig: charts.update_parameters_figure(fig, fc_count, conv_count),
        )
    st.latex(
        rf"{side}\times{side}\times{neurons} = {fc_count:,}"
        rf"\qquad (3\times 3 + 1)\times {filters} = {conv_count:,}".replace(",", "{,}")
    )
    st.markdown(t("convolution.params_explain", ratio=f"{fc_count / conv_count:,.0f}"))


parameters_section()

# --- The image --------------------------------------------------------------------------------
st.header(t("convolution.image_header"))
sources = ("photo", "digit", "upload")
source = st.segmented_control(
    t("convolution.source_label"),
    sources,
    default="photo",
    format_func=labels("sources", sources),
    key="conv_source",
    required=True,
)
if source == "digit":
    images, digit_labels = charts.digits()
    index = st.number_input(t("convolution.digit_label"), 0, len(images) - 1, 0, key="conv_digit_index")
    image_id, x = f"digit:{index}", images[index]
    st.caption(t("convolution.digit_caption", label=int(digit_labels[index]), count=len(images)))
elif source == "upload":
    file = st.file_uploader(t("convolution.upload_label"), type=["png", "jpg", "jpeg"], key="conv_upload")
    st.caption(t("convolution.upload_help", mb=cv.MAX_UPLOAD_BYTES // 2**20, side=cv.MAX_SIDE))
    image_id, x = "photo:china", None
    if file is not None:
        try:
            x = charts.upload(file.file_id, file.getvalue())
            image_id = f"upload:{file.file_id}"
        except cv.ImageError as problem:
            st.error(t(f"convolution.errors.{problem.code}", **problem.fields), icon=":material/error:")
    if x is None:
        st.info(t("convolution.using_sample"))
        x = charts.photo("china")
else:
    name = st.selectbox(t("convolution.photo_label"), PHOTOS, format_func=labels("photos", PHOTOS), key="conv_photo")
    image_id, x = f"photo:{name}", charts.photo(name)

# --- The kernel and the convolution -----------------------------------------------------------
st.header(t("convolution.conv_header"))
st.markdown(t("convolution.conv_intro"))
c1, c2 = st.columns([1, 2])
with c1:
    preset = st.selectbox(
        t("convolution.preset_label"),
        cv.PRESETS,
        index=cv.PRESETS.index(DEFAULT_PRESET),
        format_func=labels("presets", cv.PRESETS),
        key="conv_preset",
    )
    size = st.segmented_control(
        t("convolution.size_label"),
        cv.KERNEL_SIZES,
        default=3,
        format_func=lambda s: f"{s}×{s}",
        key="conv_size",
        required=True,
    )
    grid = pd.DataFrame(cv.preset_kernel(preset, size), columns=[str(c + 1) for c in range(size)])
    edited = st.data_editor(grid, key=f"conv_kernel_{preset}_{size}", hide_index=True)
    st.caption(t("convolution.kernel_help"))
    try:
        k = cv.parse_kernel(edited.itertuples(index=False, name=None))
    except cv.ImageError as problem:
        st.error(t(f"convolution.errors.{problem.code}", **problem.fields), icon=":material/error:")
        k = cv.preset_kernel(preset, size)
    stride = slider("convolution.stride_label", STRIDE_SLIDER, "conv_stride", help=t("convolution.stride_help"))
    padding = slider("convolution.padding_label", PADDING_SLIDER, "conv_padding", help=t("convolution.padding_help"))
kernel = tuple(map(tuple, k))
conv_key = (image_id, kernel, stride, padding)  # everything the feature map depends on
# Figures of the course's own images and kernels are built once for every learner; an uploaded
# image or an edited kernel is this learner's, and so are the figures made from it.
public = not image_id.startswith("upload:") and np.array_equal(k, cv.preset_kernel(preset, size))
y = charts.convolve(*conv_key[:1], x, *conv_key[1:])
h, w = x.shape
h_out, w_out = cv.output_size(h, size, stride, padding), cv.output_size(w, size, stride, padding)
with c2:
    st.latex(
        rf"H_\text{{out}} = \left\lfloor\frac{{H + 2p - k}}{{s}}\right\rfloor + 1"
        rf" = \left\lfloor\frac{{{h} + 2\cdot{padding} - {size}}}{{{stride}}}\right\rfloor + 1 = {h_out},"
        rf"\quad W_\text{{out}} = \left\lfloor\frac{{{w} + 2\cdot{padding} - {size}}}{{{stride}}}\right\rfloor"
        rf" + 1 = {w_out}"
    )


# --- One output, up close ---------------------------------------------------------------------
@st.fragment
def closeup_section(image_id: str, x: np.ndarray, k: np.ndarray, y: np.ndarray, conv_key: tuple, public: bool) -> None:
    """The input and feature map with one output position marked, and the sum behind that output."""
    _, _, stride, padding = conv_key
    size = k.shape[0]
    # Clamp the position when a new stride or padding has shrunk the map (before the sliders exist).
    for name, top in (("conv_row", y.shape[0] - 1), ("conv_col", y.shape[1] - 1)):
        st.session_state[name] = min(st.session_state.get(name, top // 2), top)
    c1, c2 = st.columns(2)
    i = c1.slider(t("convolution.row_label"), 0, max(y.shape[0] - 1, 1), key="conv_row", disabled=y.shape[0] == 1)
    j = c2.slider(t("convolution.col_label"), 0, max(y.shape[1] - 1, 1), key="conv_col", disabled=y.shape[1] == 1)
    i, j = min(i, y.shape[0] - 1), min(j, y.shape[1] - 1)
    patch, products, value = cv.patch_products(x, k, stride, padding, i, j)
    box = (i * stride - padding, j * stride - padding, size, size)
    output_box = (i, j, 1, 1)
    with c1:  # the image's figure is built once; the boxes move
        chart(
            "conv_input",
            (lang, image_id),
            lambda: charts.cached_map_figure(image_id, x, t("convolution.chart.input_title"), box),
            lambda fig: charts.move_box(fig, box),
            public=not image_id.startswith("upload:"),
        )
    with c2:
        chart(
            "conv_output",
            (lang, conv_key),
            lambda: charts.cached_map_figure(conv_key, y, t("convolution.chart.output_title"), output_box),
            lambda fig: charts.move_box(fig, output_box),
            public=public,
        )
    st.subheader(t("convolution.closeup_header", i=i, j=j))
    chart(
        "conv_closeup",
        (lang, size),
        lambda: charts.closeup_figure(patch, k, products),
        lambda fig: charts.update_closeup_figure(fig, patch, k, products),
        public=public,
    )
    terms = " + ".join(f"({a:.3g})({b:.3g})" for a, b in zip(patch.ravel()[:4], k.ravel()[:4]))
    st.latex(rf"y_{{{i},{j}}} = \sum_{{a,b}} x_{{a,b}}\,k_{{a,b}} = {terms} + \dots = {value:.4g}")
    st.markdown(t("convolution.closeup_explain", value=f"{value:.4g}", shown=f"{y[i, j]:.4g}"))


closeup_section(image_id, x, k, y, conv_key, public)


# --- ReLU and pooling -------------------------------------------------------------------------
@st.fragment
def pooling_section(x: np.ndarray, y: np.ndarray, conv_key: tuple, public: bool) -> None:
    """ReLU and pooling of the feature map; reruns alone when its own widgets change."""
    st.header(t("convolution.pool_header"))
    st.markdown(t("convolution.pool_intro"))
    c1, c2, c3 = st.columns(3)
    use_relu = c1.toggle(t("convolution.relu_label"), value=True, key="conv_relu")
    pool_kind = c2.segmented_control(
        t("convolution.pool_label"),
        ("max", "avg"),
        default="max",
        format_func=labels("pools", ("max", "avg")),
        key="conv_pool",
        required=True,
    )
    with c3:
        pool = st.select_slider(
            t("convolution.pool_size_label"),
            cv.POOL_SIZES,
            2,
            key="conv_pool_size",
            bind="query-params",
        )
    activated, pooled = charts.relu_pool(conv_key, y, use_relu, pool_kind, pool)
    stages = [(t("convolution.chart.feature_title"), y, conv_key)]
    if use_relu:
        stages.append((t("convolution.chart.relu_title"), activated, (*conv_key, "relu")))
    if pooled is not None:
        title = t("convolution.chart.pooled_title", size=pool, kind=t(f"convolution.pools.{pool_kind}"))
        stages.append((title, pooled, (*conv_key, use_relu, pool_kind, pool)))
    else:
        st.info(t("convolution.too_small_to_pool", size=pool))
    chart(
        "conv_stages",
        (lang, conv_key, use_relu, pool_kind, pool),
        lambda: charts.stages_figure(
            [(title, m, charts.png(key, m) if max(m.shape) > charts.SMALL else None) for title, m, key in stages]
        ),
        public=public,
    )
    last = stages[-1][1]
    st.markdown(
        t("convolution.pool_explain", before=f"{x.size:,}", after=f"{last.size:,}", percent=f"{last.size / x.size:.1%}")
    )


pooling_section(x, y, conv_key, public)


# --- Shifting the image -----------------------------------------------------------------------
@st.fragment
def shift_section(image_id: str, x: np.ndarray, kernel: tuple, public: bool) -> None:
    st.header(t("convolution.shift_header"))
    st.markdown(t("convolution.shift_intro", side=SHIFT_SIDE, neurons=FC_NEURONS))
    c1, c2 = st.columns(2)
    dy = c1.slider(t("convolution.dy_label"), *SHIFT_SLIDER[:3], key="conv_dy", bind="query-params")
    dx = c2.slider(t("convolution.dx_label"), *SHIFT_SLIDER[:3], key="conv_dx", bind="query-params")
    demo = charts.shift_result(image_id, x, kernel, dy, dx, SHIFT_SIDE, FC_NEURONS)
    chart(
        "conv_shift",
        (lang, image_id, kernel),
        lambda: charts.shift_figure(demo),
        lambda fig: charts.update_shift_figure(fig, demo),
        public=public,
    )
    c1, c2 = st.columns(2)
    c1.metric(t("convolution.conv_gap"), f"{demo.conv_gap:.2g}", help=t("convolution.conv_gap_help"))
    c2.metric(t("convolution.fc_change"), f"{demo.fc_change:.0%}", help=t("convolution.fc_change_help"))
    st.markdown(t("convolution.shift_explain"))


shift_section(image_id, x, kernel, public)


# --- A small CNN on handwritten digits ----------------------------------------------------------
@st.fragment
def cnn_section() -> None:
    """Training and its results: a button press or a new test digit reruns only this part."""
    st.header(t("convolution.cnn_header"))
    config = cv.TrainConfig()
    st.markdown(t("convolution.cnn_intro", epochs=config.epochs, c1=config.channels[0], c2=config.channels[1]))
    seed = st.number_input(t("convolution.seed_label"), 0, 9999, config.seed, key="conv_seed")
    if st.button(t("convolution.train_button"), icon=":material/play_arrow:", key="conv_train", type="primary"):
        text = t("convolution.training")
        run = train_with_progress(
            lambda p: text,
            lambda on_progress: cv.train_digits(cv.TrainConfig(seed=int(seed)), get_device(), on_progress),
        )
        if run is not None:
            predictions = (cv.predict(run.cnn.model, run.x_test), cv.predict(run.mlp.model, run.x_test))
            # This learner's own result, with a unique id that names its figures.
            st.session_state["conv_run"] = (int(seed), run, predictions, uuid.uuid4().hex)
    if "conv_run" not in st.session_state:
        st.info(t("convolution.not_trained"))
    else:
        trained_seed, run, (cnn_pred, mlp_pred), run_key = st.session_state["conv_run"]
        c1, c2, c3 = st.columns(3)
        c1.metric(
            t("convolution.cnn_accuracy"),
            f"{run.cnn.test_accuracy[-1]:.1%}",
            help=t("convolution.params_count", n=f"{run.cnn.parameters:,}"),
        )
        c2.metric(
            t("convolution.mlp_accuracy"),
            f"{run.mlp.test_accuracy[-1]:.1%}",
            help=t("convolution.params_count", n=f"{run.mlp.parameters:,}"),
        )
        c3.metric(t("convolution.train_time"), f"{run.cnn.seconds + run.mlp.seconds:.1f} s")
        st.caption(
            t(
                "convolution.run_caption",
                seed=trained_seed,
                test=len(run.y_test),
                cnn=f"{run.cnn.parameters:,}",
                mlp=f"{run.mlp.parameters:,}",
            )
        )
        names = (t("convolution.chart.cnn"), t("convolution.chart.mlp"))
        c1, c2 = st.columns(2)
        # This learner's run: its figures are built in their session, again only for a new run or digit.
        with c1:
            chart(
                "conv_accuracy",
                (lang, run_key),
                lambda: charts.accuracy_figure(run.cnn.test_accuracy, run.mlp.test_accuracy, *names),
                public=False,
            )
        with c2:
            chart(
                "conv_confusion",
                (lang, run_key),
                lambda: charts.confusion_figure(cv.confusion_matrix(run.y_test, cnn_pred)),
                public=False,
            )
        pick = st.slider(t("convolution.test_digit_label"), 0, len(run.y_test) - 1, 0, key="conv_test_digit")
        kernels, maps = cv.first_layer(run.cnn.model, run.x_test[pick])
        st.markdown(
            t("convolution.digit_result", label=int(run.y_test[pick]), cnn=int(cnn_pred[pick]), mlp=int(mlp_pred[pick]))
        )
        c1, c2 = st.columns([1, 4])
        with c1:
            chart(
                "conv_digit",
                (lang, run_key, pick),
                lambda: charts.map_figure(
                    run.x_test[pick], t("convolution.chart.digit_title"), height=260, details=False
                ),
                public=False,
            )
        with c2:
            chart(
                "conv_kernels",
                (lang, run_key),
                lambda: charts.small_multiples(kernels, t("convolution.chart.kernels_title"), height=200),
                public=False,
            )
            chart(
                "conv_maps",
                (lang, run_key, pick),
                lambda: charts.small_multiples(maps, t("convolution.chart.maps_title"), height=200),
                public=False,
            )
        st.markdown(t("convolution.cnn_explain"))


cnn_section()

vocabulary("convolution")
show_code(cv.conv2d, cv.max_pool2d, cv.shift_demo, cv.train_model)
lesson_footer("convolution")
