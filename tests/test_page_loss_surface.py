"""Lesson 2's page in AppTest: every frame of the scrubbed walks against core, the exercises answered
right and wrong, prose that quotes numbers against core in every state it shows, the sections that
must never be empty, the URL, and the in-place figure updates against fresh builds."""

import math

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app_pages.loss_surface_sections import BOWL_LRS, WALK_LRS
from core import fitting as fit
from core import loss_surface as ls
from tests.apptest import plotly_array, run_clean, shown_spec
from ui import loss_surface_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "loss_surface.py"
START = (fit.K0, fit.B0)
X = ls.tea_data()[0]
LOW, HIGH = np.linalg.eigvalsh(np.array([[np.mean(X * X), np.mean(X)], [np.mean(X), 1.0]]))
BEST = ls.best_error()


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def chart(at: AppTest, key: str) -> dict:
    """The spec of the chart drawn with this key."""
    return shown_spec(at, next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key)))


class Texts(list):
    """Every text element's value; `in` compares without the catalogs' surrounding newlines."""

    def __contains__(self, text) -> bool:
        return any(text.strip() == value.strip() for value in self)


def texts(at: AppTest) -> Texts:
    return Texts(e.value for e in (*at.markdown, *at.success, *at.info, *at.warning, *at.error, *at.caption))


def success(at: AppTest, start: str) -> str:
    return next(s.value for s in at.success if s.value.startswith(start))


def factor(value: float) -> str:
    return f"{value:.6g}" if abs(value) > 1e-12 else "0"


def verdict(lang: str, lr: float, steps: int, standardized: bool) -> str:
    """What the page should say about a walk, from core's path and curvatures computed here."""
    path = ls.tea_path("gd", lr, START, steps, standardized)
    low, high = (1.0, 1.0) if standardized else (LOW, HIGH)
    rate = max(abs(1 - lr * low), abs(1 - lr * high))
    reached = path.steps_to(BEST * 1.01)
    if path.diverged_at is not None or rate > 1 + 1e-9:
        key = "diverges"
    elif math.isclose(rate, 1.0, rel_tol=1e-9):
        key = "bounces"
    else:
        key = ("zigzag" if lr * high > 1 else "smooth") + ("_reached" if reached is not None else "_crawls")
    early = min(10, len(path.losses) - 1)
    needed = math.ceil(math.log(0.01) / math.log(rate)) if 0 < rate < 1 else 0
    return load_catalog(lang)[f"loss_surface.verdict.{key}"].format(
        lr=f"{lr:g}", rate=factor(rate), start=f"{path.losses[0]:,.1f}", early=f"{path.losses[early]:,.1f}",
        n=early, error=f"{path.losses[-1]:,.1f}", best=f"{BEST:,.1f}", steps=len(path.losses) - 1,
        needed=f"{needed:,}", reached=reached, diverged=path.diverged_at,
    )  # fmt: skip


# --- The hero and the bowl: every frame is core's walk -------------------------------------------------------
def check_walk(spec: dict, lang: str, lr: float, steps: int, standardized: bool) -> None:
    """The walk as shown at rate `lr`: the path (and error curve) drawn are core's for that rate, and every
    frame of its row puts the headline, the point, the arrow (and the error's marker) at core's step."""
    lrs = BOWL_LRS if standardized else WALK_LRS
    row = lrs.index(lr)
    path = ls.tea_path("gd", lr, START, steps, standardized)
    last = len(path.losses) - 1
    names = ("k′", "b′") if standardized else ("k", "b")
    catalog = load_catalog(lang)
    assert len(spec["frames"]) == len(lrs) * (steps + 2) and spec["layout"]["meta"]["grid"] == steps + 1
    assert spec["layout"]["meta"]["redraw"] is False and all(trace["type"] == "scatter" for trace in spec["data"])
    walked = spec["data"][4]
    np.testing.assert_allclose(walked["x"], path.thetas[:, 0], atol=1e-5)
    np.testing.assert_allclose(walked["y"], path.thetas[:, 1], atol=1e-5)
    if not standardized:
        np.testing.assert_allclose(spec["data"][8]["y"], path.losses, atol=1e-3)
    for step in range(steps + 1):
        frame = spec["frames"][row * (steps + 1) + step]
        at = min(step, last)
        headline, point, arrow, *marker = frame["data"]
        np.testing.assert_allclose([point["x"][0], point["y"][0]], path.thetas[at], atol=1e-5)
        if marker:
            assert marker[0]["x"] == [at] and marker[0]["y"][0] == pytest.approx(path.losses[at], abs=1e-3)
        if step > last:
            expected = catalog["loss_surface.chart.walk_diverged_title"].format(
                step=path.diverged_at, last=last, lr=f"{lr:g}"
            )
            assert headline["text"] == [f"<b>{expected}</b>"] and arrow["x"] == [None, None]
            continue
        k, b = path.thetas[step]
        expected = catalog["loss_surface.chart.walk_title"].format(
            step=step, k_name=names[0], b_name=names[1], k=f"{k:.2f}", b=f"{b:.2f}", error=f"{path.losses[step]:,.1f}",
            lr=f"{lr:g}",
        )  # fmt: skip
        assert headline["text"] == [f"<b>{expected}</b>"]
        if arrow["x"][0] is not None:  # the arrow starts at the point and points along −gradient, as drawn on screen
            ks, bs = ls.tea_window(standardized, 2)
            shown = np.array([arrow["x"][1] - arrow["x"][0], arrow["y"][1] - arrow["y"][0]]) / [np.ptp(ks), np.ptp(bs)]
            downhill = -path.grads[step] / [np.ptp(ks), np.ptp(bs)]
            assert arrow["x"][0] == pytest.approx(k, abs=1e-5) and arrow["y"][0] == pytest.approx(b, abs=1e-5)
            np.testing.assert_allclose(shown / np.linalg.norm(shown), downhill / np.linalg.norm(downhill), atol=1e-4)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_frame_of_the_walk_is_gradient_descent_from_core(lang):
    at = run_page(lang)
    spec = chart(at, "loss_walk_chart")
    check_walk(spec, lang, 2e-3, 100, False)
    assert spec["layout"]["sliders"][0]["active"] == 100  # the whole walk on arrival
    assert at.select_slider(key="loss_lr").value == 2e-3 and at.slider(key="loss_step").value == 100
    bowl = chart(at, "loss_bowl_chart")
    check_walk(bowl, lang, 0.5, 30, True)
    assert bowl["layout"]["yaxis2"]["scaleanchor"] == "x2"  # the round bowl drawn round (the map: row 2)


@pytest.mark.parametrize("lr", [1e-5, 4e-3, 6e-3, 1e-2])
def test_other_rates_from_the_url_smooth_zigzag_and_diverging(lr):
    at = run_page("en", loss_lr=str(lr), loss_step="7", loss_bowl_lr="2.5")
    spec = chart(at, "loss_walk_chart")
    check_walk(spec, "en", lr, 100, False)
    assert spec["layout"]["sliders"][0]["active"] == 7
    check_walk(chart(at, "loss_bowl_chart"), "en", 2.5, 30, True)
    assert verdict("en", lr, 100, False) in texts(at)


# --- Prose that quotes numbers follows the state ---------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_sentence_with_a_number_matches_core(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    shown = texts(at)
    stall, best = f"{ls.sgd_stall():,.1f}", f"{BEST:,.1f}"
    assert catalog["loss_surface.intro"].format(stall=stall, best=best) in shown
    assert (stall, best) == ("3,558.4", "2,785.7")  # lesson 1's figures (CURRICULUM.md)
    mean, std = float(np.mean(X)), float(np.std(X))
    assert (
        catalog["loss_surface.bowl_intro"].format(mean=f"{mean:g}", std=f"{std:.2f}", ratio=f"{HIGH / LOW:,.0f}")
        in shown
    )
    k_s, b_s = fit.least_squares(*ls.tea_data(True))
    k, b = fit.least_squares(*ls.tea_data())
    back = catalog["loss_surface.back_explain"].format(k_s=f"{k_s:.2f}", b_s=f"{b_s:.2f}", k=f"{k:.4f}", b=f"{b:.2f}",
                                                       prediction=f"{fit.predict(35, k, b):.0f}")  # fmt: skip
    assert back in shown and "590" in back
    for lr in (1e-5, 1e-4, 1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 1e-2):  # the hero's every rate
        at.select_slider(key="loss_lr").set_value(lr).run()
        assert verdict(lang, lr, 100, False) in texts(at), lr
        curvature = catalog["loss_surface.curvature_explain"].format(
            high=f"{HIGH:.4g}", low=f"{LOW:.4g}", ratio=f"{HIGH / LOW:,.0f}", lr=f"{lr:g}",
            fast=f"{abs(1 - lr * HIGH):.4g}", slow=f"{abs(1 - lr * LOW):.6g}", edge=f"{1 / HIGH:.2g}",
            limit=f"{2 / HIGH:.2g}",
        )  # fmt: skip
        assert curvature in texts(at)
    for lr in (0.1, 0.5, 1.0, 1.5, 1.9, 2.0, 2.5):  # the bowl's every rate
        at.select_slider(key="loss_bowl_lr").set_value(lr).run()
        assert verdict(lang, lr, 30, True) in texts(at), lr


def test_the_rates_the_text_suggests_do_what_it_says():
    """walk_try: 1e-05 crawls, 0.004 zig-zags, 0.01 blows up; bowl_try: 1 is one step, 1.5 zig-zags and
    still closes in, 2 bounces for ever, 2.5 diverges."""
    en = load_catalog("en")
    assert all(v in en["loss_surface.walk_try"] for v in ("1e-05", "0.004", "0.01"))

    def judged(lr, steps, standardized):
        low_high = ls.curvatures(ls.tea_data(standardized)[0])
        return ls.judge(ls.tea_path("gd", lr, START, steps, standardized), lr, low_high, BEST)

    assert judged(2e-3, 100, False).regime == "smooth"  # ex1_question: "no step overshoots"
    crawl, zigzag, blow = judged(1e-5, 100, False), judged(4e-3, 100, False), judged(1e-2, 100, False)
    assert crawl.regime == "smooth" and crawl.reached_at is None
    assert zigzag.regime == "zigzag" and blow.regime == "diverges"
    one, zig, bounce, diverge = (judged(lr, 30, True) for lr in (1.0, 1.5, 2.0, 2.5))
    assert one.reached_at == 1 and (zig.regime, zig.reached_at is not None) == ("zigzag", True)
    assert bounce.regime == "bounces" and diverge.regime == "diverges"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_optimizer_race_reports_each_run(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    names = {name: catalog[f"loss_surface.opt.{name}"] for name in ls.OPTIMIZERS}
    gd, momentum, adam = (ls.tea_path(n, lr, START, 200, False) for n, lr in [("gd", 2e-3), ("momentum", 5e-4),
                                                                              ("adam", 2.0)])  # fmt: skip
    joiner = "" if lang == "zh" else " "
    expected = joiner.join([
        catalog["loss_surface.race_crawled"].format(name=names["gd"], error=f"{gd.losses[-1]:,.1f}"),
        catalog["loss_surface.race_crawled"].format(name=names["momentum"], error=f"{momentum.losses[-1]:,.1f}"),
        catalog["loss_surface.race_reached"].format(name=names["adam"], steps=adam.steps_to(BEST * 1.01)),
    ])  # fmt: skip
    assert expected in texts(at) and adam.steps_to(BEST * 1.01) == 82
    race = chart(at, "loss_race")
    np.testing.assert_allclose(_array(race["data"][5]["x"]), adam.thetas[:, 0])
    at.select_slider(key="loss_lr_gd").set_value(1e-2).run()
    diverged = ls.tea_path("gd", 1e-2, START, 200, False).diverged_at
    assert catalog["loss_surface.race_diverged"].format(name=names["gd"], step=diverged) in success(at, names["gd"])
    at.button_group(key="loss_opts").set_value([]).run()
    assert catalog["loss_surface.race_none"] in [i.value for i in at.info]


def _array(value) -> np.ndarray:
    """A trace's array as Plotly writes it: a list, or a base64 typed array {"dtype", "bdata"}."""
    import base64

    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
    return np.asarray(value, dtype=float)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_neuron_start_decides_the_minimum(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    loss_fn = ls.neuron_loss(*ls.neuron_data())
    minima = ls.neuron_map(grid=11, basin_grid=(3, 3)).minima
    best = f"{float(loss_fn(minima[0])[0]):.4f}"
    for (w, v), key in [((1.0, -1.0), "ended_local"), ((-1.0, 1.0), "ended_global")]:
        at.slider(key="loss_w0").set_value(w).run()
        at.slider(key="loss_v0").set_value(v).run()
        path = ls.descend(loss_fn, ls.GD(0.5), (w, v), 300)
        end = path.thetas[-1]
        expected = catalog[f"loss_surface.{key}"].format(
            w=f"{end[0]:.3f}", v=f"{end[1]:.3f}", loss=f"{path.losses[-1]:.4f}", steps=300, best=best
        )
        assert expected in texts(at)
        basins = chart(at, "loss_basins")
        assert (basins["data"][-1]["x"], basins["data"][-1]["y"]) == ([w], [v])  # the start, ringed on both maps


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_real_networks_landscape_is_there_on_arrival(lang):
    at = run_page(lang)
    assert not [b for b in at.button if b.key == "loss_mlp_train"], "no button stands before it"
    result = ls.mlp_landscape(ls.LandscapeConfig(), "cpu")
    contour = chart(at, "loss_mlp_contour")
    assert contour["data"][0]["type"] == "contour"
    np.testing.assert_allclose(_array(contour["data"][0]["customdata"]).reshape(result.loss.shape), result.loss,
                               rtol=1e-5)  # fmt: skip
    catalog = load_catalog(lang)
    text = catalog["loss_surface.mlp_result"].format(
        loss=f"{result.history[-1]:.4f}", accuracy=f"{100 * result.accuracy:.1f}",
        edge=f"{float(np.max(result.loss)):.2f}", span="1",
    )  # fmt: skip
    assert text in texts(at)
    centre = len(result.axis) // 2  # "the trained network sits at the bottom of the basin"
    assert result.axis[centre] == 0 and result.loss[centre, centre] == result.loss.min()
    assert not any(c.proto.id.endswith("loss_mlp_surface") for c in at.get("plotly_chart")), "drawn once opened"
    opened = run_page(lang, loss_filter_open="true")
    assert chart(opened, "loss_mlp_surface")["data"][0]["type"] == "surface"


# --- Predict, then check ------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang):
    catalog = load_catalog(lang)
    right, wrong = catalog["common.exercise.right"], catalog["common.exercise.wrong"]
    at = run_page(lang)
    at.radio(key="ex_loss_surface_1").set_value("zigzag").run()
    at.button(key="ex_loss_surface_1_check").click().run()
    step = ls.tea_path("gd", 6e-3, START, 100, False).diverged_at
    assert any(w.value.startswith(wrong) and f" {step}" in w.value for w in at.warning)
    at.radio(key="ex_loss_surface_1").set_value("explodes").run()
    assert any(s.value.startswith(right) and f"{1 - 6e-3 * HIGH:.2f}" in s.value for s in at.success)
    at.number_input(key="ex_loss_surface_2").set_value(3.0).run()
    at.button(key="ex_loss_surface_2_check").click().run()
    assert any(w.value.startswith(wrong) for w in at.warning)
    at.number_input(key="ex_loss_surface_2").set_value(1.0).run()
    assert any(s.value.startswith(right) and s.value.count("1") >= 1 for s in at.success)
    at.radio(key="ex_loss_surface_3").set_value("global").run()
    at.button(key="ex_loss_surface_3_check").click().run()
    assert any(w.value.startswith(wrong) and "0.2396" in w.value for w in at.warning)
    assert at.session_state["exercises_solved"]["loss_surface"] == {1, 2}
    at.radio(key="ex_loss_surface_3").set_value("local").run()
    assert at.session_state["exercises_solved"]["loss_surface"] == {1, 2, 3}


def test_presets_set_up_each_experiment():
    at = run_page("en")
    at.button(key="ex_loss_surface_1_preset").click().run()
    assert (at.select_slider(key="loss_lr").value, at.slider(key="loss_step").value) == (6e-3, 100)
    assert verdict("en", 6e-3, 100, False) in texts(at)
    at.button(key="ex_loss_surface_2_preset").click().run()
    assert at.select_slider(key="loss_bowl_lr").value == 1.0
    at.slider(key="loss_w0").set_value(-2.0).run()
    at.button(key="ex_loss_surface_3_preset").click().run()
    assert (at.slider(key="loss_w0").value, at.slider(key="loss_v0").value) == (1.0, -1.0)
    assert at.selectbox(key="loss_nn_opt").value == "gd" and at.select_slider(key="loss_nn_lr").value == 0.5


# --- The URL, bad values, the code ------------------------------------------------------------------------
def test_state_comes_from_the_url():
    at = run_page(
        loss_lr="0.004", loss_step="12", loss_bowl_lr="1", loss_w0="-1", loss_v0="1", loss_nn_opt="Adam"
    )  # the shown label
    assert at.select_slider(key="loss_lr").value == 4e-3 and at.slider(key="loss_step").value == 12
    assert chart(at, "loss_walk_chart")["layout"]["sliders"][0]["active"] == 12
    assert at.select_slider(key="loss_bowl_lr").value == 1.0 and at.selectbox(key="loss_nn_opt").value == "adam"


@pytest.mark.parametrize(
    "query",
    [{"loss_lr": "abc"}, {"loss_lr": "7", "loss_step": "999"}, {"loss_nn_opt": "rmsprop", "loss_bowl_lr": "-1"},
     {"loss_lr_adam": "1e9", "loss_w0": "nan"}],
)  # fmt: skip
def test_bad_values_in_the_url_fall_back_to_defaults(query):
    at = run_page(**query)  # run_page asserts there is no exception
    assert at.select_slider(key="loss_lr").value == 2e-3 or "loss_lr" not in query
    assert chart(at, "loss_walk_chart")["frames"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_code_and_words(lang):
    at = run_page(lang)
    at.session_state["show_code"] = True
    at.run()
    code = "\n".join(c.value for c in at.code)
    assert "class Adam" in code and "class Momentum" in code and "def descend" in code and "def judge" in code
    assert any(load_catalog(lang)["loss_surface.chart.downhill"] in t.get("name", "")
               for t in chart(at, "loss_walk_chart")["data"])  # fmt: skip


# --- Figures updated in place equal fresh builds -------------------------------------------------------------
def _descents():
    return ls.tea_path("gd", 2e-3, START, 50, False), ls.tea_path("adam", 0.5, START, 80, False)


def test_race_update_equals_a_fresh_build():
    ks, bs = ls.tea_window(False, 30)
    z = ls.surface(ls.line_loss(*ls.tea_data()), ks, bs)
    a, b = _descents()
    labels = ("title", "k", "b")
    figure = charts.race_figure(ks, bs, z, {"gd": ("η = 1", a), "adam": ("η = 2", a)}, (-9.1, 910.0), labels)
    charts.update_race(figure, {"gd": ("η = 3", b), "adam": ("η = 4", a)})
    fresh = charts.race_figure(ks, bs, z, {"gd": ("η = 3", b), "adam": ("η = 4", a)}, (-9.1, 910.0), labels)
    assert figure.to_json() == fresh.to_json()


def test_the_3d_surface_waits_for_its_toggle_and_then_carries_this_walk():
    at = run_page(loss_lr="0.003")
    assert not any(c.proto.id.endswith("loss_surface3d") for c in at.get("plotly_chart"))
    at.toggle(key="loss_3d").set_value(True).run()
    path = ls.tea_path("gd", 3e-3, START, 100, False)
    walk = chart(at, "loss_surface3d")["data"][1]
    shown = plotly_array(walk["x"])
    assert np.isfinite(shown).sum() > 10
    np.testing.assert_allclose(shown[np.isfinite(shown)], path.thetas[: len(shown), 0][np.isfinite(shown)], rtol=1e-6)


def test_surface_update_equals_a_fresh_build():
    ks, bs = ls.tea_window(False, 20)
    z = ls.surface(ls.line_loss(*ls.tea_data()), ks, bs)
    a, b = _descents()
    figure = charts.surface_figure(ks, bs, z, a, ("t", "k", "b"))
    charts.update_surface_path(figure, ks, bs, b)
    assert figure.to_json() == charts.surface_figure(ks, bs, z, b, ("t", "k", "b")).to_json()


def test_neuron_and_basin_updates_equal_fresh_builds():
    landscape = ls.neuron_map(grid=15, basin_grid=(5, 4))
    loss_fn = ls.neuron_loss(*ls.neuron_data())
    a, b = (ls.descend(loss_fn, ls.GD(0.5), start, 30) for start in [(1.0, -1.0), (-2.0, 0.5)])
    args = (landscape.ws, landscape.vs, landscape.loss, landscape.minima, landscape.saddles)
    figure = charts.neuron_figure(*args, a, "one")
    charts.update_neuron_figure(figure, b, "two")
    assert figure.to_json() == charts.neuron_figure(*args, b, "two").to_json()
    basin_args = (landscape.basin_ws, landscape.basin_vs, landscape.basins, landscape.minima)
    basins = charts.basins_figure(*basin_args, (1.0, -1.0))
    charts.update_basins_start(basins, (-2.0, 0.5))
    assert basins.to_json() == charts.basins_figure(*basin_args, (-2.0, 0.5)).to_json()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_out_of_memory_on_arrival_is_explained_and_a_button_tries_again(lang, monkeypatch):
    import torch

    catalog = load_catalog(lang)
    calls = []

    def out_of_memory(config, device, on_progress=None):
        calls.append(device)
        raise torch.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(ls, "mlp_landscape", out_of_memory)
    st.cache_resource.clear()  # another test's landscape may be cached already
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception and calls
    assert catalog["common.out_of_memory"] in [e.value for e in at.error]
    at.slider(key="loss_step").set_value(3).run()  # another widget: no new attempt, no stale error
    assert len(calls) == 1 and catalog["loss_surface.mlp_failed"] in [i.value for i in at.info]
    assert catalog["common.out_of_memory"] not in [e.value for e in at.error]
    monkeypatch.undo()
    at.button(key="loss_mlp_retry").click().run(timeout=300)
    assert not at.exception and chart(at, "loss_mlp_contour")["data"][0]["type"] == "contour"
    assert not [b for b in at.button if b.key == "loss_mlp_retry"]


def test_log_ticks_are_full_numbers_at_a_readable_density():
    assert charts.log_ticks(2532, 7312)["ticktext"] == ["3,000", "4,000", "5,000", "6,000", "7,000"]
    assert charts.log_ticks(2532, 72_000)["ticktext"] == ["5,000", "10,000", "20,000", "50,000"]
    ticks = charts.log_ticks(2532, 7.2e6)
    assert ticks["ticktext"] == ["10,000", "100,000", "1,000,000"] and ticks["tickvals"] == [1e4, 1e5, 1e6]


def test_the_map_under_the_walk_is_the_loss_surface_drawn_the_right_way_up():
    """The walk's map is a picture (so that no jump redraws the figure): on the round bowl its darkest
    pixel is the least-squares point, its colours Plotly's scale at both ends."""
    import base64
    import io

    from PIL import Image

    ks, bs = ls.tea_window(True, 200)
    z = ls.surface(ls.line_loss(*ls.tea_data(True)), ks, bs)
    image = charts.surface_image(ks, bs, z)
    picture = np.asarray(Image.open(io.BytesIO(base64.b64decode(image["source"].split(",")[1]))).convert("L"), float)
    row, col = np.unravel_index(np.argmin(picture), picture.shape)
    k = image["x"] + (col + 0.5) / picture.shape[1] * image["sizex"]
    b = image["y"] - (row + 0.5) / picture.shape[0] * image["sizey"]  # the first row is the top: the highest b′
    k_s, b_s = fit.least_squares(*ls.tea_data(True))
    assert abs(k - k_s) < 0.03 * image["sizex"] and abs(b - b_s) < 0.03 * image["sizey"], (k, b, k_s, b_s)
    assert (
        picture.min() < 60 and picture.max() > 220
    )  # Blues_r: dark navy at the lowest loss, near white at the highest
