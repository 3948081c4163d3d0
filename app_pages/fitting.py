"""Lesson 1 — Fitting: what is a model? The milk-tea shop, a line, and SGD by hand.

The page is a short sequence of experiments: guess a line (k and b scrubbed in the browser), watch
one epoch of SGD tea by tea, then many epochs (both scrubbed in their figures), and compare with the
exact answer. Three predict-then-check cards go with them. The sections live in
app_pages/fitting_sections.py and app_pages/fitting_training.py.
"""

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import fitting_sections as sections
from app_pages import fitting_training as training
from core import fitting as fit
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import t
from ui.layout import setup_page, show_code, vocabulary

TABLE = "fit_table"  # the learner's last table; plain session state, so it survives leaving the page


def url_number(name: str, default: float) -> float:
    """A number from a teacher's link, or the default for anything unreadable."""
    try:
        value = float(st.query_params.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if np.isfinite(value) else default


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


def kept_table() -> pd.DataFrame:
    """The table the editor starts from: the learner's kept one, or the shop's six teas."""
    default_table = pd.DataFrame(
        {"price": [f"{v:g}" for v in fit.TEA_PRICES], "sales": [f"{v:g}" for v in fit.TEA_SALES]}
    )
    if editor_key() not in st.session_state:  # a new editor (first visit, back from another page, reset)
        st.session_state["fit_table_base"] = st.session_state.get(TABLE, default_table)
    base_table = st.session_state["fit_table_base"]
    refuse_oversized_edit(len(base_table))
    if editor_key() not in st.session_state:  # the edit was refused: the editor starts again from the kept table
        base_table = st.session_state["fit_table_base"] = st.session_state.get(TABLE, default_table)
    return base_table


def data_table(base_table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The editor in its expander; returns the points to fit (the shop's if the table is unusable)."""
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
            return fit.parse_points(edited[["price", "sales"]].itertuples(index=False, name=None))
        except fit.DataError as problem:  # keep the learner's table as it is; explain, and fall back
            st.error(t(f"fitting.data_errors.{problem.code}", **problem.fields), icon=":material/error:")
            st.info(t("fitting.using_default_data"))
            return fit.parse_points(zip(fit.TEA_PRICES, fit.TEA_SALES))


setup_page("fitting")
st.markdown(t("fitting.intro"))

# --- The data: the six teas, editable -------------------------------------------------------
base_table = kept_table()
hero = st.container()  # drawn first, filled once the data is known
x, y = data_table(base_table)

# --- Guess a line ---------------------------------------------------------------------------------
st.session_state.setdefault("fit_k", url_number("fit_k", fit.K0))
st.session_state.setdefault("fit_b", url_number("fit_b", fit.B0))
with hero:
    st.header(t("fitting.guess_header"))
    try_this(t("fitting.guess_try"))
    sections.guess_section(x, y)
    st.latex(r"e_i = \tfrac{1}{2}(\hat y_i - y_i)^2,\qquad E = \tfrac{1}{n}\sum_i e_i")
    what_you_saw(t("fitting.guess_saw"))
    with go_deeper(t("fitting.first_guess_header")):
        st.markdown(t("fitting.first_guess", error=f"{fit.dataset_error(x, y, fit.K0, fit.B0):,.2f}"))

# --- Training by hand: one tea at a time --------------------------------------------------------------
st.header(t("fitting.steps_header"))
st.markdown(t("fitting.steps_intro", lr=fit.ARTICLE_LR))
try_this(t("fitting.steps_try"))
sections.steps_section(x, y)

# --- Many epochs, and the best line in one shot ----------------------------------------------------
st.header(t("fitting.epochs_header"))
st.markdown(t("fitting.epochs_intro"))
try_this(t("fitting.epochs_try"))
training.training_section(x, y)
st.markdown(t("fitting.ravine_explain", ratio=fit.gradient_ratio(x)))

# --- Asides ----------------------------------------------------------------------------------------
with go_deeper(t("fitting.rounding_header")):
    sections.rounding_aside()
with go_deeper(t("fitting.kitchen_header")):
    st.markdown(t("fitting.kitchen"))

lesson_footer("fitting")
vocabulary("fitting")
show_code(fit.predict, fit.dataset_error, fit.sgd_step, fit.train, fit.least_squares, fit.error_grid)
