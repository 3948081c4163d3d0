"""Lesson 1's sections: the line pad with its card, one epoch tea by tea, and the rounding aside
(many epochs with the best line live in app_pages/fitting_training.py).

Imported by app_pages/fitting.py; not a page itself (ui/lessons.py names the pages). Caches and
fragments live here, so their decorators run once per process rather than once per rerun; each
fragment gets the data as arguments (a fragment's own rerun reuses those of the last full run).
"""

import numpy as np
import streamlit as st

from core import fitting as fit
from ui import exercise
from ui import fitting_charts as charts
from ui.figures import show
from ui.frame import go_deeper
from ui.i18n import current_language, t
from ui.line_pad import line_pad
from ui.scrub import scrub_figure

HAND_TARGET = 3000.0  # exercise 1: beat this dataset error by hand
EXERCISES = 3


# --- Guess a line ---------------------------------------------------------------------------------
@st.fragment
def guess_section(x, y) -> None:
    """The hero: the pad, and the hand-fitting card that reads its released state."""
    k, b = line_pad(x, y, st.session_state["fit_k"], st.session_state["fit_b"], HAND_TARGET, "fit_pad")
    st.session_state["fit_k"], st.session_state["fit_b"] = k, b
    for name, value in (("fit_k", f"{k:g}"), ("fit_b", f"{b:g}")):  # the URL follows (a teacher's link)
        if st.query_params.get(name) != value:
            st.query_params[name] = value
    error = fit.dataset_error(x, y, k, b)
    best = fit.best_line(x, y)[2]
    exercise.target(
        "fitting",
        1,
        EXERCISES,
        t("fitting.ex1_question", target=f"{HAND_TARGET:,.0f}"),
        reached=error < HAND_TARGET,
        status=t("fitting.ex1_status", k=f"{k:g}", b=f"{b:g}", error=f"{error:,.2f}"),
        explain=t("fitting.ex1_explain", best=f"{best:,.1f}"),
    )


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


def step_arithmetic(x, y, steps: list[fit.Step], taken: int) -> None:
    """The forward pass, gradients and update of the step the slider shows, in a Go deeper."""
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


def second_tea_card(steps: list[fit.Step]) -> None:
    """Exercise 2: the second tea's prediction after the first update."""
    first, second, shift = fit.first_update_effect(steps)
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
            shift=f"{shift:+.2f}",
        ),
        preset={"fit_steps": 2},
    )


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
    step_arithmetic(x, y, steps, taken)
    after = steps[-1]
    start = fit.dataset_error(x, y, fit.K0, fit.B0)
    st.markdown(t("fitting.epoch_done", start=f"{start:.2f}", error=f"{fit.dataset_error(x, y, after.k, after.b):.2f}"))
    second_tea_card(steps)


# --- Asides ----------------------------------------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def article_model() -> tuple[float, float]:
    """The article's model v20 on the six teas (20 epochs at its learning rate): k, b."""
    run = fit.train(np.array(fit.TEA_PRICES), np.array(fit.TEA_SALES), epochs=20)
    return run.ks[-1], run.bs[-1]


def rounding_aside() -> None:
    """Why the article's 536 is not the model's 535.4: k and b rounded before predicting."""
    k20, b20 = article_model()
    k2, b2, p2 = fit.rounded_prediction(k20, b20)
    p = float(fit.predict(fit.NEW_PRICE, k20, b20))
    numbers = {"k": f"{k20:.4f}", "b": f"{b20:.2f}", "k2": f"{k2:.2f}", "b2": f"{b2:.2f}", "p2": f"{p2:.2f}",
               "p2r": round(p2), "p": f"{p:.2f}"}  # fmt: skip
    st.markdown(t("fitting.rounding_explain", **numbers))
