"""Lesson 1's many-epochs section: SGD at the learner's learning rate over MAX_EPOCHS epochs (cached
once per table and rate), its exercise card, and the least-squares line beside it.

Imported by app_pages/fitting.py; not a page itself (ui/lessons.py names the pages). The cache and
fragment live here, so their decorators run once per process rather than once per rerun.
"""

import numpy as np
import streamlit as st

from app_pages.fitting_sections import EXERCISES, shipped_teas
from core import fitting as fit
from ui import exercise
from ui import fitting_charts as charts
from ui.figures import chart, show
from ui.frame import what_you_saw
from ui.i18n import current_language, t
from ui.private_cache import private_unless
from ui.scrub import scrub_figure

LEARNING_RATES = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2)
MAX_EPOCHS = 100  # the epochs figure carries every epoch up to this


# --- Many epochs, and the best line in one shot ----------------------------------------------------
@private_unless(shipped_teas)
@st.cache_resource(max_entries=64, show_spinner=False)
def trained(xs: tuple, ys: tuple, lr: float) -> tuple[fit.TrainResult, tuple[float, float, float]]:
    """MAX_EPOCHS epochs of SGD and the least-squares line, once per table and rate. Never modified."""
    x, y = np.array(xs), np.array(ys)
    return fit.train(x, y, lr=lr, epochs=MAX_EPOCHS), fit.best_line(x, y)


def long_run_card(run: fit.TrainResult, lr: float, best_error: float) -> None:
    """Exercise 3: what MAX_EPOCHS epochs at this rate do."""
    last = run.epochs_done
    exercise.choice(
        "fitting",
        3,
        EXERCISES,
        t("fitting.ex3_question", epochs=MAX_EPOCHS),
        {"reach": t("fitting.ex3_reach"), "stall": t("fitting.ex3_stall"), "explode": t("fitting.ex3_explode")},
        answer=fit.long_run_outcome(run, best_error),
        explain=t(
            "fitting.ex3_explain", lr=f"{lr:g}", epochs=last, error=f"{run.errors[-1]:,.1f}", best=f"{best_error:,.1f}"
        ),
        preset={"fit_epochs": last},
    )


def best_line_part(x, y, run: fit.TrainResult, best: tuple[float, float, float], signature: tuple, public: bool):
    """The least-squares line's numbers, and SGD's line against it."""
    best_k, best_b, best_error = best
    st.header(t("fitting.best_header"))
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("k", f"{best_k:.4f}")
    c2.metric("b", f"{best_b:.2f}")
    c3.metric(t("fitting.dataset_error"), f"{best_error:,.1f}")
    c4.metric(
        t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"),
        f"{float(fit.predict(fit.NEW_PRICE, best_k, best_b)):.0f}",
    )
    final = (run.ks[-1], run.bs[-1])
    chart("fit_compare", signature, lambda: charts.compare_figure(x, y, final, (best_k, best_b)), public=public)


@st.fragment
def training_section(x, y) -> None:
    """The learning rate changes the run; the epochs are scrubbed in the figure."""
    c1, c2 = st.columns(2)
    with c1:
        lr = st.select_slider(t("fitting.lr_label"), LEARNING_RATES, fit.ARTICLE_LR, format_func=lambda v: f"{v:g}",
                              key="fit_lr", bind="query-params", help=t("fitting.lr_help"))  # fmt: skip
    run, best = trained(tuple(x), tuple(y), lr)
    best_k, best_b, best_error = best
    with c2:
        epoch = 0  # a run that diverged in its first epoch has only the starting model to show
        if run.epochs_done > 0:
            epoch = st.slider(t("fitting.epochs_label"), 0, run.epochs_done, min(20, run.epochs_done), key="fit_epochs")
    if run.diverged_at is not None:
        st.error(t("fitting.diverged", epoch=run.diverged_at, lr=f"{lr:g}"), icon=":material/warning:")
    signature = (tuple(x), tuple(y), lr, current_language())
    public = shipped_teas(tuple(x), tuple(y))
    build = lambda: charts.epochs_template(x, y, run, best_error)  # noqa: E731
    show(scrub_figure("fit_epochs", signature, build, epoch, public), "fit_epochs_chart")
    best_prediction = float(fit.predict(fit.NEW_PRICE, best_k, best_b))
    gap = abs(float(fit.predict(fit.NEW_PRICE, run.ks[-1], run.bs[-1])) - best_prediction)
    what_you_saw(t("fitting.epochs_saw", epochs=run.epochs_done, error=f"{run.errors[-1]:,.1f}",
                   best=f"{best_error:,.1f}", gap=f"{gap:.1f}"))  # fmt: skip
    long_run_card(run, lr, best_error)
    best_line_part(x, y, run, best, signature, public)
