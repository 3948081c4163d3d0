"""Lesson 5's page in AppTest: every frame of its three scrub figures against a direct core call,
its exercises answered right and wrong, prose that follows the state, bad input, the course's
default CNN run and the learner's own, and what stays in the learner's session."""

import base64
import io
import json

import numpy as np
import plotly.io as pio
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from app_pages import convolution_cnn
from core import convolution as cv
from tests.apptest import run_clean, shown_spec
from ui import convolution_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "convolution.py"
DIGIT = cv.load_digits_data()[0][0]  # the hero's digit, a handwritten 0
SHIFTS = list(range(-4, 5))


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def chart(at: AppTest, key: str) -> dict:
    """The spec of the chart drawn with this key (scrub figures carry their states as frames)."""
    return shown_spec(at, next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key)))


def array(value) -> np.ndarray:
    """Plotly writes NumPy arrays as typed arrays ({"dtype", "bdata", "shape"}); plain lists stay lists."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(n) for n in str(value.get("shape", len(flat))).split(",")]
        return flat.reshape(shape).astype(float)
    if value and isinstance(value[0], list):  # rows, None where a cell is empty
        return np.array([[np.nan if v is None else v for v in row] for row in value], dtype=float)
    return np.array(value, dtype=float)


def texts(at: AppTest) -> list[str]:
    return [m.value for kind in ("markdown", "success", "info", "caption", "warning") for m in at.get(kind)]


def latex(at: AppTest) -> str:
    return "\n".join(x.value for x in at.latex)


# --- The hero --------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kernel", ["sobel_x", "box_blur"])
def test_every_stop_of_the_hero_is_a_direct_core_call(lang, kernel):
    at = run_page(lang)
    if kernel != "sobel_x":
        at.selectbox(key="conv_kernel").set_value(kernel).run()
    spec = chart(at, "conv_slide_chart")
    k = cv.preset_kernel(kernel)
    y = cv.conv2d(DIGIT, k)
    assert len(spec["frames"]) == 36 == y.size
    title = load_catalog(lang)["convolution.chart.slide_frame"]
    for n, frame in enumerate(spec["frames"]):
        i, j = divmod(n, 6)
        patch, products, value = cv.patch_products(DIGIT, k, 1, 0, i, j)
        box, cells, filled, cell = frame["data"]
        assert (min(box["x"]), min(box["y"])) == (j - 0.5, i - 0.5) and max(box["x"]) == j + 2.5
        np.testing.assert_allclose(array(cells["z"]), products, atol=1e-12)
        assert cells["text"][0][0] == f"{patch[0, 0]:.2f} × {k[0, 0]:.3g}<br>= {products[0, 0]:.2f}"
        shown = array(filled["z"]).ravel()
        np.testing.assert_allclose(shown[: n + 1], y.ravel()[: n + 1], atol=1e-12)  # filled in so far
        assert np.isnan(shown[n + 1 :]).all()  # not reached yet
        assert (min(cell["x"]), min(cell["y"])) == (j - 0.5, i - 0.5)
        assert frame["layout"]["title"]["text"] == title.format(row=i, col=j, value=f"{value:.2f}")
    active = spec["layout"]["sliders"][0]["active"]
    assert active == 14  # row 2, column 2
    np.testing.assert_allclose(array(spec["data"][2]["z"]), array(spec["frames"][14]["data"][1]["z"]))


def test_the_url_sets_the_stop_and_the_keyboard_path_moves_it():
    at = run_page(conv_stop="(4, 5)")
    assert chart(at, "conv_slide_chart")["layout"]["sliders"][0]["active"] == 29
    at.select_slider(key="conv_stop").set_value("(0, 0)").run()
    spec = chart(at, "conv_slide_chart")
    assert spec["layout"]["sliders"][0]["active"] == 0 and "row 0, column 0" in spec["layout"]["title"]["text"]


@pytest.mark.parametrize("kernel", cv.PRESETS)
def test_what_you_saw_under_the_hero_follows_the_kernel(kernel):
    at = run_page()
    at.selectbox(key="conv_kernel").set_value(kernel).run()
    (hi, hi_row, hi_col), (lo, lo_row, lo_col) = cv.extremes(cv.conv2d(DIGIT, cv.preset_kernel(kernel)))
    en = load_catalog("en")
    (saw,) = [s.value for s in at.success if s.value.startswith(en["convolution.slide_saw"][:20])]
    assert en["convolution.slide_saw"].format(hi=f"{hi:.2f}", hi_row=hi_row, hi_col=hi_col) in saw
    negative = en["convolution.slide_saw_negative"].format(lo=f"{lo:.2f}", lo_row=lo_row, lo_col=lo_col)
    assert (negative in saw) == (lo < 0)  # a blur has no negative output: no sentence about one


# --- Any image: stride, padding, pooling -------------------------------------------------------------
def test_stride_padding_and_pooling_reach_the_figure_and_the_formula():
    at = run_page()
    titles = [a["text"] for a in chart(at, "conv_images")["layout"]["annotations"]]
    assert "342×512" in titles[0] and "340×510" in titles[1] and titles[2].endswith("170×255")
    assert r"(342 + 2\cdot 0 - 3) / 1" in latex(at) and "= 340" in latex(at) and "= 510" in latex(at)
    at.slider(key="conv_stride").set_value(2).run()
    at.slider(key="conv_padding").set_value(1).run()
    text = latex(at)
    assert r"(342 + 2\cdot 1 - 3) / 2" in text and "= 171" in text and "= 256" in text
    y = cv.conv2d(cv.sample_photo("china"), cv.preset_kernel("sobel_x"), 2, 1)
    assert y.shape == (171, 256)
    titles = [a["text"] for a in chart(at, "conv_images")["layout"]["annotations"]]
    assert "171×256" in titles[1] and f"{y.min():.3g}" in titles[1] and titles[2].endswith("85×128")
    at.select_slider(key="conv_pool_size").set_value(3).run()
    pooled = cv.max_pool2d(cv.relu(y), 3)
    titles = [a["text"] for a in chart(at, "conv_images")["layout"]["annotations"]]
    assert titles[2].endswith(f"{pooled.shape[0]}×{pooled.shape[1]}")
    share = load_catalog("en")["convolution.pool_explain"].format(
        before="175,104", after=f"{pooled.size:,}", percent=f"{pooled.size / (342 * 512):.1%}"
    )
    assert share in texts(at)


def test_a_small_digit_shows_its_values_and_a_window_too_big_to_pool_gets_a_message():
    at = run_page(conv_stride="4", conv_pool_size="4")
    at.button_group(key="conv_source").set_value("digit").run()
    at.number_input(key="conv_digit_index").set_value(5).run()
    at.button_group(key="conv_size").set_value(5).run()
    assert not at.exception
    spec = chart(at, "conv_images")
    x = cv.load_digits_data()[0][5]
    np.testing.assert_allclose(array(spec["data"][0]["z"]), x)  # a heatmap: values on hover
    np.testing.assert_allclose(array(spec["data"][1]["z"]), cv.conv2d(x, cv.preset_kernel("sobel_x", 5), 4, 0))
    assert len(spec["data"]) == 2  # the 1×1 map cannot be pooled with a 4×4 window
    assert load_catalog("en")["convolution.too_small_to_pool"].format(size=4) in [i.value for i in at.info]


def test_the_kernel_preset_and_size_reach_the_feature_map():
    at = run_page(conv_stride="2")
    at.button_group(key="conv_source").set_value("digit").run()
    at.selectbox(key="conv_preset").set_value("sharpen").run()
    x = cv.load_digits_data()[0][0]
    np.testing.assert_allclose(
        array(chart(at, "conv_images")["data"][1]["z"]), cv.conv2d(x, cv.preset_kernel("sharpen"), 2, 0)
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_broken_kernel_cell_gets_a_message_and_the_preset_is_used(lang):
    at = run_page(lang)
    at.session_state["conv_kernel_sobel_x_3"] = {"edited_rows": {0: {"1": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    assert load_catalog(lang)["convolution.errors.kernel_not_a_number"] in [e.value for e in at.error]


def test_an_edited_kernel_and_its_figure_stay_in_the_learners_session():
    at = run_page()
    at.session_state["conv_kernel_sobel_x_3"] = {"edited_rows": {0: {"1": 7}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    k = cv.preset_kernel("sobel_x")
    k[0, 0] = 7  # column "1" is the first
    kept = at.session_state["private_cache"]["conv_feature"]
    ((image_id, kernel, stride, padding),) = kept.keys()
    assert image_id == "photo:china" and np.array_equal(kernel, k)
    np.testing.assert_allclose(next(iter(kept.values())), cv.conv2d(cv.sample_photo("china"), k))
    assert at.session_state["_figure_conv_images"][0][2] == kernel  # built in the session, not shared


# --- Uploads ---------------------------------------------------------------------------------------------
def upload(at: AppTest, data: bytes, name: str, mime: str = "image/png") -> AppTest:
    if at.button_group(key="conv_source").value != "upload":
        at.button_group(key="conv_source").set_value("upload").run()
    return at.file_uploader(key="conv_upload").set_value((name, data, mime)).run()


def png_bytes(pixels: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def test_an_uploaded_image_is_used_in_grayscale_and_kept_in_the_session():
    pixels = np.random.default_rng(0).integers(0, 256, size=(48, 64, 3), dtype=np.uint8)
    at = upload(run_page(), png_bytes(pixels, "JPEG"), "mine.jpg", "image/jpeg")
    assert not at.exception and not at.error
    assert "48×64" in chart(at, "conv_images")["layout"]["annotations"][0]["text"]
    private = at.session_state["private_cache"]
    assert set(private) >= {"conv_upload", "conv_feature", "conv_pool"}
    assert all(key[0].startswith("upload:") for key in private["conv_feature"])
    assert at.session_state["_figure_conv_images"][0][1].startswith("upload:")


def test_an_uploaded_image_survives_leaving_the_uploader_and_goes_when_removed():
    pixels = np.random.default_rng(2).integers(0, 256, size=(40, 56), dtype=np.uint8)
    at = upload(run_page(), png_bytes(pixels), "mine.png")
    at.button_group(key="conv_source").set_value("photo").run()  # the uploader is gone, and forgets its file
    at.button_group(key="conv_source").set_value("upload").run()
    assert not at.exception and at.file_uploader(key="conv_upload").value is None
    assert load_catalog("en")["convolution.using_kept"] in texts(at)
    assert "40×56" in chart(at, "conv_images")["layout"]["annotations"][0]["text"]
    at.file_uploader(key="conv_upload").set_value(("mine.png", png_bytes(pixels), "image/png")).run()
    at.file_uploader(key="conv_upload").set_value(None).run()  # the learner removes it
    assert "342×512" in chart(at, "conv_images")["layout"]["annotations"][0]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bad_uploads_get_a_clear_message(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    noise = np.random.default_rng(1).integers(0, 256, size=(40, 40), dtype=np.uint8)
    for data, name, code, fields in (
        (b"just some text", "notes.png", "not_an_image", {}),
        (png_bytes(noise)[:400], "cut.png", "corrupt", {}),
        (png_bytes(np.zeros((4, 40), np.uint8)), "thin.png", "too_small", {"side": 8}),
    ):
        upload(at, data, name)
        assert not at.exception, name
        assert [e.value for e in at.error] == [catalog[f"convolution.errors.{code}"].format(**fields)], name
        assert catalog["convolution.using_sample"] in [i.value for i in at.info]  # the page still works


def test_upload_source_without_a_file_falls_back_to_the_photo():
    at = run_page()
    at.button_group(key="conv_source").set_value("upload").run()
    assert not at.exception
    assert load_catalog("en")["convolution.using_sample"] in [i.value for i in at.info]
    assert "342×512" in chart(at, "conv_images")["layout"]["annotations"][0]["text"]


def test_every_error_code_has_a_message_in_both_languages():
    codes = {"too_large", "too_many_pixels", "not_an_image", "corrupt", "too_small", "side_too_long", "too_elongated"}
    codes |= {"kernel_not_a_number", "kernel_shape", "kernel_too_large"}
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        assert {key.rsplit(".", 1)[1] for key in catalog if key.startswith("convolution.errors.")} == codes


# --- Why not a fully connected layer -----------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_curriculums_weight_counts_and_the_ratio_follow_the_sliders(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    bars = chart(at, "conv_params_chart")["data"][0]
    assert list(array(bars["y"])) == [900_000, 9]  # 30×30 image into 1,000 neurons; one 3×3 filter, weights only
    assert "900{,}000" in latex(at)
    explain = catalog["convolution.params_explain"]
    assert explain.format(ratio="100,000", fc_total="901,000", conv_total="10") in texts(at)
    at.slider(key="conv_filters").set_value(64).run()
    at.slider(key="conv_side").set_value(64).run()
    assert list(array(chart(at, "conv_params_chart")["data"][0]["y"])) == [64 * 64 * 1000, 576]
    assert explain.format(ratio=f"{64 * 64 * 1000 / 576:,.0f}", fc_total="4,097,000", conv_total="640") in texts(at)


def shift_demos():
    small = cv.resize(DIGIT, 30)
    return cv.shift_sweep(small, cv.preset_kernel("sobel_x"), cv.random_fc_layer(900, 1000, seed=0), SHIFTS)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_shift_frame_is_a_direct_core_call_and_the_summary_covers_them_all(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    spec = chart(at, "conv_shift_chart")
    demos = shift_demos()
    assert len(spec["frames"]) == len(SHIFTS)
    np.testing.assert_allclose(array(spec["data"][3]["x"]), demos[4].fc_before)  # before the shift, every frame
    for frame, dx, demo in zip(spec["frames"], SHIFTS, demos):
        image, fmap, outputs = frame["data"]
        np.testing.assert_allclose(array(image["z"]), demo.image_after, atol=1e-6)
        np.testing.assert_allclose(array(fmap["z"]), demo.conv_after, atol=1e-5)
        np.testing.assert_allclose(array(outputs["y"]), demo.fc_after, atol=1e-6)
        title = catalog["convolution.chart.shift_frame"].format(
            dx=f"{dx:+d}" if dx else "0", gap=f"{demo.conv_gap:.2g}", change=f"{demo.fc_change:.0%}"
        )
        assert frame["layout"]["title"]["text"] == title
    assert spec["layout"]["sliders"][0]["active"] == SHIFTS.index(2)
    changes = [d.fc_change for d, dx in zip(demos, SHIFTS) if dx]
    summary = catalog["convolution.shift_saw"].format(
        first=-4,
        last="+4",
        gap=f"{max(d.conv_gap for d in demos):.2g}",
        lo=f"{min(changes):.0%}",
        hi=f"{max(changes):.0%}",
    )
    assert summary in texts(at)


# --- The small CNN ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_cnn_section_shows_the_courses_run_on_arrival_epoch_by_epoch(lang):
    catalog = load_catalog(lang)
    run = cv.load_run(convolution_cnn.RUN_DIR)
    at = run_page(lang)
    spec = chart(at, "conv_epochs_chart")
    assert len(spec["frames"]) == run.config.epochs + 1
    for epoch, frame in enumerate(spec["frames"]):
        for c in range(8):
            np.testing.assert_allclose(array(frame["data"][c]["z"]), run.cnn.kernels[epoch][c], atol=1e-7)
        if epoch:
            cnn, mlp = run.cnn.test_accuracy[epoch - 1], run.mlp.test_accuracy[epoch - 1]
            assert frame["data"][8]["y"] == [pytest.approx(cnn * 100)] and frame["data"][9]["y"] == [
                pytest.approx(mlp * 100)
            ]
            title = catalog["convolution.chart.epoch_frame"].format(
                epoch=epoch, total=20, cnn=f"{cnn:.1%}", mlp=f"{mlp:.1%}", test=450
            )
            assert frame["layout"]["title"]["text"] == title
    assert spec["layout"]["sliders"][0]["active"] == 20
    busiest = int(np.argmax(cv.kernel_changes(run.cnn.kernels))) + 1
    saw = catalog["convolution.cnn_saw"].format(
        epochs=20, test=450, busiest=busiest, cnn=f"{run.cnn.test_accuracy[-1]:.1%}",
        mlp=f"{run.mlp.test_accuracy[-1]:.1%}", cnn_params="1,898", mlp_params="1,885",
    )  # fmt: skip
    assert saw in texts(at)
    seconds = f"{run.cnn.seconds + run.mlp.seconds:.1f}"
    assert catalog["convolution.default_run"].format(seed=0, seconds=seconds) in texts(at)
    confusion = array(chart(at, "conv_confusion")["data"][0]["z"])
    assert confusion.sum() == 450 and confusion.trace() == round(run.cnn.test_accuracy[-1] * 450)


def test_without_the_shipped_run_only_the_cnn_section_steps_aside(monkeypatch, tmp_path):
    monkeypatch.setattr(convolution_cnn, "RUN_DIR", tmp_path / "nowhere")
    at = run_page()
    message = load_catalog("en")["convolution.run_missing"].format(path="nowhere", problem="FileNotFoundError")
    assert message in [e.value for e in at.error]
    assert [b for b in at.button if b.key == "conv_train"], "the learner can still train"
    assert chart(at, "conv_slide_chart")["frames"]


@pytest.mark.slow
def test_training_replaces_the_courses_run_with_the_learners():
    at = run_page(lang="zh")
    at.number_input(key="conv_seed").set_value(3).run()
    at.button(key="conv_train").click().run(timeout=300)
    assert not at.exception, [e.value for e in at.exception]
    _, run, _ = at.session_state["conv_run"]
    assert load_catalog("zh")["convolution.own_run"].format(seed=3) in texts(at)
    spec = chart(at, "conv_epochs_chart")
    np.testing.assert_allclose(array(spec["frames"][-1]["data"][0]["z"]), run.cnn.kernels[-1][0], atol=1e-7)
    assert run.cnn.test_accuracy[-1] >= 0.95
    busiest = int(np.argmax(cv.kernel_changes(run.cnn.kernels))) + 1
    saw = load_catalog("zh")["convolution.cnn_saw"].format(
        epochs=20, test=450, busiest=busiest, cnn=f"{run.cnn.test_accuracy[-1]:.1%}",
        mlp=f"{run.mlp.test_accuracy[-1]:.1%}", cnn_params="1,898", mlp_params="1,885",
    )  # fmt: skip
    assert saw in texts(at)  # the feedback follows the learner's run, not the course's
    at.slider(key="conv_test_digit").set_value(17).run()
    assert not at.exception and len(chart(at, "conv_maps")["data"]) == 9  # the digit and 8 feature maps


# --- Exercises -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang):
    catalog = load_catalog(lang)
    right, wrong = catalog["common.exercise.right"], catalog["common.exercise.wrong"]
    at = run_page(lang)
    s = cv.sweep(DIGIT, cv.preset_kernel("sobel_x"))
    stop = int(np.argmax(s.y.ravel()))
    at.radio(key="ex_convolution_1").set_value("negative").run()
    at.button(key="ex_convolution_1_check").click().run()
    assert any(w.value.startswith(wrong) and f"{s.y.max():.2f}" in w.value for w in at.warning)
    at.radio(key="ex_convolution_1").set_value("positive").run()
    assert any(m.value.startswith(right) for m in at.success)
    at.button(key="ex_convolution_1_preset").click().run()
    assert (
        at.select_slider(key="conv_stop").value == f"({stop // 6}, {stop % 6})"
        and at.selectbox(key="conv_kernel").value == "sobel_x"
    )

    at.radio(key="ex_convolution_2").set_value("changes").run()
    at.button(key="ex_convolution_2_check").click().run()
    change = f"{shift_demos()[SHIFTS.index(2)].fc_change:.0%}"
    assert any(w.value.startswith(wrong) and change in w.value for w in at.warning)
    at.radio(key="ex_convolution_2").set_value("moves").run()
    assert any(m.value.startswith(right) for m in at.success)
    at.select_slider(key="conv_shift").set_value(-3).run()
    at.button(key="ex_convolution_2_preset").click().run()
    assert at.select_slider(key="conv_shift").value == 2

    at.number_input(key="ex_convolution_3").set_value(21).run()
    at.button(key="ex_convolution_3_check").click().run()
    assert any(w.value.startswith(wrong) and "22" in w.value for w in at.warning)
    at.number_input(key="ex_convolution_3").set_value(22).run()
    assert any(m.value.startswith(right) and "440" in m.value for m in at.success)  # 22 updates × 20 epochs
    assert at.session_state["exercises_solved"]["convolution"] == {1, 2, 3}


# --- Figures updated in place ----------------------------------------------------------------------------
def test_updating_a_figure_in_place_equals_building_it_afresh():
    def same(a, b):
        assert json.loads(pio.to_json(a)) == json.loads(pio.to_json(b))

    fig = charts.parameters_figure(1, 2)
    charts.update_parameters_figure(fig, 900_000, 9)
    same(fig, charts.parameters_figure(900_000, 9))
