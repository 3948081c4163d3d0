"""Lesson 2 — Loss surfaces and gradient descent: the milk-tea ravine, optimizers, minima, a real net."""

import numpy as np
import pandas as pd
import streamlit as st

from core import fitting as fit
from core import loss_surface as ls
from core.device import get_device
from ui import loss_surface_charts as charts
from ui.figures import chart
from ui.frame import lesson_footer
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code
from ui.training_slot import train_with_progress
from ui.widgets import slider

# Slider ranges and defaults, in one place: (min, max, default, step).
START_K = (-25.0, 5.0, fit.K0, 0.5)
START_B = (500.0, 1300.0, fit.B0, 10.0)
STEPS = (10, 500, 200, 10)
LEARNING_RATES = tuple(float(f"{m}e{e}") for e in range(-6, 1) for m in (1, 2, 5))  # 1e-6, 2e-6, 5e-6 ... 5
DEFAULT_LR = {  # per optimizer, for raw prices and for standardized prices
    False: {"sgd": fit.ARTICLE_LR, "gd": 2e-3, "momentum": 5e-4, "adam": 2.0},
    True: {"sgd": 0.05, "gd": 0.5, "momentum": 0.1, "adam": 5.0},
}
GRID = 200  # surfaces are computed on GRID x GRID points ...
DRAWN = 100  # ... and drawn on DRAWN x DRAWN of them, edges included: a quarter of the bytes to the browser
TEA_DRAWN = 60  # the milk-tea bowl is a smooth quadratic: fewer points draw it as well, and it redraws on every move
NEURON_W = (-3.0, 3.0, 1.0, 0.1)
NEURON_V = (-2.0, 2.0, -1.0, 0.1)
NEURON_LRS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0)
NEURON_STEPS = 300
BASIN_GRID, BASIN_LR, BASIN_STEPS = (61, 41), 0.5, 400  # the basin map: starts, and the descent from each
LANDSCAPE = ls.LandscapeConfig()


def thinned(xs, ys, z, drawn: int = DRAWN):
    """`drawn` evenly spread grid lines, keeping the first and last, in float32: what the browser draws."""
    i = np.linspace(0, len(xs) - 1, drawn).round().astype(int)
    j = np.linspace(0, len(ys) - 1, drawn).round().astype(int)
    return xs[i], ys[j], z[np.ix_(j, i)].astype(np.float32)


@st.cache_data(max_entries=4)
def tea_surface(standardized: bool):
    x, y = ls.tea_data(standardized)
    if standardized:  # a square window around the minimum: the bowl is round
        k_best, b_best = fit.least_squares(x, y)
        ks, bs = np.linspace(k_best - 125, k_best + 125, GRID), np.linspace(b_best - 125, b_best + 125, GRID)
    else:
        ks, bs = np.linspace(START_K[0], START_K[1], GRID), np.linspace(START_B[0], START_B[1], GRID)
    return ks, bs, ls.surface(ls.line_loss(x, y), ks, bs)


@st.cache_resource(max_entries=2)
def tea_drawn(standardized: bool):
    """The thinned surface the browser draws; shared read-only by every learner's figure."""
    return thinned(*tea_surface(standardized), TEA_DRAWN)


@st.cache_data(max_entries=512)
def tea_path(name: str, lr: float, start: tuple, steps: int, standardized: bool) -> ls.Path:
    return ls.tea_path(name, lr, start, steps, standardized)


@st.cache_data
def neuron_landscape():
    x, y = ls.neuron_data()
    loss_fn = ls.neuron_loss(x, y)
    ws, vs = np.linspace(*NEURON_W[:2], GRID), np.linspace(*NEURON_V[:2], GRID)
    starts = [(w, v) for w in np.linspace(-2.5, 2.5, 6) for v in np.linspace(-1.5, 1.5, 5)]
    points = sorted(ls.critical_points(loss_fn, starts), key=lambda p: float(loss_fn(p[0])[0]))
    minima = [p for p, kind in points if kind == "minimum"]
    bw, bv = np.linspace(*NEURON_W[:2], BASIN_GRID[0]), np.linspace(*NEURON_V[:2], BASIN_GRID[1])
    labels = ls.basins(loss_fn, minima, bw, bv, BASIN_LR, BASIN_STEPS)
    return ws, vs, ls.surface(loss_fn, ws, vs), points, (bw, bv, labels)


@st.cache_data(max_entries=64)
def neuron_path(name: str, lr: float, start: tuple) -> ls.Path:
    x, y = ls.neuron_data()
    return ls.descend(ls.neuron_loss(x, y), ls.make_optimizer(name, lr), start, NEURON_STEPS)


@st.cache_resource(max_entries=2)
def mlp_landscape(config: ls.LandscapeConfig, device: str, _on_progress=None) -> ls.Landscape:
    return ls.mlp_landscape(config, device, _on_progress)  # same seed, same result: shared by all learners


# --- 1. The milk-tea surface and four optimizers --------------------------------------------------
@st.fragment
def tea_section():
    """Controls, surface, paths and the table: reruns alone when one of its widgets moves."""
    st.header(t("loss_surface.tea_header"))
    c1, c2, c3 = st.columns(3)
    with c1:
        k0 = slider("loss_surface.start_k", START_K, "loss_k0", help=t("loss_surface.start_help"))
    with c2:
        b0 = slider("loss_surface.start_b", START_B, "loss_b0", help=t("loss_surface.start_help"))
    with c3:
        steps = slider("loss_surface.steps_label", STEPS, "loss_steps", help=t("loss_surface.steps_help"))
    scaled = st.toggle(
        t("loss_surface.scaled_label"), key="loss_scaled", bind="query-params", help=t("loss_surface.scaled_help")
    )
    picked, lrs = {}, {}
    for column, name in zip(st.columns(4), ls.OPTIMIZERS):
        with column:
            picked[name] = st.checkbox(t(f"loss_surface.opt.{name}"), True, key=f"loss_show_{name}")
            lrs[name] = st.select_slider(
                t("loss_surface.lr_label"),
                LEARNING_RATES,
                DEFAULT_LR[scaled][name],
                format_func=lambda v: f"{v:g}",
                key=f"loss_lr_{name}{'_std' if scaled else ''}",  # raw and standardized keep their own rates
                bind="query-params",
                disabled=not picked[name],
            )

    x, y = ls.tea_data(scaled)
    k_best, b_best = fit.least_squares(x, y)
    best = fit.dataset_error(x, y, k_best, b_best)
    paths = {
        name: (
            f"{t(f'loss_surface.opt.{name}')} (η = {lrs[name]:g})",
            tea_path(name, lrs[name], (k0, b0), steps, scaled),
        )
        for name in ls.OPTIMIZERS
        if picked[name]
    }
    axis_keys = ("k_std_axis", "b_std_axis") if scaled else ("k_axis", "b_axis")
    labels = (t("loss_surface.chart.tea_title"), *(t(f"loss_surface.chart.{key}") for key in axis_keys))
    minimum = [(k_best, b_best, t("loss_surface.chart.least_squares"), "star")]
    view = st.segmented_control(
        t("loss_surface.view_label"),
        ("contour", "surface"),
        default="contour",
        format_func={v: t(f"loss_surface.view.{v}") for v in ("contour", "surface")}.get,  # translated now
        key="loss_view",
        bind="query-params",
    )
    # Built once per view, scaling and set of optimizers; the paths are updated in place as they move.
    signature = (view, scaled, tuple(paths), current_language())
    if view == "surface":
        chart(
            "loss_surface3d",
            signature,
            build=lambda: charts.surface_figure(*tea_drawn(scaled), paths, labels),
            update=lambda fig: charts.update_surface_paths(fig, *tea_drawn(scaled)[:2], paths),
        )
    else:
        chart(
            "loss_contour",
            signature,
            build=lambda: charts.contour_figure(*tea_drawn(scaled), paths, minimum, labels, equal_axes=scaled),
            update=lambda fig: charts.update_contour_paths(fig, *tea_drawn(scaled)[:2], paths),
        )
    st.caption(t("loss_surface.arrows_caption"))

    _, mean, std = ls.standardize(fit.TEA_PRICES)
    rows = []
    for label, path in paths.values():
        reached = path.steps_to(best * (1 + ls.NEAR_MIN))
        if path.diverged_at is not None:
            outcome = t("loss_surface.diverged_at", step=path.diverged_at)
        elif reached is None:
            outcome = t("loss_surface.not_reached", steps=steps)
        else:
            outcome = t("loss_surface.reached", steps=reached)
        k_end, b_end = ls.to_price_units(*path.thetas[-1], mean, std) if scaled else path.thetas[-1]
        rows.append([label, outcome, path.losses[-1], k_end, b_end, float(fit.predict(fit.NEW_PRICE, k_end, b_end))])
    if rows:
        columns = ["optimizer", "outcome", "error", "k", "b", "prediction"]
        table = pd.DataFrame(rows, columns=[t(f"loss_surface.table.{c}") for c in columns]).round(3)
        st.dataframe(table, hide_index=True)
        chart(
            "loss_curves",
            (scaled, tuple(paths), current_language()),
            build=lambda: charts.loss_curves_figure(paths, best),
            update=lambda fig: charts.update_loss_curves(fig, paths, best),
        )
    for label, path in paths.values():
        if path.diverged_at is not None:
            st.error(t("loss_surface.diverged", name=label, step=path.diverged_at), icon=":material/warning:")
    st.markdown(t("loss_surface.target_note", best=f"{best:.1f}", target=f"{best * (1 + ls.NEAR_MIN):.1f}"))

    # How gradient descent behaves at this learning rate, from the bowl's two curvatures.
    low, high = ls.curvatures(x)
    behaviour, rate = ls.gd_behaviour(lrs["gd"], (low, high))
    gd_path = tea_path("gd", lrs["gd"], (k0, b0), steps, scaled)
    if behaviour == "converges" and gd_path.steps_to(best * (1 + ls.NEAR_MIN)) is None:
        behaviour = "crawls"  # stable, but too slow to get there in the steps given
    st.subheader(t("loss_surface.lr_header"))
    st.latex(
        r"\theta \leftarrow \theta - \eta\,\nabla E(\theta),"
        r"\qquad \nabla E = (\partial E/\partial k,\ \partial E/\partial b)"
    )
    st.markdown(
        t(
            "loss_surface.curvature_explain_scaled" if scaled else "loss_surface.curvature_explain",
            high=f"{high:.4g}",
            low=f"{low:.4g}",
            ratio=f"{high / low:,.0f}",
            lr=f"{lrs['gd']:g}",
            fast=f"{abs(1 - lrs['gd'] * high):.4g}",
            slow=f"{abs(1 - lrs['gd'] * low):.6g}",
            limit=f"{2 / high:.4g}",
        )
    )
    st.info(t(f"loss_surface.behaviour.{behaviour}", rate=f"{rate:.6g}", steps=steps), icon=":material/insights:")


def scaling_section():
    """Standardized input: the same least-squares line, back in price units. No widgets, so it stays out
    of tea_section's fragment: a slider move there does not resend it."""
    _, mean, std = ls.standardize(fit.TEA_PRICES)
    st.subheader(t("loss_surface.scaling_header"))
    st.markdown(t("loss_surface.scaling_explain", mean=f"{mean:g}", std=f"{std:.4f}"))
    st.latex(
        r"x' = \frac{x - \bar x}{s},\qquad \hat y = k' x' + b' = \frac{k'}{s}\,x + \left(b' - \frac{k'\bar x}{s}\right)"
    )
    ks_best, bs_best = fit.least_squares(*ls.tea_data(True))
    k_back, b_back = ls.to_price_units(ks_best, bs_best, mean, std)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("loss_surface.best_std"), f"k' = {ks_best:.4f}, b' = {bs_best:.2f}")
    c2.metric(t("loss_surface.best_back"), f"k = {k_back:.6f}, b = {b_back:.2f}")
    c3.metric(
        t("loss_surface.prediction_at", price=f"{fit.NEW_PRICE:g}"),
        f"{float(fit.predict(fit.NEW_PRICE, k_back, b_back)):.0f}",
    )


# --- 2. A surface with two minima and a saddle: one tanh neuron ---------------------------------------
@st.fragment
def neuron_section():
    st.header(t("loss_surface.neuron_header"))
    st.markdown(t("loss_surface.neuron_intro", c=ls.NEURON_BIAS))
    st.latex(
        rf"\hat y = v\,\tanh(w\,x + {ls.NEURON_BIAS:g}),\qquad E(w, v) = \tfrac{{1}}{{2n}}\sum_i (\hat y_i - y_i)^2"
    )
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        w0 = slider("loss_surface.start_w", NEURON_W, "loss_w0")
    with c2:
        v0 = slider("loss_surface.start_v", NEURON_V, "loss_v0")
    with c3:
        nn_opt = st.selectbox(
            t("loss_surface.optimizer_label"),
            ("gd", "momentum", "adam"),
            format_func={name: t(f"loss_surface.opt.{name}") for name in ls.OPTIMIZERS}.get,  # translated now
            key="loss_nn_opt",
            bind="query-params",
        )
    with c4:
        nn_lr = st.select_slider(
            t("loss_surface.lr_label"),
            NEURON_LRS,
            0.5,
            format_func=lambda v: f"{v:g}",
            key="loss_nn_lr",
            bind="query-params",
        )
    ws, vs, nz, points, (bw, bv, basin_labels) = neuron_landscape()
    minima_points = [p for p, kind in points if kind == "minimum"]  # lowest loss first
    names = [t("loss_surface.chart.global_min"), t("loss_surface.chart.local_min")]
    markers, seen = [], 0
    for p, kind in points:
        if kind == "minimum":
            markers.append((p[0], p[1], names[min(seen, 1)], "star" if seen == 0 else "diamond"))
            seen += 1
        else:
            markers.append((p[0], p[1], t("loss_surface.chart.saddle"), "x"))
    nn_path = neuron_path(nn_opt, nn_lr, (w0, v0))
    nn_label = f"{t(f'loss_surface.opt.{nn_opt}')} (η = {nn_lr:g})"
    nn_paths = {nn_opt: (nn_label, nn_path)}
    labels = (t("loss_surface.chart.neuron_title"), t("loss_surface.chart.w_axis"), t("loss_surface.chart.v_axis"))
    drawn = thinned(ws, vs, nz)
    c1, c2 = st.columns([3, 2])
    with c1:  # the surface and its markers never change: built once per optimizer (its colour), path updated
        chart(
            "loss_neuron",
            (nn_opt, current_language()),
            build=lambda: charts.contour_figure(*drawn, nn_paths, markers, labels),
            update=lambda fig: charts.update_contour_paths(fig, *drawn[:2], nn_paths),
        )
    with c2:  # the basins never change at all
        basin_markers = [(p, n, symbol) for p, n, symbol in zip(minima_points, names, ("star", "diamond"))]
        chart(
            "loss_basins",
            (current_language(),),
            build=lambda: charts.basins_figure(bw, bv, basin_labels, basin_markers, names),
        )
    end = nn_path.thetas[-1]
    loss_fn = ls.neuron_loss(*ls.neuron_data())
    if nn_path.diverged_at is not None:
        st.error(t("loss_surface.diverged", name=nn_label, step=nn_path.diverged_at), icon=":material/warning:")
    else:
        distances = [np.linalg.norm(end - m) for m in minima_points]
        where = int(np.argmin(distances))
        if distances[where] < 0.05:
            key = "loss_surface.ended_global" if where == 0 else "loss_surface.ended_local"
        else:
            key = "loss_surface.ended_nowhere"
        st.info(
            t(key, w=f"{end[0]:.3f}", v=f"{end[1]:.3f}", loss=f"{nn_path.losses[-1]:.4f}",
              best=f"{float(loss_fn(minima_points[0])[0]):.4f}", steps=NEURON_STEPS),
            icon=":material/flag:",
        )  # fmt: skip
    st.markdown(t("loss_surface.neuron_explain", lr=BASIN_LR, steps=BASIN_STEPS))


# --- 3. A real network's landscape: Li et al. 2018 ---------------------------------------------------
@st.fragment
def mlp_section():
    st.header(t("loss_surface.mlp_header"))
    net = LANDSCAPE.net
    st.markdown(t("loss_surface.mlp_intro", hidden=net.width, steps=net.epochs, grid=LANDSCAPE.grid))
    device = get_device()
    if st.button(t("loss_surface.mlp_button"), key="loss_mlp_train", icon=":material/play_arrow:"):
        message = t("loss_surface.mlp_progress", device=device.type.upper())
        result = train_with_progress(
            lambda _: message, lambda on_progress: mlp_landscape(LANDSCAPE, str(device), on_progress)
        )
        if result is not None:
            st.session_state["loss_mlp"] = result
    result = st.session_state.get("loss_mlp")
    if result is not None:
        # The same seed gives every learner the same landscape: its figures are built once for all.
        signature = (LANDSCAPE, str(device), current_language())
        c1, c2 = st.columns(2)
        with c1:
            chart("loss_mlp_contour", signature, lambda: charts.landscape_contour(result.axis, result.loss))
        with c2:
            chart("loss_mlp_surface", signature, lambda: charts.landscape_surface(result.axis, result.loss))
        final_loss, accuracy = f"{result.history[-1]:.4f}", f"{100 * result.accuracy:.1f}"
        edge = f"{float(np.max(result.loss)):.2f}"
        st.markdown(
            t("loss_surface.mlp_result", loss=final_loss, accuracy=accuracy, edge=edge, device=device.type.upper())
        )


setup_page("loss-surface")
st.markdown(t("loss_surface.intro"))
tea_section()
scaling_section()
neuron_section()
mlp_section()

show_code(ls.line_loss, ls.GD, ls.Momentum, ls.Adam, ls.ArticleSGD, ls.descend, ls.neuron_loss,
          ls.filter_normalized_direction, ls.landscape)  # fmt: skip
lesson_footer("loss-surface")
