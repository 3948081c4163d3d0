"""Lesson 1 — Fitting: what is a model? The milk-tea shop, a line, and SGD by hand.

The page is a short sequence of experiments: guess a line (k and b scrubbed in the browser), watch
one epoch of SGD tea by tea, then many epochs (both scrubbed in their figures), and compare with the
exact answer. Three predict-then-check cards go with them.
"""

import numpy as np
import pandas as pd
import streamlit as st

from core import fitting as fit
from ui import exercise
from ui import fitting_charts as charts
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.line_pad import line_pad
from ui.private_cache import private_unless
from ui.scrub import scrub_figure

LEARNING_RATES = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
MAX_EPOCHS = 100  # the epochs figure carries every epoch up to this
HAND_TARGET = 3000.0  # exercise 1: beat this dataset error by hand
EXERCISES = 3


def url_number(name: str, default: float) -> float:
    """A number from a teacher's link, or the default for anything unreadable."""
    try:
        value = float(st.query_params.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if np.isfinite(value) else default


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


default_table = pd.DataFrame({"price": [f"{v:g}" for v in fit.TEA_PRICES], "sales": [f"{v:g}" for v in fit.TEA_SALES]})
if editor_key() not in st.session_state:  # a new editor (first visit, back from another page, reset)
    st.session_state["fit_table_base"] = st.session_state.get(TABLE, default_table)
base_table = st.session_state["fit_table_base"]
refuse_oversized_edit(len(base_table))
if editor_key() not in st.session_state:  # the edit was refused: the editor starts again from the kept table
    base_table = st.session_state["fit_table_base"] = st.session_state.get(TABLE, default_table)
hero = st.container()  # drawn first, filled once the data is known
with st.expander(t("fitting.data_header"), icon=":material/table_edit:", expanded=TABLE in st.session_state):
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


# --- Guess a line ---------------------------------------------------------------------------------
st.session_state.setdefault("fit_k", url_number("fit_k", fit.K0))
st.session_state.setdefault("fit_b", url_number("fit_b", fit.B0))


@st.fragment
def guess_section(x, y) -> None:
    """The hero: the pad, and the hand-fitting card that reads its released state."""
    k, b = line_pad(x, y, st.session_state["fit_k"], st.session_state["fit_b"], HAND_TARGET, "fit_pad")
    st.session_state["fit_k"], st.session_state["fit_b"] = k, b
    for name, value in (("fit_k", f"{k:g}"), ("fit_b", f"{b:g}")):  # the URL follows (a teacher's link)
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    error = fit.dataset_error(x, y, k, b)
    best = fit.dataset_error(x, y, *fit.least_squares(x, y))
    exercise.target(
        "fitting",
        1,
        EXERCISES,
        t("fitting.ex1_question", target=f"{HAND_TARGET:,.0f}"),
        reached=error < HAND_TARGET,
        status=t("fitting.ex1_status", k=f"{k:g}", b=f"{b:g}", error=f"{error:,.2f}"),
        explain=t("fitting.ex1_explain", best=f"{best:,.1f}"),
    )


with hero:
    st.header(t("fitting.guess_header"))
    try_this(t("fitting.guess_try"))
    guess_section(x, y)
    st.latex(r"e_i = \tfrac{1}{2}(\hat y_i - y_i)^2,\qquad E = \tfrac{1}{n}\sum_i e_i")
    what_you_saw(t("fitting.guess_saw"))
    with go_deeper(t("fitting.first_guess_header")):
        st.markdown(t("fitting.first_guess", error=f"{fit.dataset_error(x, y, fit.K0, fit.B0):,.2f}"))


# --- Training by hand: one tea at a time --------------------------------------------------------------
def shipped_teas(xs: tuple, ys: tuple, *settings) -> bool:
    """Results for the shop's own six teas are shared by every learner; a learner's own table stays
    in their session (ui/private_cache.py)."""
    return fit.is_shop_data(xs, ys)


def first_epoch(xs: tuple, ys: tuple, lang: str) -> dict:
    """The steps figure's template (scrub_figure keeps it: shared or in the session)."""
    x, y = np.array(xs), np.array(ys)
    steps = fit.sgd_epoch(x, y, fit.K0, fit.B0, fit.ARTICLE_LR)
    return charts.steps_template(x, y, steps, fit.dataset_error(x, y, fit.K0, fit.B0))


@st.fragment
def steps_section(x, y) -> None:
    """One epoch of SGD, one tea per frame; the keyboard slider and the arithmetic of its step."""
    steps = fit.sgd_epoch(x, y, fit.K0, fit.B0, fit.ARTICLE_LR)
    diverged = fit.first_divergent_step(steps)
    if diverged is not None:  # large numbers overflow at this rate: nothing true to draw
        st.error(t("fitting.steps_diverged", tea=diverged + 1, lr=f"{fit.ARTICLE_LR:g}"), icon=":material/warning:")
        return
    taken = st.slider(t("fitting.steps_label"), 0, len(steps), 0, key="fit_steps", bind="query-params")
    signature = (tuple(x), tuple(y), current_language())
    public = shipped_teas(signature[0], signature[1])
    figure = scrub_figure("fit_steps", signature, lambda: first_epoch(*signature), taken, public)
    show(figure, "fit_steps_chart")
    with go_deeper(t("fitting.step_arithmetic", step=taken)):
        if taken == 0:
            st.markdown(t("fitting.step_zero", error=f"{fit.dataset_error(x, y, fit.K0, fit.B0):.2f}"))
        else:
            s = steps[taken - 1]
            st.latex(
                rf"\hat y = k x + b = ({s.k_before:.6g})\cdot {s.x:g} + {s.b_before:.6g}"
                rf" = {s.y_hat:.2f},\quad e = \tfrac12({s.y_hat:.2f} - {s.y:g})^2 = {s.error:.2f}"
            )
            st.latex(
                rf"\frac{{\partial e}}{{\partial k}} = (\hat y - y)\,x = {s.dk:.2f},\quad"
                rf"\frac{{\partial e}}{{\partial b}} = \hat y - y = {s.db:.2f}"
            )
            st.latex(
                rf"k \leftarrow k - \eta\,\tfrac{{\partial e}}{{\partial k}} = {s.k:.6g},\quad b \leftarrow {s.b:.6g}"
            )
    after = steps[-1]
    start = fit.dataset_error(x, y, fit.K0, fit.B0)
    st.markdown(t("fitting.epoch_done", start=f"{start:.2f}", error=f"{fit.dataset_error(x, y, after.k, after.b):.2f}"))
    second = steps[1] if len(steps) > 1 else steps[0]
    first = steps[0]
    was = first.k_before * second.x + first.b_before  # tea 2's prediction before the first step
    exercise.number(
        "fitting",
        2,
        EXERCISES,
        t("fitting.ex2_question", tea=second.index + 1, k1=f"{first.k:.6g}", b1=f"{first.b:.6g}"),
        answer=second.y_hat,
        tolerance=0.5,
        explain=t(
            "fitting.ex2_explain",
            k=f"{second.k_before:.6g}",
            x=f"{second.x:g}",
            b=f"{second.b_before:.6g}",
            y_hat=f"{second.y_hat:.2f}",
            dk=f"{first.k - first.k_before:+.4g}",
            db=f"{first.b - first.b_before:+.4g}",
            tea=second.index + 1,
            shift=f"{second.y_hat - was:+.2f}",
        ),
        preset={"fit_steps": 2},
    )


st.header(t("fitting.steps_header"))
st.markdown(t("fitting.steps_intro", lr=fit.ARTICLE_LR))
try_this(t("fitting.steps_try"))
steps_section(x, y)


# --- Many epochs, and the best line in one shot ----------------------------------------------------
@private_unless(shipped_teas)
@st.cache_resource(max_entries=64, show_spinner=False)
def trained(xs: tuple, ys: tuple, lr: float) -> tuple[fit.TrainResult, tuple[float, float, float]]:
    """MAX_EPOCHS epochs of SGD and the least-squares line, once per table and rate. Never modified."""
    x, y = np.array(xs), np.array(ys)
    best_k, best_b = fit.least_squares(x, y)
    return fit.train(x, y, lr=lr, epochs=MAX_EPOCHS), (best_k, best_b, fit.dataset_error(x, y, best_k, best_b))


@st.fragment
def training_section(x, y) -> None:
    """The learning rate changes the run; the epochs are scrubbed in the figure."""
    c1, c2 = st.columns(2)
    with c1:
        lr = st.select_slider(
            t("fitting.lr_label"),
            LEARNING_RATES,
            fit.ARTICLE_LR,
            format_func=lambda v: f"{v:g}",
            key="fit_lr",
            bind="query-params",
            help=t("fitting.lr_help"),
        )
    run, (best_k, best_b, best_error) = trained(tuple(x), tuple(y), lr)
    with c2:
        epoch = 0  # a run that diverged in its first epoch has only the starting model to show
        if run.epochs_done > 0:
            epoch = st.slider(t("fitting.epochs_label"), 0, run.epochs_done, min(20, run.epochs_done), key="fit_epochs")
    if run.diverged_at is not None:
        st.error(t("fitting.diverged", epoch=run.diverged_at, lr=f"{lr:g}"), icon=":material/warning:")
    signature = (tuple(x), tuple(y), lr, current_language())
    public = shipped_teas(tuple(x), tuple(y))
    build = lambda: charts.epochs_template(x, y, run, best_error)  # noqa: E731
    figure = scrub_figure("fit_epochs", signature, build, epoch, public)
    show(figure, "fit_epochs_chart")
    last = run.epochs_done
    best_prediction = float(fit.predict(fit.NEW_PRICE, best_k, best_b))
    what_you_saw(
        t(
            "fitting.epochs_saw",
            epochs=last,
            error=f"{run.errors[-1]:,.1f}",
            best=f"{best_error:,.1f}",
            gap=f"{abs(float(fit.predict(fit.NEW_PRICE, run.ks[-1], run.bs[-1])) - best_prediction):.1f}",
        )
    )
    exercise.choice(
        "fitting",
        3,
        EXERCISES,
        t("fitting.ex3_question", epochs=MAX_EPOCHS),
        {"reach": t("fitting.ex3_reach"), "stall": t("fitting.ex3_stall"), "explode": t("fitting.ex3_explode")},
        answer=_long_run_outcome(run, best_error),
        explain=t(
            "fitting.ex3_explain",
            lr=f"{lr:g}",
            epochs=last,
            error=f"{run.errors[-1]:,.1f}",
            best=f"{best_error:,.1f}",
        ),
        preset={"fit_epochs": last},
    )

    st.header(t("fitting.best_header"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("k", f"{best_k:.4f}")
    c2.metric("b", f"{best_b:.2f}")
    c3.metric(t("fitting.dataset_error"), f"{best_error:,.1f}")
    c4.metric(t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"), f"{best_prediction:.0f}")
    final, best = (run.ks[-1], run.bs[-1]), (best_k, best_b)
    chart("fit_compare", signature, lambda: charts.compare_figure(x, y, final, best), public=public)


def _long_run_outcome(run, best_error: float) -> str:
    """What MAX_EPOCHS of SGD did, in the terms of exercise 3."""
    if run.diverged_at is not None:
        return "explode"
    return "reach" if run.errors[-1] <= best_error * 1.01 else "stall"


st.header(t("fitting.epochs_header"))
st.markdown(t("fitting.epochs_intro"))
try_this(t("fitting.epochs_try"))
training_section(x, y)
st.markdown(t("fitting.ravine_explain", ratio=float(abs(x).mean())))


# --- Asides ----------------------------------------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def article_model() -> tuple[float, float]:
    """The article's model v20 on the six teas (20 epochs at its learning rate): k, b."""
    run = fit.train(np.array(fit.TEA_PRICES), np.array(fit.TEA_SALES), epochs=20)
    return run.ks[-1], run.bs[-1]


with go_deeper(t("fitting.rounding_header")):
    k20, b20 = article_model()
    k2, b2 = round(k20, 2), round(b20, 2)
    p, p2 = float(fit.predict(fit.NEW_PRICE, k20, b20)), float(fit.predict(fit.NEW_PRICE, k2, b2))
    numbers = {
        "k": f"{k20:.4f}",
        "b": f"{b20:.2f}",
        "k2": f"{k2:.2f}",
        "b2": f"{b2:.2f}",
        "p2": f"{p2:.2f}",
        "p2r": round(p2),
        "p": f"{p:.2f}",
    }
    st.markdown(t("fitting.rounding_explain", **numbers))
with go_deeper(t("fitting.kitchen_header")):
    st.markdown(t("fitting.kitchen"))

lesson_footer("fitting")
vocabulary("fitting")
show_code(fit.predict, fit.dataset_error, fit.sgd_step, fit.train, fit.least_squares, fit.error_grid)
