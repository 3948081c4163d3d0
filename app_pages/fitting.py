"""Lesson 1 — Fitting: what is a model? The milk-tea shop, a line, and SGD by hand."""

import numpy as np
import pandas as pd
import streamlit as st

from core import fitting as fit
from ui import fitting_charts as charts
from ui.figures import session_figure, show
from ui.i18n import current_language, t
from ui.layout import lesson_link, setup_page, show_code, vocabulary
from ui.private_cache import private_unless

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
TABLE = "fit_table"  # the learner's last table; plain session state, so it survives leaving the page


def editor_key() -> str:
    return f"fit_data_{st.session_state.get('fit_data_version', 0)}"


def fresh_editor() -> None:
    """A new key gives a fresh editor showing the kept table: the only reliable way to drop its edits."""
    st.session_state["fit_data_version"] = st.session_state.get("fit_data_version", 0) + 1


def refuse_oversized_edit(base_rows: int) -> None:
    """Streamlit applies pasted rows one by one, copying the table each time (minutes for 20,000 rows,
    repeated on every later run), so an edit that would exceed the limit is dropped before it is applied."""
    pending = st.session_state.get(editor_key())  # the editor's raw edits: cheap, nothing applied yet
    rows = fit.edited_row_count(base_rows, pending)
    if rows > fit.MAX_POINTS:
        st.session_state["fit_refused_rows"] = rows
        fresh_editor()


def reset_table() -> None:
    st.session_state.pop(TABLE, None)
    fresh_editor()


st.header(t("fitting.data_header"))
default_table = pd.DataFrame({"price": [f"{v:g}" for v in fit.TEA_PRICES], "sales": [f"{v:g}" for v in fit.TEA_SALES]})
if editor_key() not in st.session_state:  # a new editor (first visit, back from another page, reset)
    st.session_state["fit_table_base"] = st.session_state.get(TABLE, default_table)
base_table = st.session_state["fit_table_base"]
refuse_oversized_edit(len(base_table))
if editor_key() not in st.session_state:  # the edit was refused: the editor starts again from the kept table
    base_table = st.session_state["fit_table_base"] = st.session_state.get(TABLE, default_table)
left, right = st.columns([2, 3])
with left:
    st.markdown(t("fitting.data_help"))
    refused = st.session_state.pop("fit_refused_rows", None)
    if refused is not None:
        st.error(t("fitting.paste_refused", rows=refused, limit=fit.MAX_POINTS), icon=":material/error:")
    edited = st.data_editor(
        base_table,
        num_rows="dynamic",
        key=editor_key(),
        column_config={
            "price": st.column_config.TextColumn(t("fitting.price_column")),
            "sales": st.column_config.TextColumn(t("fitting.sales_column")),
        },
        hide_index=True,
    )
    st.session_state[TABLE] = edited
    st.button(t("fitting.reset_data"), icon=":material/restart_alt:", on_click=reset_table)
    try:
        x, y = fit.parse_points(edited[["price", "sales"]].itertuples(index=False, name=None))
    except fit.DataError as problem:  # keep the learner's table as it is; explain, and fall back
        st.error(t(f"fitting.data_errors.{problem.code}", **problem.fields), icon=":material/error:")
        st.info(t("fitting.using_default_data"))
        x, y = fit.parse_points(zip(fit.TEA_PRICES, fit.TEA_SALES))


# --- Guess a line ---------------------------------------------------------------------------
@st.fragment
def guess_section(x, y) -> None:
    """Sliders for k and b with the chart and errors they drive; reruns alone when they move."""
    k = slider("fitting.k_label", K_SLIDER, "fit_k", help=t("fitting.k_help"))
    b = slider("fitting.b_label", B_SLIDER, "fit_b", help=t("fitting.b_help"))
    figure = session_figure(
        "fit_guess",
        (tuple(x), tuple(y), current_language()),
        build=lambda: charts.guess_figure(x, y, k, b),
        update=lambda fig: charts.update_guess_figure(fig, x, y, k, b),
    )
    show(figure, key="fit_guess")
    errors = fit.sample_errors(x, y, k, b)
    c1, c2 = st.columns(2)
    c1.metric(t("fitting.dataset_error"), f"{errors.mean():.2f}", help=t("fitting.dataset_error_help"))
    c2.metric(t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"), f"{float(fit.predict(fit.NEW_PRICE, k, b)):.1f}")
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


with right:
    guess_section(x, y)
st.latex(r"e_i = \tfrac{1}{2}(\hat y_i - y_i)^2,\qquad E = \tfrac{1}{n}\sum_i e_i")
st.markdown(t("fitting.guess_explain"))


# --- Training by hand: one tea at a time ------------------------------------------------------
@st.fragment
def steps_section(x, y) -> None:
    """The article's first epoch, one tea per slider step, with every number of each step."""
    steps = fit.sgd_epoch(x, y, fit.K0, fit.B0, fit.ARTICLE_LR)
    taken = st.slider(t("fitting.steps_label"), 0, len(steps), 0, key="fit_steps", bind="query-params")
    if taken == 0:
        st.markdown(t("fitting.step_zero", error=f"{fit.dataset_error(x, y, fit.K0, fit.B0):.2f}"))
        return
    diverged = fit.first_divergent_step(steps)
    if diverged is not None and taken > diverged:  # large numbers overflow at this rate: nothing true to show
        st.error(t("fitting.steps_diverged", tea=diverged + 1, lr=f"{fit.ARTICLE_LR:g}"), icon=":material/warning:")
        return
    s = steps[taken - 1]
    version = t("fitting.version_name", major=1, minor=taken) if taken < len(steps) else "v2.0"
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
    columns = {
        t("fitting.tea_column"): [d.index + 1 for d in done],
        t("fitting.y_hat_column"): [d.y_hat for d in done],
        t("fitting.error_column"): [d.error for d in done],
        "∂e/∂k": [d.dk for d in done],
        "∂e/∂b": [d.db for d in done],
        "k": [d.k for d in done],
        "b": [d.b for d in done],
    }
    st.dataframe(pd.DataFrame(columns).round(6), hide_index=True)
    if taken == len(steps):
        st.success(t("fitting.epoch_done", error=f"{fit.dataset_error(x, y, s.k, s.b):.2f}"))


st.header(t("fitting.steps_header"))
st.markdown(t("fitting.steps_intro", lr=fit.ARTICLE_LR))
steps_section(x, y)


# --- Many epochs, and the best line in one shot ---------------------------------------------------
def shipped_teas(xs: tuple, ys: tuple, *settings) -> bool:
    return (xs, ys) == (fit.TEA_PRICES, fit.TEA_SALES)


@private_unless(shipped_teas)
@st.cache_resource(max_entries=256, show_spinner=False)
def trained(xs: tuple, ys: tuple, epochs: int, lr: float, lang: str) -> dict:
    """Train and draw once per setting and language. Shared by all learners, never modified."""
    x, y = np.array(xs), np.array(ys)
    run = fit.train(x, y, lr=lr, epochs=epochs)
    best_k, best_b = fit.least_squares(x, y)
    best_error = fit.dataset_error(x, y, best_k, best_b)
    shown = [e for e in VERSION_EPOCHS if e <= run.epochs_done] + [run.epochs_done]
    versions = [(e, run.ks[e], run.bs[e]) for e in dict.fromkeys(shown)]
    return {
        "run": run,
        "best": (best_k, best_b, best_error),
        "versions_figure": charts.versions_figure(x, y, versions),
        "error_figure": charts.error_curve_figure(run.errors, best_error),
        "compare_figure": charts.compare_figure(x, y, (run.ks[-1], run.bs[-1]), (best_k, best_b)),
    }


@st.fragment
def training_section(x, y) -> None:
    """Epochs and learning rate drive the training run, its charts and the comparison."""
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
    result = trained(tuple(x), tuple(y), epochs, lr, current_language())
    run, (best_k, best_b, best_error) = result["run"], result["best"]
    if run.diverged_at is not None:
        st.error(t("fitting.diverged", epoch=run.diverged_at, lr=f"{lr:g}"), icon=":material/warning:")
    c1, c2 = st.columns(2)
    with c1:
        show(result["versions_figure"], key="fit_versions")
    with c2:
        show(result["error_figure"], key="fit_error_curve")
    k_end, b_end = run.ks[-1], run.bs[-1]
    k_2, b_2 = round(k_end, 2), round(b_end, 2)
    prediction, prediction_2 = (
        float(fit.predict(fit.NEW_PRICE, k_end, b_end)),
        float(fit.predict(fit.NEW_PRICE, k_2, b_2)),
    )
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("fitting.error_after", epochs=run.epochs_done), f"{run.errors[-1]:.2f}")
    c2.metric(t("fitting.parameters"), f"k = {k_end:.4f}, b = {b_end:.2f}")
    c3.metric(t("fitting.prediction_full"), f"{prediction:.1f}")
    c4.metric(t("fitting.prediction_rounded"), f"{round(prediction_2):d}")
    st.markdown(
        t("fitting.rounding_explain", k2=f"{k_2:.2f}", b2=f"{b_2:.2f}", p2=f"{prediction_2:.2f}", p=f"{prediction:.2f}")
    )

    st.header(t("fitting.best_header"))
    c1, c2, c3 = st.columns(3)
    c1.metric(t("fitting.parameters"), f"k = {best_k:.6f}, b = {best_b:.2f}")
    c2.metric(t("fitting.dataset_error"), f"{best_error:.1f}")
    c3.metric(
        t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"),
        f"{float(fit.predict(fit.NEW_PRICE, best_k, best_b)):.0f}",
    )
    show(result["compare_figure"], key="fit_compare")


st.header(t("fitting.epochs_header"))
st.markdown(t("fitting.epochs_intro"))
training_section(x, y)
st.markdown(t("fitting.ravine_explain", ratio=float(abs(x).mean())))
lesson_link("loss-surface")

vocabulary("fitting")
show_code(fit.predict, fit.dataset_error, fit.sgd_step, fit.train, fit.least_squares)
