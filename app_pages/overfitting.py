"""Lesson 4 — Overfitting and regularization.

Three experiments: the polynomial degree scrubbed over a few noisy house prices (the hero), one
remedy's strength scrubbed on the wild degree-12 curve, and a small network's training replayed epoch
by epoch (app_pages/overfitting_sections.py, overfitting_replay.py), with a predict-then-check card for each.
"""

import streamlit as st

from app_pages import overfitting_replay as replay
from app_pages import overfitting_sections as sections
from core import mlp
from core import overfitting as of
from ui import exercise
from ui import overfitting_charts as charts
from ui.figures import show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import t
from ui.layout import setup_page, show_code, vocabulary
from ui.scrub import scrub_figure
from ui.widgets import slider

DEGREE_SLIDER = (1, of.MAX_DEGREE, 9, 1)  # by default a degree that already wiggles past the houses
EXERCISES = 3


@st.cache_resource(max_entries=1, show_spinner=False)
def polynomials():
    """The lesson's houses and every degree's fit: the same for every learner. Read-only."""
    x, y = of.sample_houses(of.N_HOUSES)
    x_val, y_val = of.validation_houses()
    return x, y, x_val, y_val, of.degree_sweep(x, y, x_val, y_val)


@st.cache_resource(max_entries=len(of.REMEDIES), show_spinner=False)
def remedy(name: str) -> tuple[of.RemedyState, ...]:
    return of.remedy_sweep(name)


@st.fragment
def degree_section(lang: str) -> None:
    """The hero: the degree, scrubbed in the figure; the slider is its keyboard path and its URL."""
    x, y, x_val, y_val, sweep = polynomials()
    degree = slider("overfitting.degree_label", DEGREE_SLIDER, "of_degree", help=t("overfitting.degree_help"))
    build = lambda: charts.degree_template(x, y, x_val, y_val, sweep)  # noqa: E731
    show(scrub_figure("of_degree", (lang,), build, degree - 1), "of_degree_chart")


def degree_feedback() -> None:
    """What the U says, the test houses' one verdict, and the first card."""
    x, y, x_val, y_val, sweep = polynomials()
    best, through = sweep.best_degree, len(x) - 1  # through: as many parameters as houses
    x_test, y_test = of.test_houses()
    train, val, val_best = sweep.train_mse[through - 1], sweep.val_mse[through - 1], sweep.val_mse[best - 1]
    fields = {"best": best, "through": through, "n": len(x), "test_n": len(x_test), "ratio": f"{val / val_best:,.0f}"}
    fields |= {"val": charts.number(val_best), "val_through": charts.number(val), "train": charts.number(train)}
    fields["test"] = charts.number(of.mse(sweep.fits[best - 1], x_test, y_test))
    what_you_saw(t("overfitting.degree_saw", **fields))
    exercise.choice(
        "overfitting",
        1,
        EXERCISES,
        t("overfitting.ex1_question", degree=through, params=through + 1, n=len(x)),
        {key: t(f"overfitting.ex1_{key}") for key in ("zero_huge", "both_small", "both_large")},
        answer="zero_huge" if train < 1e-9 and val > 10 * val_best else "other",
        explain=t("overfitting.ex1_explain", **fields),
        preset={"of_degree": through},
    )


def remedy_numbers(states: tuple[of.RemedyState, ...]) -> dict:
    """A remedy's figures that the prose quotes: no remedy, its best strength, the strongest."""
    best = min(states, key=lambda s: s.val_mse)
    first, last = states[0], states[-1]
    return {
        "none": charts.number(first.val_mse),
        "best": charts.number(best.val_mse),
        "at": f"{best.value:g}",
        "last": charts.number(last.val_mse),
        "first": f"{first.value:g}",
        "top": f"{last.value:g}",
        "zeros": last.zeros,
        "weights": len(best.fit.w),
    }


REMEDY_KEYS = {"l2": "of_lam_l2", "l1": "of_lam_l1", "houses": "of_houses", "copies": "of_copies"}


@st.fragment
def remedy_section(lang: str) -> None:
    """One remedy on the wild polynomial, its strength scrubbed in the figure."""
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    with c1:
        name = st.segmented_control(
            t("overfitting.remedy_label"),
            of.REMEDIES,
            default="l2",
            format_func={r: t(f"overfitting.remedy_names.{r}") for r in of.REMEDIES}.get,  # labels of this run
            key="of_remedy",  # not bound to the URL: Streamlit would write the translated label there
            required=True,
        )
    values = of.remedy_values(name)
    with c2:
        value = st.select_slider(
            t(f"overfitting.strength_label.{name}"),
            values,
            values[0],
            format_func=charts.strength_label,
            key=REMEDY_KEYS[name],
            bind="query-params",
        )
    states = remedy(name)
    x_val, y_val = of.validation_houses()
    build = lambda: charts.remedy_template(x_val, y_val, states, name)  # noqa: E731
    show(scrub_figure("of_remedy", (name, lang), build, values.index(value)), "of_remedy_chart")
    what_you_saw(t(f"overfitting.remedy_saw.{name}", **remedy_numbers(states)))


def remedy_exercise() -> None:
    states = remedy("l2")
    exercise.choice(
        "overfitting",
        2,
        EXERCISES,
        t("overfitting.ex2_question", top=f"{of.LAMBDAS[-1]:g}"),
        {key: t(f"overfitting.ex2_{key}") for key in ("down", "down_up", "up")},
        answer=of.trend([s.val_mse for s in states]),
        explain=t("overfitting.ex2_explain", **remedy_numbers(states)),
        preset={"of_remedy": "l2", "of_lam_l2": of.LAMBDAS[-1]},
    )


def network_exercise() -> None:
    """Card 3: where early stopping would have stopped the course's run."""
    course = replay.course_run()
    stop, best = of.early_stop_epoch(course.val_loss, sections.EX_PATIENCE)
    patience = sections.EX_PATIENCE
    exercise.number(
        "overfitting",
        3,
        EXERCISES,
        t("overfitting.ex3_question", patience=patience),
        answer=float(stop),
        tolerance=0.5,
        explain=t("overfitting.ex3_explain", stop=stop, patience=patience, **replay.numbers(course, best)),
        # The course's settings with early stopping on: pressing Train then shows where it stops.
        preset={**sections.COURSE_SETTINGS, "of_early": True, "of_patience": patience},
    )


lang = setup_page("overfitting")
st.markdown(t("overfitting.intro"))

st.header(t("overfitting.degree_header"))
st.markdown(t("overfitting.degree_intro", n=of.N_HOUSES, val_n=of.VAL_SIZE))
try_this(t("overfitting.degree_try"))
degree_section(lang)
degree_feedback()
with go_deeper(t("overfitting.degree_deeper_header")):
    st.markdown(t("overfitting.degree_deeper", test_n=of.TEST_SIZE, through=of.N_HOUSES - 1))

st.header(t("overfitting.remedy_header"))
st.markdown(t("overfitting.remedy_intro", degree=of.WILD_DEGREE, n=of.N_HOUSES))
try_this(t("overfitting.remedy_try"))
remedy_section(lang)
remedy_exercise()
with go_deeper(t("overfitting.remedy_deeper_header")):
    st.latex(
        r"L(\mathbf w, b) = \frac1n\sum_{i=1}^n \bigl(y_i - \hat y_i\bigr)^2"
        r" \;+\; \underbrace{\lambda\sum_j w_j^2}_{L2}\ \text{or}\ \underbrace{\lambda\sum_j |w_j|}_{L1}"
    )
    st.markdown(t("overfitting.remedy_deeper"))

st.header(t("overfitting.network_header"))
held = round(of.HOLDOUT * of.LESSON_DATA[1])
c = of.LESSON_CONFIG
st.markdown(
    t("overfitting.network_intro", depth=c.depth, width=c.width, points=of.LESSON_DATA[1], held=held, epochs=c.epochs)
)
try_this(t("overfitting.network_try"))
sections.network_section(lang)
network_exercise()
with go_deeper(t("overfitting.network_deeper_header")):
    st.markdown(t("overfitting.network_deeper"))

st.markdown(t("overfitting.llm_link"))
vocabulary("overfitting")
show_code(of.features, of.fit_ridge, of.fit_lasso, of.degree_sweep, of.remedy_sweep, of.train_replay, mlp.train_mlp)
lesson_footer("overfitting")
