"""Lesson 2's sections, each an st.fragment (a slider move reruns only its own section). The page
(app_pages/loss_surface.py) puts them in order; the cached calls into core they share are in
app_pages/loss_surface_data.py."""

import streamlit as st

from app_pages.loss_surface_data import lesson_numbers, tea_map, tea_path
from core import fitting as fit
from core import loss_surface as ls
from ui import exercise
from ui import loss_surface_charts as charts
from ui.figures import chart, show
from ui.frame import go_deeper, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.scrub import scrub_figure
from ui.widgets import slider

# Ranges and defaults of these sections (the neuron's are in app_pages/loss_surface_data.py).
WALK_LRS = (1e-5, 1e-4, 1e-3, 2e-3, 3e-3, 4e-3, 5e-3, 6e-3, 1e-2)  # smooth, zig-zag and diverging on the ravine
WALK_LR, WALK_STEPS, EARLY = 2e-3, 100, 10  # the default rate; steps in the figure; "the first steps"
EXERCISE_LR = 6e-3  # exercise 1: three times the default rate
BOWL_LRS = (0.1, 0.5, 1.0, 1.5, 1.9, 2.0, 2.5)
BOWL_LR, BOWL_STEPS = 0.5, 30
RACE_LRS = tuple(float(f"{m}e{e}") for e in range(-6, 1) for m in (1, 2, 5))  # 1e-6, 2e-6, 5e-6 ... 5
RACE_DEFAULT_LRS = {"sgd": fit.ARTICLE_LR, "gd": 2e-3, "momentum": 5e-4, "adam": 2.0}
RACE_SHOWN, RACE_STEPS = ("gd", "momentum", "adam"), 200
EXERCISES = 3


def factor(value: float) -> str:
    """A step's factor for the text: six digits (0.999616 is not 1), and 0 where it is 0 up to rounding."""
    return f"{value:.6g}" if abs(value) > 1e-12 else "0"


def verdict_text(lr: float, path: ls.Descent, standardized: bool) -> str:
    """What the walk did, in words, with the run's own numbers."""
    x, _ = ls.tea_data(standardized)
    best = ls.best_error()
    verdict = ls.judge(path, lr, ls.curvatures(x), best)
    early = min(EARLY, len(path.losses) - 1)
    numbers = {"lr": f"{lr:g}", "rate": factor(verdict.rate), "start": f"{path.losses[0]:,.1f}",
               "early": f"{path.losses[early]:,.1f}", "n": early, "error": f"{path.losses[-1]:,.1f}",
               "best": f"{best:,.1f}", "steps": len(path.losses) - 1, "needed": f"{verdict.steps_to_shrink(100):,}",
               "reached": verdict.reached_at, "diverged": verdict.diverged_at}  # fmt: skip
    ending = "reached" if verdict.reached_at is not None else "crawls"
    key = verdict.regime if verdict.regime in ("bounces", "diverges") else f"{verdict.regime}_{ending}"
    return t(f"loss_surface.verdict.{key}", **numbers)


def walk_figure(key: str, lrs: tuple, lr: float, step: int, standardized: bool, steps: int) -> None:
    """Gradient descent at every rate of `lrs` (both in the browser), showing `lr` at `step`: on the raw
    prices with the error curve beside the map, on standardized prices the (round) map alone."""
    paths = [tea_path("gd", rate, steps, standardized) for rate in lrs]
    ks, bs, z = tea_map(standardized)
    numbers = lesson_numbers()
    minimum = (numbers["k_s"], numbers["b_s"]) if standardized else (numbers["k"], numbers["b"])
    names = ("k_std_axis", "b_std_axis") if standardized else ("k_axis", "b_axis")
    axes = tuple(t(f"loss_surface.chart.{name}") for name in names)
    build = lambda: charts.walk_template(ks, bs, z, paths, lrs, steps, axes, ls.best_error(), minimum,  # noqa: E731
                                         t("loss_surface.chart.start_v1"), standardized, not standardized)  # fmt: skip
    active = lrs.index(lr) * (steps + 1) + step
    show(scrub_figure(key, (standardized, lrs, steps, current_language()), build, active), f"{key}_chart")


# --- 1. The hero: gradient descent on the ravine, step by step ---------------------------------------------
@st.fragment
def walk_section() -> None:
    c1, c2 = st.columns(2)
    with c1:
        lr = st.select_slider(t("loss_surface.lr_label"), WALK_LRS, WALK_LR, format_func=lambda v: f"{v:g}",
                              key="loss_lr", bind="query-params", help=t("loss_surface.lr_help"))  # fmt: skip
    with c2:
        step = slider("loss_surface.step_label", (0, WALK_STEPS, WALK_STEPS, 1), "loss_step")
    walk_figure("loss_walk", WALK_LRS, lr, step, False, WALK_STEPS)
    st.caption(t("loss_surface.walk_caption"))
    left, right = st.columns(2)
    low, high = ls.curvatures(ls.tea_data()[0])
    with left:
        what_you_saw(verdict_text(lr, tea_path("gd", lr, WALK_STEPS, False), False))
        with go_deeper(t("loss_surface.curvature_header", limit=f"{2 / high:.2g}")):
            curvature_aside(lr, low, high)
    with right:
        jump = ls.judge(tea_path("gd", EXERCISE_LR, WALK_STEPS, False), EXERCISE_LR, (low, high), ls.best_error())
        exercise.choice(
            "loss_surface", 1, EXERCISES, t("loss_surface.ex1_question", lr0=f"{WALK_LR:g}", lr1=f"{EXERCISE_LR:g}"),
            {"faster": t("loss_surface.ex1_faster"), "zigzag": t("loss_surface.ex1_zigzag"),
             "explodes": t("loss_surface.ex1_explodes")},
            answer={"smooth": "faster", "zigzag": "zigzag"}.get(jump.regime, "explodes"),
            explain=t("loss_surface.ex1_explain", lr=f"{EXERCISE_LR:g}", high=f"{high:.1f}",
                      factor=f"{1 - EXERCISE_LR * high:.2f}", step=jump.diverged_at, limit=f"{2 / high:.2g}"),
            preset={"loss_lr": EXERCISE_LR, "loss_step": WALK_STEPS},
        )  # fmt: skip


def curvature_aside(lr: float, low: float, high: float) -> None:
    """The Hessian's two eigenvalues and what they make of this rate; the surface in 3D with the walk."""
    st.markdown(t("loss_surface.curvature_explain", high=f"{high:.4g}", low=f"{low:.4g}", ratio=f"{high / low:,.0f}",
                  lr=f"{lr:g}", fast=f"{abs(1 - lr * high):.4g}", slow=f"{abs(1 - lr * low):.6g}",
                  edge=f"{1 / high:.2g}", limit=f"{2 / high:.2g}"))  # fmt: skip
    # Off until asked for: a 3D surface costs every learning-rate move (and the first load) what the
    # rest of the hero costs together, for a view most learners open once.
    if not st.toggle(t("loss_surface.surface3d_toggle"), key="loss_3d"):
        return
    st.markdown(t("loss_surface.surface3d_intro"))
    ks, bs, z = tea_map(False)
    path = tea_path("gd", lr, WALK_STEPS, False)
    labels = (t("loss_surface.chart.tea_title"), t("loss_surface.chart.k_axis"), t("loss_surface.chart.b_axis"))
    chart("loss_surface3d", (current_language(),), lambda: charts.surface_figure(ks, bs, z, path, labels),
          update=lambda fig: charts.update_surface_path(fig, ks, bs, path))  # fmt: skip


# --- 2. Standardized prices: a round bowl -----------------------------------------------------------------
@st.fragment
def bowl_section() -> None:
    """The round map and what happened on the left; on the right what to try, the controls, the card."""
    left, right = st.columns([4, 3])
    with right:
        try_this(t("loss_surface.bowl_try"))
        lr = st.select_slider(t("loss_surface.lr_label"), BOWL_LRS, BOWL_LR, format_func=lambda v: f"{v:g}",
                              key="loss_bowl_lr", bind="query-params")  # fmt: skip
        step = slider("loss_surface.step_label", (0, BOWL_STEPS, BOWL_STEPS, 1), "loss_bowl_step")
    with left:
        walk_figure("loss_bowl", BOWL_LRS, lr, step, True, BOWL_STEPS)
        what_you_saw(verdict_text(lr, tea_path("gd", lr, BOWL_STEPS, True), True))
    curvature = float(ls.curvatures(ls.tea_data(True)[0])[-1])
    one = ls.judge(tea_path("gd", 1.0, BOWL_STEPS, True), 1.0, (curvature, curvature), ls.best_error())
    raw_rate = ls.gd_behaviour(WALK_LR, ls.curvatures(ls.tea_data()[0]))[1]
    with right:
        bowl_exercise(curvature, one, raw_rate)
        with go_deeper(t("loss_surface.back_header")):
            back_to_prices()


def back_to_prices() -> None:
    """The standardized least-squares line, written on the price scale again."""
    numbers = lesson_numbers()
    st.latex(r"x' = \frac{x - \bar x}{s}")
    st.latex(r"k' x' + b' = \frac{k'}{s}\,x + \Big(b' - \frac{k'\bar x}{s}\Big)")
    shown = {"k_s": f"{numbers['k_s']:.2f}", "b_s": f"{numbers['b_s']:.2f}", "k": f"{numbers['k']:.4f}"}
    shown |= {"b": f"{numbers['b']:.2f}", "prediction": f"{numbers['prediction']:.0f}"}
    st.markdown(t("loss_surface.back_explain", **shown))


def bowl_exercise(curvature: float, one: ls.Verdict, raw_rate: float) -> None:
    exercise.number(
        "loss_surface", 2, EXERCISES, t("loss_surface.ex2_question"), answer=float(one.reached_at), tolerance=0.5,
        explain=t("loss_surface.ex2_explain", curvature=f"{curvature:.3g}", factor=factor(1 - curvature),
                  steps=one.reached_at, raw_lr=f"{WALK_LR:g}", raw_rate=factor(raw_rate)),
        preset={"loss_bowl_lr": 1.0, "loss_bowl_step": BOWL_STEPS},
    )  # fmt: skip


# --- 3. Other optimizers on the ravine -----------------------------------------------------------------
@st.fragment
def race_section() -> None:
    """The paths on the left; on the right the optimizers to compare, their rates and how each run ended."""
    names = {name: t(f"loss_surface.opt.{name}") for name in ls.OPTIMIZERS}
    left, right = st.columns(2)  # four pills fit on one line of the right half
    with right:
        shown = st.pills(t("loss_surface.race_pick"), ls.OPTIMIZERS, selection_mode="multi", default=RACE_SHOWN,
                         format_func=names.get, key="loss_opts")  # fmt: skip
        shown = [name for name in ls.OPTIMIZERS if name in (shown or [])]
        with st.expander(t("loss_surface.race_rates"), icon=":material/tune:"):
            lrs = {
                name: st.select_slider(names[name], RACE_LRS, RACE_DEFAULT_LRS[name], format_func=lambda v: f"{v:g}",
                                       key=f"loss_lr_{name}", bind="query-params")
                for name in ls.OPTIMIZERS
            }  # fmt: skip
        if not shown:
            st.info(t("loss_surface.race_none"), icon=":material/touch_app:")
            return
        best = ls.best_error()
        paths = {name: tea_path(name, lrs[name], RACE_STEPS, False) for name in shown}
        joiner = "" if current_language() == "zh" else " "
        what_you_saw(joiner.join(_outcome(paths[name], best, names[name]) for name in shown))
        with go_deeper(t("loss_surface.rules_header")):
            st.markdown(t("loss_surface.rules_explain"))
            st.latex(r"\text{momentum: } v \leftarrow \beta v + \nabla E")
            st.latex(r"\theta \leftarrow \theta - \eta\, v")
            st.latex(r"\text{Adam: } \theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)")
    legend = {name: (f"{names[name]} (η = {lrs[name]:g})", paths[name]) for name in shown}
    ks, bs, z = tea_map(False)
    numbers = lesson_numbers()
    labels = (t("loss_surface.chart.race_title", steps=RACE_STEPS), t("loss_surface.chart.k_axis"),
              t("loss_surface.chart.b_axis"))  # fmt: skip
    with left:
        chart("loss_race", (tuple(shown), current_language()),
              lambda: charts.race_figure(ks, bs, z, legend, (numbers["k"], numbers["b"]), labels),
              update=lambda fig: charts.update_race(fig, legend))  # fmt: skip


def _outcome(path: ls.Descent, best: float, name: str) -> str:
    """How one optimizer's run ended, in a sentence."""
    reached = path.steps_to(best * (1 + ls.NEAR_MIN))
    if path.diverged_at is not None:
        return t("loss_surface.race_diverged", step=path.diverged_at, name=name)
    if reached is None:
        return t("loss_surface.race_crawled", error=f"{path.losses[-1]:,.1f}", name=name)
    return t("loss_surface.race_reached", steps=reached, name=name)
