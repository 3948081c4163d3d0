"""Lesson 4's course run and replay: the run every learner sees first (its data and network, the
defaults of every control; trained once per server), and the replay of the shown run, epoch by epoch,
with what its curves did. Imported by app_pages/overfitting.py and overfitting_sections.py.
"""

import streamlit as st

from core import overfitting as of
from ui import overfitting_charts as charts
from ui.figures import show
from ui.frame import what_you_saw
from ui.i18n import t
from ui.scrub import scrub_figure

COURSE = of.LESSON_CONFIG
DATASET, POINTS, NOISE, CLASSES = of.LESSON_DATA
OWN_RUN = "of_run"  # session state: (number, RunSummary) of the learner's last run


@st.cache_resource(max_entries=1, show_spinner=False)
def course_run() -> of.RunSummary:
    """The run every learner sees first: the lesson's data and network, seeded, on the CPU (the same
    numbers for everyone). About 0.8 s of CPU once per server. Read-only."""
    split = of.lesson_split(DATASET, POINTS, NOISE, CLASSES, of.HOLDOUT, COURSE.seed)
    return of.train_replay(split, CLASSES, COURSE, DATASET, device="cpu")


def show_replay(lang: str) -> None:
    """The shown run (the course's, or the learner's last), scrubbed over its epochs."""
    course = course_run()
    number, own = st.session_state.get(OWN_RUN, (0, None))
    which, name = "course", {w: t(f"overfitting.show_names.{w}", number=number) for w in ("own", "course")}.get
    if own is not None:
        label = t("overfitting.show_label")
        which = st.segmented_control(
            label, ("own", "course"), default="own", format_func=name, key="of_show", required=True
        )
    run = own if which == "own" else course
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    c1.markdown(describe(run, which, number))
    labels = [t("overfitting.chart.kept_label", epoch=s.epoch) if s.kept else str(s.epoch) for s in run.snapshots]
    key = "of_epoch" if which == "course" else f"of_epoch_own_{number}"
    with c2:
        shown = st.select_slider(t("overfitting.epoch_label"), labels, labels[-1], key=key)
    active = labels.index(shown)
    build = lambda: charts.replay_template(run, name(which))  # noqa: E731
    public = which == "course"  # a learner's run came from their settings, maybe their file: kept in their session
    signature = ("course", lang) if public else (run, number, lang)
    figure = scrub_figure("of_replay", signature, build, active, public)
    show(figure, "of_replay_chart")
    scores(run, course if which == "own" else None)


def describe(run: of.RunSummary, which: str, number: int) -> str:
    c = run.config
    fields = {"width": c.width, "depth": c.depth, "dropout": f"{c.dropout:g}", "l2": f"{c.l2:g}", "seed": c.seed}
    early = t("overfitting.run_early", patience=c.patience) if c.early_stopping else ""
    dataset = t(f"overfitting.datasets.{run.dataset}")
    return t(f"overfitting.run_{which}", number=number, dataset=dataset, **fields) + early


def scores(run: of.RunSummary, course: of.RunSummary | None) -> None:
    """What the run's curves did; for a learner's run, its scores beside the course's run's."""
    if course is not None:
        c1, c2, c3 = st.columns(3)
        for column, name, mine, theirs in (
            (c1, "train_acc", run.final_train_acc, course.final_train_acc),
            (c2, "val_acc", run.final_val_acc, course.final_val_acc),
        ):
            column.metric(t(f"overfitting.{name}"), f"{mine:.0%}", f"{(mine - theirs) * 100:+.0f} pts")
        c3.metric(t("overfitting.best_epoch"), f"{run.best_epoch} / {run.epochs}")
    what_you_saw(saw(run))


def numbers(run: of.RunSummary, best: int) -> dict:
    """A run's figures that the prose quotes, around its epoch `best`."""
    return {
        "best": best,
        "epochs": run.epochs,
        "v_best": f"{run.val_loss[best - 1]:.3f}",
        "v_end": f"{run.val_loss[-1]:.3f}",
        "t_end": f"{run.train_loss[-1]:.3f}",
        "acc_best": f"{run.val_acc[best - 1]:.0%}",
        "acc_end": f"{run.val_acc[-1]:.0%}",
    }


def saw(run: of.RunSummary) -> str:
    """What the shown run's curves did, in words, with its numbers."""
    fields = numbers(run, run.best_epoch)
    kept = " " + t("overfitting.network_saw.kept", **fields) if run.restored else ""
    return t(f"overfitting.network_saw.{of.trend(run.val_loss)}", **fields) + kept
