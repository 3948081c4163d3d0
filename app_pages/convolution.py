"""Lesson 5 — Convolution and pooling.

The page is a short sequence of experiments: a 3×3 kernel slid over a handwritten digit stop by
stop (scrubbed in the browser), the same on any image with stride and padding, ReLU and pooling,
why a fully connected layer is no match (weights, shifts), and a small CNN learning its own
kernels (its epochs scrubbed). Three predict-then-check cards go with them. The last two sections
live in app_pages/convolution_sections.py and app_pages/convolution_cnn.py.
"""

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import convolution_cnn as cnn
from app_pages import convolution_sections as sections
from core import convolution as cv
from ui import convolution_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.private_cache import in_session
from ui.scrub import scrub_figure
from ui.widgets import slider

PHOTOS = ("china", "flower")
KEPT_UPLOAD = "conv_upload_kept"  # (file id, bytes) of the learner's image
DEFAULT_KERNEL = "sobel_x"  # edges: the clearest first sight of what a kernel does
# The kernel's stops on the 8×8 digit, named by their output cell (the widget's values: language-neutral).
STOPS = [f"({i}, {j})" for i in range(cv.output_size(8, 3)) for j in range(cv.output_size(8, 3))]
DEFAULT_STOP = STOPS[14]  # row 2, column 2: the map is partly filled, and the value there is clearly negative
EXERCISES = sections.EXERCISES


def keep_upload() -> None:
    """The uploader changed: keep the new file (an uploader forgets it on leaving the page), or forget
    the kept one when the learner removed it."""
    upload = st.session_state.get("conv_upload")
    if upload is None:
        st.session_state.pop(KEPT_UPLOAD, None)
    else:
        st.session_state[KEPT_UPLOAD] = (upload.file_id, upload.getvalue()[: cv.MAX_UPLOAD_BYTES + 1])


def uploaded_image() -> tuple[str, np.ndarray] | None:
    """The learner's image, decoded in their session, or None (nothing uploaded, or a message shown)."""
    file = st.file_uploader(t("convolution.upload_label"), type=["png", "jpg", "jpeg"], key="conv_upload",
                            on_change=keep_upload)  # fmt: skip
    st.caption(t("convolution.upload_help", mb=cv.MAX_UPLOAD_BYTES // 2**20, side=cv.MAX_SIDE))
    if file is not None:
        keep_upload()
    kept = st.session_state.get(KEPT_UPLOAD)
    if kept is None:
        return None
    if file is None:  # back from another lesson: the uploader starts empty
        st.caption(t("convolution.using_kept"))
    try:
        return f"upload:{kept[0]}", in_session("conv_upload", kept[0], lambda: cv.read_upload(kept[1]), entries=2)
    except cv.ImageError as problem:
        st.error(t(f"convolution.errors.{problem.code}", **problem.fields), icon=":material/error:")
        return None


def pick_image() -> tuple[str, np.ndarray]:
    """The source and the image chosen: a photo, a digit or the learner's own."""
    sources = ("photo", "digit", "upload")
    names = sections.labels("sources", sources)
    source = st.segmented_control(t("convolution.source_label"), sources, default="photo", format_func=names,
                                  key="conv_source", required=True)  # fmt: skip
    if source == "digit":
        images, digit_labels = sections.digits()
        index = st.number_input(t("convolution.digit_label"), 0, len(images) - 1, 0, key="conv_digit_index")
        st.caption(t("convolution.digit_caption", label=int(digit_labels[index]), count=len(images)))
        return f"digit:{index}", images[index]
    if source == "upload":
        mine = uploaded_image()
        if mine is not None:
            return mine
        st.info(t("convolution.using_sample"))
    name = "china" if source == "upload" else st.selectbox(t("convolution.photo_label"), PHOTOS, key="conv_photo",
                                                            format_func=sections.labels("photos", PHOTOS))  # fmt: skip
    return f"photo:{name}", sections.kept("photo", (name,), lambda: cv.sample_photo(name), True)


def pick_kernel(default: str) -> tuple[str, int, np.ndarray]:
    """A preset, its size and its grid, editable; a cell that is not a usable number gets a message
    and the preset is used until it is fixed."""
    c1, c2 = st.columns([2, 1])
    preset = c1.selectbox(t("convolution.preset_label"), cv.PRESETS, index=cv.PRESETS.index(default),
                          format_func=sections.labels("presets", cv.PRESETS), key="conv_preset")  # fmt: skip
    size = c2.segmented_control(t("convolution.size_label"), cv.KERNEL_SIZES, default=3,
                                format_func=lambda s: f"{s}×{s}", key="conv_size", required=True)  # fmt: skip
    grid = pd.DataFrame(cv.preset_kernel(preset, size), columns=[str(c + 1) for c in range(size)])
    edited = st.data_editor(grid, key=f"conv_kernel_{preset}_{size}", hide_index=True)
    st.caption(t("convolution.kernel_help"))
    try:
        return preset, size, cv.parse_kernel(edited.itertuples(index=False, name=None))
    except cv.ImageError as problem:
        st.error(t(f"convolution.errors.{problem.code}", **problem.fields), icon=":material/error:")
        return preset, size, cv.preset_kernel(preset, size)


# --- The hero: one kernel slid over a digit ------------------------------------------------------
@st.fragment
def slide_section() -> None:
    """The hero figure, its kernel and its keyboard path: a move reruns only this part."""
    x, digit = sections.hero_digit()
    c1, c2 = st.columns([1, 2])
    kernel_name = c1.selectbox(t("convolution.kernel_label"), cv.PRESETS, index=cv.PRESETS.index(DEFAULT_KERNEL),
                               format_func=sections.labels("presets", cv.PRESETS), key="conv_kernel")  # fmt: skip
    stop = c2.select_slider(t("convolution.stop_label"), STOPS, DEFAULT_STOP, key="conv_stop",
                            help=t("convolution.stop_help"), bind="query-params")  # fmt: skip
    k = cv.preset_kernel(kernel_name)
    build = lambda: charts.slide_template(x, k, digit)  # noqa: E731
    show(scrub_figure("conv_slide", (kernel_name, current_language()), build, STOPS.index(stop)), "conv_slide_chart")
    (hi, hi_row, hi_col), (lo, lo_row, lo_col) = cv.extremes(cv.conv2d(x, k))
    saw = t("convolution.slide_saw", hi=f"{hi:.2f}", hi_row=hi_row, hi_col=hi_col)
    if lo < 0:
        saw += " " + t("convolution.slide_saw_negative", lo=f"{lo:.2f}", lo_row=lo_row, lo_col=lo_col)
    what_you_saw(saw)


setup_page("convolution")
st.markdown(t("convolution.intro"))
st.header(t("convolution.slide_header"))
st.markdown(t("convolution.slide_intro"))
try_this(t("convolution.slide_try"))
slide_section()
sobel = cv.sweep(sections.hero_digit()[0], cv.preset_kernel("sobel_x"))
ex1_stop = int(np.argmax(sobel.y.ravel()))  # the strongest rise to the right: a stroke's left edge
right, left = cv.column_sums(sobel.patches[ex1_stop], cv.preset_kernel("sobel_x"))
value = float(sobel.products[ex1_stop].sum())
exercise.choice("convolution", 1, EXERCISES, t("convolution.ex1_question", row=ex1_stop // 6, col=ex1_stop % 6),
                {key: t(f"convolution.ex1_{key}") for key in ("positive", "negative", "zero")},
                answer="zero" if abs(value) < 0.05 else ("positive" if value > 0 else "negative"),
                explain=t("convolution.ex1_explain", right=f"{right:.2f}", left=f"{left:.2f}", value=f"{value:.2f}"),
                preset={"conv_kernel": "sobel_x", "conv_stop": STOPS[ex1_stop]})  # fmt: skip
with go_deeper(t("convolution.crosscorr_header")):
    st.markdown(t("convolution.crosscorr"))


# --- Any image, any kernel: stride, padding, ReLU and pooling ------------------------------------------
@st.fragment
def image_section() -> None:
    """One figure (input, feature map, pooled map) under the image and kernel pickers, with the
    stride, padding and pooling controls beside the paragraphs that explain them."""
    c1, c2 = st.columns(2)
    with c1:
        image_id, x = pick_image()
        st.caption(t("convolution.images_caption"))
    with c2:
        preset, size, k = pick_kernel(DEFAULT_KERNEL)
    figure_slot = st.container()
    st.markdown(t("convolution.stride_intro"))
    c1, c2 = st.columns(2)
    with c1:
        stride = slider("convolution.stride_label", sections.STRIDE_SLIDER, "conv_stride",
                        help=t("convolution.stride_help"))  # fmt: skip
    with c2:
        padding = slider("convolution.padding_label", sections.PADDING_SLIDER, "conv_padding",
                         help=t("convolution.padding_help"))  # fmt: skip
    sides = [rf"{name}_\text{{out}} = \lfloor ({n} + 2\cdot {padding} - {size}) / {stride} \rfloor + 1 = "
             f"{cv.output_size(n, size, stride, padding)}" for name, n in zip("HW", x.shape)]  # fmt: skip
    st.latex(r",\qquad ".join(sides))
    conv_key = (image_id, tuple(map(tuple, k)), stride, padding)  # everything the feature map depends on
    # The course's own images and kernels are shared by every learner; an upload or an edited kernel
    # stays in this learner's session (ui/private_cache.py says why), and so do its figures.
    public = not image_id.startswith("upload:") and np.array_equal(k, cv.preset_kernel(preset, size))
    y = sections.kept("feature", conv_key, lambda: cv.conv2d(x, k, stride, padding), public)
    pooling, pooled = sections.pooling_part(y, conv_key, public)
    with figure_slot:
        build = lambda: charts.images_figure(x, y, pooled)  # noqa: E731
        chart("conv_images", (current_language(), *conv_key, *pooling), build, public=public)
    last = y if pooled is None else pooled[1]
    share = {"before": f"{x.size:,}", "after": f"{last.size:,}", "percent": f"{last.size / x.size:.1%}"}
    st.markdown(t("convolution.pool_explain", **share))


st.header(t("convolution.image_header"))
st.markdown(t("convolution.image_intro"))
image_section()
sections.fc_section()
cnn.cnn_section()

st.markdown(t("convolution.llm_bridge"))
vocabulary("convolution")
show_code(cv.conv2d, cv.sweep, cv.max_pool2d, cv.shift_demo, cv.train_model)
lesson_footer("convolution")
