"""Lesson 1 — Fitting: what is a model? The milk-tea shop, a line, and SGD by hand."""

import pandas as pd
import streamlit as st

from core import fitting as fit
from ui import fitting_charts as charts
from ui.figures import show
from ui.i18n import t
from ui.layout import lesson_link, setup_page, show_code

# Slider ranges and defaults, in one place: (min, max, default, step).
K_SLIDER = (-30.0, 10.0, fit.K0, 0.1)
B_SLIDER = (0.0, 1500.0, fit.B0, 1.0)
EPOCH_SLIDER = (1, 100, 20, 1)
LEARNING_RATES = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
VERSION_EPOCHS = (0, 1, 5, 10, 15, 20)  # the article's v1.0, v2.0, v5.0 ... v20.0 (epochs done)


def slider(label_key: str, spec: tuple, key: str, **kwargs):
    lo, hi, default, step = spec
    return st.slider(t(label_key), lo, hi, default, step, key=key, bind="query-params", **kwargs)


setup_page("fitting")
st.markdown(t("fitting.intro"))

# --- The data: the six teas, editable -------------------------------------------------------
st.header(t("fitting.data_header"))
default_table = pd.DataFrame({"price": [f"{v:g}" for v in fit.TEA_PRICES], "sales": [f"{v:g}" for v in fit.TEA_SALES]})
left, right = st.columns([2, 3])
with left:
    st.markdown(t("fitting.data_help"))
    edited = st.data_editor(
        default_table,
        num_rows="dynamic",
        key="fit_data",
        column_config={
            "price": st.column_config.TextColumn(t("fitting.price_column")),
            "sales": st.column_config.TextColumn(t("fitting.sales_column")),
        },
        hide_index=True,
    )
    if st.button(t("fitting.reset_data"), icon=":material/restart_alt:"):
        st.session_state.pop("fit_data", None)
        st.rerun()
try:
    x, y = fit.parse_points(edited[["price", "sales"]].itertuples(index=False, name=None))
except fit.DataError as problem:
    st.error(t(f"fitting.data_errors.{problem.code}", **problem.fields), icon=":material/error:")
    st.info(t("fitting.using_default_data"))
    x, y = fit.parse_points(zip(fit.TEA_PRICES, fit.TEA_SALES))

# --- Guess a line ---------------------------------------------------------------------------
with right:
    k = slider("fitting.k_label", K_SLIDER, "fit_k", help=t("fitting.k_help"))
    b = slider("fitting.b_label", B_SLIDER, "fit_b", help=t("fitting.b_help"))
    show(charts.guess_figure(x, y, k, b), key="fit_guess")
errors = fit.sample_errors(x, y, k, b)
c1, c2, c3 = st.columns(3)
c1.metric(t("fitting.dataset_error"), f"{errors.mean():.2f}", help=t("fitting.dataset_error_help"))
c2.metric(t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"), f"{float(fit.predict(fit.NEW_PRICE, k, b)):.1f}")
c3.metric(t("fitting.parameters"), f"k = {k:g}, b = {b:g}")
st.latex(r"e_i = \tfrac{1}{2}(\hat y_i - y_i)^2,\qquad E = \tfrac{1}{n}\sum_i e_i")
with st.expander(t("fitting.per_tea_errors")):
    st.dataframe(
        pd.DataFrame(
            {
                t("fitting.price_column"): x,
                t("fitting.sales_column"): y,
                t("fitting.y_hat_column"): fit.predict(x, k, b),
                t("fitting.error_column"): errors,
            }
        ).round(2),
        hide_index=True,
    )
st.markdown(t("fitting.guess_explain"))

# --- Training by hand: one tea at a time ------------------------------------------------------
st.header(t("fitting.steps_header"))
st.markdown(t("fitting.steps_intro", lr=fit.ARTICLE_LR))
steps = fit.sgd_epoch(x, y, fit.K0, fit.B0, fit.ARTICLE_LR)
taken = st.slider(t("fitting.steps_label"), 0, len(steps), 0, key="fit_steps", bind="query-params")
version = t("fitting.version_name", major=1, minor=taken) if taken < len(steps) else "v2.0"
if taken == 0:
    st.markdown(t("fitting.step_zero", error=f"{fit.dataset_error(x, y, fit.K0, fit.B0):.2f}"))
else:
    s = steps[taken - 1]
    st.markdown(t("fitting.step_title", tea=s.index + 1, version=version))
    st.latex(
        rf"\hat y = k x + b = ({s.k_before:.6g})\cdot {s.x:g} + {s.b_before:.6g}"
        rf" = {s.y_hat:.2f},\quad e = \tfrac12({s.y_hat:.2f} - {s.y:g})^2 = {s.error:.2f}"
    )
    st.latex(
        rf"\frac{{\partial e}}{{\partial k}} = (\hat y - y)\,x = {s.dk:.2f},\quad"
        rf"\frac{{\partial e}}{{\partial b}} = \hat y - y = {s.db:.2f}"
    )
    st.latex(rf"k \leftarrow k - \eta\,\tfrac{{\partial e}}{{\partial k}} = {s.k:.6g},\quad b \leftarrow {s.b:.6g}")
    done = steps[:taken]
    st.dataframe(
        pd.DataFrame(
            {
                t("fitting.tea_column"): [s.index + 1 for s in done],
                t("fitting.y_hat_column"): [s.y_hat for s in done],
                t("fitting.error_column"): [s.error for s in done],
                "∂e/∂k": [s.dk for s in done],
                "∂e/∂b": [s.db for s in done],
                "k": [s.k for s in done],
                "b": [s.b for s in done],
            }
        ).round(6),
        hide_index=True,
    )
    if taken == len(steps):
        st.success(t("fitting.epoch_done", error=f"{fit.dataset_error(x, y, s.k, s.b):.2f}"))

# --- Many epochs --------------------------------------------------------------------------------
st.header(t("fitting.epochs_header"))
st.markdown(t("fitting.epochs_intro"))
c1, c2 = st.columns(2)
with c1:
    epochs = slider("fitting.epochs_label", EPOCH_SLIDER, "fit_epochs")
with c2:
    lr = st.select_slider(
        t("fitting.lr_label"),
        LEARNING_RATES,
        fit.ARTICLE_LR,
        format_func=lambda v: f"{v:g}",
        key="fit_lr",
        bind="query-params",
        help=t("fitting.lr_help"),
    )
run = fit.train(x, y, lr=lr, epochs=epochs)
best_k, best_b = fit.least_squares(x, y)
best_error = fit.dataset_error(x, y, best_k, best_b)
if run.diverged_at is not None:
    st.error(t("fitting.diverged", epoch=run.diverged_at, lr=f"{lr:g}"), icon=":material/warning:")
shown = [e for e in VERSION_EPOCHS if e <= run.epochs_done] + [run.epochs_done]
versions = [(e, run.ks[e], run.bs[e]) for e in dict.fromkeys(shown)]
c1, c2 = st.columns(2)
with c1:
    show(charts.versions_figure(x, y, versions), key="fit_versions")
with c2:
    show(charts.error_curve_figure(run.errors, best_error), key="fit_error_curve")
k_end, b_end = run.ks[-1], run.bs[-1]
k_2, b_2 = round(k_end, 2), round(b_end, 2)
c1, c2, c3, c4 = st.columns(4)
c1.metric(t("fitting.error_after", epochs=run.epochs_done), f"{run.errors[-1]:.2f}")
c2.metric(t("fitting.parameters"), f"k = {k_end:.4f}, b = {b_end:.2f}")
c3.metric(t("fitting.prediction_full"), f"{float(fit.predict(fit.NEW_PRICE, k_end, b_end)):.1f}")
c4.metric(t("fitting.prediction_rounded"), f"{round(float(fit.predict(fit.NEW_PRICE, k_2, b_2))):d}")
st.markdown(
    t(
        "fitting.rounding_explain",
        k2=f"{k_2:.2f}",
        b2=f"{b_2:.2f}",
        p2=f"{float(fit.predict(fit.NEW_PRICE, k_2, b_2)):.2f}",
        p=f"{float(fit.predict(fit.NEW_PRICE, k_end, b_end)):.2f}",
    )
)

# --- The best line in one shot ------------------------------------------------------------------
st.header(t("fitting.best_header"))
c1, c2, c3 = st.columns(3)
c1.metric(t("fitting.parameters"), f"k = {best_k:.6f}, b = {best_b:.2f}")
c2.metric(t("fitting.dataset_error"), f"{best_error:.1f}")
c3.metric(
    t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"), f"{float(fit.predict(fit.NEW_PRICE, best_k, best_b)):.0f}"
)
show(charts.compare_figure(x, y, (k_end, b_end), (best_k, best_b)), key="fit_compare")
st.markdown(t("fitting.ravine_explain", ratio=float(abs(x).mean())))
lesson_link("loss-surface")

with st.expander(t("fitting.vocabulary_header"), icon=":material/menu_book:"):
    st.markdown(t("fitting.vocabulary"))
show_code(fit.predict, fit.dataset_error, fit.sgd_step, fit.train, fit.least_squares)
