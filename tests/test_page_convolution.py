"""Lesson 5's page in AppTest: its figures, its numbers, bad input in both languages, training."""

import base64
import io
import json

import numpy as np
import plotly.io as pio
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core import convolution as cv
from tests.apptest import run_clean
from ui import convolution_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "convolution.py"


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def chart(at: AppTest, title_key: str, lang: str = "en") -> dict:
    """The spec of the Plotly chart whose title starts with the catalog's text for title_key."""
    title = load_catalog(lang)[title_key]
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"]["title"]["text"].startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def array(value) -> np.ndarray:
    """Plotly writes NumPy arrays as typed arrays ({"dtype", "bdata", "shape"}); plain lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape)
    return np.array(value)


def latex(at: AppTest) -> str:
    return "\n".join(x.value for x in at.latex)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_shows_the_curriculums_parameter_counts(lang):
    at = run_page(lang)
    bars = chart(at, "convolution.chart.parameters_title", lang)["data"][0]
    assert list(array(bars["y"])) == [900_000, 10]  # 30x30 image into 1,000 neurons; one 3x3 filter with its bias
    assert r"{,}" in latex(at) and "900{,}000" in latex(at)
    at.slider(key="conv_filters").set_value(64).run()
    assert list(array(chart(at, "convolution.chart.parameters_title", lang)["data"][0]["y"])) == [900_000, 640]


def test_stride_and_padding_change_the_feature_map_and_the_formula():
    at = run_page()
    assert r"342 + 2\cdot0 - 3" in latex(at) and "= 340" in latex(at)  # the photo is 342x512
    at.slider(key="conv_stride").set_value(2).run()
    at.slider(key="conv_padding").set_value(1).run()
    assert not at.exception
    text = latex(at)
    assert r"342 + 2\cdot1 - 3" in text and "= 171" in text and "= 256" in text
    title = chart(at, "convolution.chart.output_title")["layout"]["title"]["text"]
    assert "171×256" in title


def test_the_close_up_sums_to_the_feature_map_value():
    at = run_page(conv_stride="2")
    at.slider(key="conv_row").set_value(10).run()
    at.slider(key="conv_col").set_value(20).run()
    spec = chart(at, "convolution.chart.closeup_title")
    patch, kernel, products = (array(trace["z"]).astype(float) for trace in spec["data"])
    np.testing.assert_allclose(products, patch * kernel)
    x = cv.sample_photo("china")
    y = cv.conv2d(x, cv.preset_kernel("sobel_x"), 2, 0)  # the default kernel
    np.testing.assert_allclose(products.sum(), y[10, 20])
    assert f"{y[10, 20]:.4g}" in latex(at)


def test_the_kernel_preset_and_size_reach_the_close_up():
    at = run_page()
    kernel = array(chart(at, "convolution.chart.closeup_title")["data"][1]["z"])
    np.testing.assert_array_equal(kernel, [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])  # the default, Sobel x
    at.selectbox(key="conv_preset").set_value("sharpen").run()
    kernel = array(chart(at, "convolution.chart.closeup_title")["data"][1]["z"])
    np.testing.assert_array_equal(kernel, [[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
    at.button_group(key="conv_size").set_value(5).run()
    assert not at.exception
    assert array(chart(at, "convolution.chart.closeup_title")["data"][1]["z"]).shape == (5, 5)


def test_pooling_shrinks_the_map():
    at = run_page(conv_stride="1")
    spec = chart(at, "convolution.chart.stages_title")
    titles = [a["text"] for a in spec["layout"]["annotations"]]
    assert titles[0].endswith("340×510") and titles[-1].endswith("170×255")
    at.select_slider(key="conv_pool_size").set_value(3).run()
    titles = [a["text"] for a in chart(at, "convolution.chart.stages_title")["layout"]["annotations"]]
    assert titles[-1].endswith("113×170")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_digit_too_small_to_pool_gets_a_message(lang):
    at = run_page(lang, conv_stride="4", conv_pool_size="4")
    at.button_group(key="conv_source").set_value("digit").run()
    at.button_group(key="conv_size").set_value(5).run()
    assert not at.exception
    catalog = load_catalog(lang)
    assert catalog["convolution.too_small_to_pool"].format(size=4) in [i.value for i in at.info]


def test_the_shift_keeps_the_convolution_and_changes_the_dense_layer():
    at = run_page()
    metrics = {m.label: m.value for m in at.metric}
    catalog = load_catalog("en")
    assert float(metrics[catalog["convolution.conv_gap"]]) < 1e-9
    assert int(metrics[catalog["convolution.fc_change"]].rstrip("%")) > 5


def upload(at: AppTest, data: bytes, name: str, mime: str = "image/png") -> AppTest:
    if at.button_group(key="conv_source").value != "upload":
        at.button_group(key="conv_source").set_value("upload").run()
    return at.file_uploader(key="conv_upload").set_value((name, data, mime)).run()


def png_bytes(array: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def test_an_uploaded_image_is_used_in_grayscale():
    pixels = np.random.default_rng(0).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    at = upload(run_page(), png_bytes(pixels, "JPEG"), "mine.jpg", "image/jpeg")
    assert not at.exception and not at.error
    assert "48×64" in chart(at, "convolution.chart.input_title")["layout"]["title"]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bad_uploads_get_a_clear_message(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    noise = np.random.default_rng(1).integers(0, 256, size=(40, 40), dtype=np.uint8)
    truncated = png_bytes(noise)[:400]
    for data, name, code, fields in (
        (b"just some text", "notes.png", "not_an_image", {}),
        (truncated, "cut.png", "corrupt", {}),
        (png_bytes(np.zeros((4, 40), np.uint8)), "thin.png", "too_small", {"side": 8}),
    ):
        upload(at, data, name)
        assert not at.exception, name
        assert [e.value for e in at.error] == [catalog[f"convolution.errors.{code}"].format(**fields)], name
        assert catalog["convolution.using_sample"] in [i.value for i in at.info]  # the page still works


def test_every_error_code_has_a_message_in_both_languages():
    codes = {"too_large", "too_many_pixels", "not_an_image", "corrupt", "too_small", "side_too_long", "too_elongated"}
    codes |= {"kernel_not_a_number", "kernel_shape", "kernel_too_large"}
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        assert {key.rsplit(".", 1)[1] for key in catalog if key.startswith("convolution.errors.")} == codes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_broken_kernel_cell_gets_a_message_and_the_preset_is_used(lang):
    at = run_page(lang)
    editor_key = "conv_kernel_sobel_x_3"
    at.session_state[editor_key] = {"edited_rows": {0: {"1": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert load_catalog(lang)["convolution.errors.kernel_not_a_number"] in [e.value for e in at.error]


def test_upload_source_without_a_file_falls_back_to_the_photo():
    at = run_page()
    at.button_group(key="conv_source").set_value("upload").run()
    assert not at.exception
    assert load_catalog("en")["convolution.using_sample"] in [i.value for i in at.info]


def test_digit_source_shows_the_8x8_digit():
    at = run_page()
    at.button_group(key="conv_source").set_value("digit").run()
    at.number_input(key="conv_digit_index").set_value(5).run()
    assert not at.exception
    assert "8×8" in chart(at, "convolution.chart.input_title")["layout"]["title"]["text"]


@pytest.mark.slow
def test_training_shows_accuracy_confusion_kernels_and_feature_maps():
    lang = "zh"  # one training run is enough; the English text is covered by the other tests
    at = run_page(lang)
    catalog = load_catalog(lang)
    assert catalog["convolution.not_trained"] in [i.value for i in at.info]
    at.button(key="conv_train").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert float(metrics[catalog["convolution.cnn_accuracy"]].rstrip("%")) >= 97.0
    confusion = array(chart(at, "convolution.chart.confusion_title", lang)["data"][0]["z"])
    assert confusion.shape == (10, 10) and confusion.sum() == 450
    kernels = chart(at, "convolution.chart.kernels_title", lang)
    assert len(kernels["data"]) == 8
    at.slider(key="conv_test_digit").set_value(17).run()
    assert not at.exception
    assert len(chart(at, "convolution.chart.maps_title", lang)["data"]) == 8


def test_updating_a_figure_in_place_equals_building_it_afresh():
    """The page builds each figure once and updates it: the update must leave no trace of the first values."""

    def same(a, b):
        assert json.loads(pio.to_json(a)) == json.loads(pio.to_json(b))

    fig = charts.parameters_figure(1, 2)
    charts.update_parameters_figure(fig, 900_000, 10)
    same(fig, charts.parameters_figure(900_000, 10))
    x, sobel, sharpen = cv.sample_photo("china"), cv.preset_kernel("sobel_x"), cv.preset_kernel("sharpen")
    first, then = cv.patch_products(x, sobel, 1, 0, 3, 4), cv.patch_products(x, sharpen, 2, 1, 10, 20)
    fig = charts.closeup_figure(first[0], sobel, first[1])
    charts.update_closeup_figure(fig, then[0], sharpen, then[1])
    same(fig, charts.closeup_figure(then[0], sharpen, then[1]))
    small, layer = cv.resize(x, 30), cv.random_fc_layer(900, 100)
    fig = charts.shift_figure(cv.shift_demo(small, sobel, layer, 0, 0))
    charts.update_shift_figure(fig, cv.shift_demo(small, sobel, layer, 2, -3))
    same(fig, charts.shift_figure(cv.shift_demo(small, sobel, layer, 2, -3)))
    digit = cv.load_digits_data()[0][3]
    fig = charts.map_figure(digit, "digit", (0, 0, 3, 3))
    charts.move_box(fig, (4, 5, 3, 3))
    same(fig, charts.map_figure(digit, "digit", (4, 5, 3, 3)))
