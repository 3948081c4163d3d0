"""Lesson 4's third experiment: a small network trained on 2D points, replayed epoch by epoch.

The course's own run (two overlapping rings, a wide network, no remedy) is trained once per server
and shown on arrival; a learner's run, trained on the Train button, replaces it in the same figure.
The controls come in stages: the data and the width first, then the remedies, then the rest.
"""

from dataclasses import replace

import numpy as np
import streamlit as st

from core import overfitting as of
from core.device import get_device
from ui import overfitting_charts as charts
from ui.figures import show
from ui.frame import what_you_saw
from ui.i18n import t
from ui.literal import for_markdown
from ui.scrub import scrub_figure
from ui.training_slot import train_with_progress
from ui.widgets import slider

COURSE = of.LESSON_CONFIG
DATASET, POINTS, NOISE, CLASSES = of.LESSON_DATA
# Slider key: (catalog name, (min, max, default, step)). The defaults are the course's run.
SLIDERS = {
    "of_dropout": ("dropout", (0.0, 0.7, COURSE.dropout, 0.1)),
    "of_patience": ("patience", (10, 200, COURSE.patience, 10)),
    "of_points": ("points", (50, 500, POINTS, 50)),
    "of_noise": ("noise", (0.0, 0.5, NOISE, 0.05)),
    "of_classes": ("classes", (2, of.MAX_CLASSES, CLASSES, 1)),
    "of_holdout": ("holdout", (0.1, 0.9, of.HOLDOUT, 0.1)),
    "of_depth": ("depth", (1, 4, COURSE.depth, 1)),
    "of_epochs": ("epochs", (50, 1000, COURSE.epochs, 50)),
}
HELPED = ("dropout", "classes", "holdout")  # the sliders with a help text
WIDTHS = (2, 4, 8, 16, 32, 64, 128)
DECAYS = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2)
EX_PATIENCE = 30  # exercise 3: where early stopping with this patience would stop the course's run
COURSE_SETTINGS = {key: spec[2] for key, (_, spec) in SLIDERS.items() if key != "of_patience"} | {
    "of_dataset": DATASET,  # with the sliders' defaults: the widgets as the course's run was made
    "of_width": COURSE.width,
    "of_net_l2": COURSE.l2,
    "of_seed": COURSE.seed,
}
KEPT_UPLOAD = "of_csv_kept"  # (name, bytes) of the learner's file: an uploader forgets it on leaving the page
OWN_RUN = "of_run"  # session state: (number, RunSummary) of the learner's last run


@st.cache_resource(max_entries=1, show_spinner=False)
def course_run() -> of.RunSummary:
    """The run every learner sees first: the lesson's data and network, seeded, on the CPU (the same
    numbers for everyone). About 0.8 s of CPU once per server. Read-only."""
    split = of.lesson_split(DATASET, POINTS, NOISE, CLASSES, of.HOLDOUT, COURSE.seed)
    return of.train_replay(split, CLASSES, COURSE, DATASET, device="cpu")


def choose(label_key: str, options: tuple, default, key: str, **kwargs):
    """A select-slider over numbers, kept in the URL."""
    return st.select_slider(
        t(label_key), options, default, format_func=lambda v: f"{v:g}", key=key, bind="query-params", **kwargs
    )


def keep_upload() -> None:
    """The uploader changed: keep the new file (capped by the server and parse_csv), or forget it."""
    upload = st.session_state.get("of_csv")
    if upload is None:
        st.session_state.pop(KEPT_UPLOAD, None)
    else:
        st.session_state[KEPT_UPLOAD] = (upload.name, upload.getvalue()[: of.CSV_MAX_BYTES + 1])


def learners_file():
    """The learner's CSV as (X, labels, names), or None (nothing uploaded, or a message shown)."""
    st.markdown(t("overfitting.csv_help", rows=of.CSV_MAX_ROWS, kb=of.CSV_MAX_BYTES // 1000, k=of.MAX_CLASSES))
    st.download_button(t("overfitting.csv_example"), of.example_csv(), "example.csv", "text/csv", key="of_csv_example")
    upload = st.file_uploader(t("overfitting.csv_label"), type=["csv"], key="of_csv", on_change=keep_upload)
    if upload is not None:
        keep_upload()
    kept = st.session_state.get(KEPT_UPLOAD)
    if upload is None and kept is not None:  # back from another lesson: the uploader starts empty
        st.caption(t("overfitting.csv_kept", name=for_markdown(kept[0])))
        st.button(t("overfitting.csv_forget"), key="of_csv_forget", on_click=st.session_state.pop, args=(KEPT_UPLOAD,))
    if kept is None:
        return None
    try:
        return of.parse_csv(kept[1])
    except of.CsvError as problem:
        st.error(t(f"overfitting.csv_errors.{problem.code}", **problem.fields), icon=":material/error:")
        return None


def knob(key: str):
    """One of SLIDERS, with its label (and help) from the catalogs."""
    name, spec = SLIDERS[key]
    help_text = t(f"overfitting.{name}_help") if name in HELPED else None
    return slider(f"overfitting.{name}_label", spec, key, help=help_text)


def remedy_settings() -> dict:
    """Stage 2: the remedies, folded away until the learner opens them."""
    with st.expander(t("overfitting.remedies_header"), icon=":material/healing:"):
        st.markdown(t("overfitting.remedies_help"))
        dropout = knob("of_dropout")
        l2 = choose("overfitting.l2_label", DECAYS, COURSE.l2, "of_net_l2", help=t("overfitting.l2_help"))
        early = st.toggle(t("overfitting.early_label"), False, key="of_early", help=t("overfitting.early_help"))
        patience = knob("of_patience") if early else COURSE.patience  # it means nothing without early stopping
    return {"dropout": dropout, "l2": l2, "early_stopping": early, "patience": patience}


def more_settings(box, kind: str) -> tuple[dict, tuple]:
    """Stage 3, in `box` (an expander): the data, the depth, the epochs and the seed. Returns the
    network's settings and (points, noise, classes, holdout)."""
    with box:
        built_in = kind != "csv"  # a learner's file brings its own points and classes
        points, noise, classes = (knob(k) for k in ("of_points", "of_noise", "of_classes")) if built_in else (0, 0, 0)
        holdout, depth, epochs = (knob(k) for k in ("of_holdout", "of_depth", "of_epochs"))
        seed = st.number_input(
            t("overfitting.seed_label"), 0, 9999, COURSE.seed, key="of_seed", help=t("overfitting.seed_help")
        )
    return {"depth": depth, "epochs": epochs, "seed": int(seed)}, (points, noise, classes, holdout)


def train_own(kind: str, split, n_classes: int, names, config) -> None:
    """Train on the button, drawing the map and losses as they come; keep the run at its end."""
    window = of.plot_range(np.concatenate([split[0], split[2]]))
    shown_names = charts.class_names(names, n_classes)

    def draw_live(progress) -> None:
        run = progress.record  # the core.mlp.MLPRun so far
        xs, ys, probs = of.boundary_grid(run, *window)
        done = len(run.train_loss_)
        figure = charts.live_figure(xs, ys, probs, split, shown_names, run.train_loss_, run.val_loss_, done)
        show(figure, key=f"of_live_{progress.step}")

    summary = train_with_progress(
        lambda p: t("overfitting.training", done=p.step, total=p.total),
        lambda on_progress: of.train_replay(split, n_classes, config, kind, names, get_device(), on_progress),
        draw_live,
    )
    if summary is not None:  # stored only at the end: a stopped or failed run changes nothing
        number = st.session_state.get(OWN_RUN, (0, None))[0] + 1
        st.session_state[OWN_RUN] = (number, summary)
        st.session_state["of_show"] = "own"


@st.fragment
def network_section(lang: str) -> None:
    """Stage 1 (dataset, width, Train), the staged settings, and the replay of the shown run."""
    c1, c2, c3 = st.columns([2, 2, 1], vertical_alignment="bottom")
    with c1:
        kind = st.selectbox(
            t("overfitting.dataset_label"),
            of.DATASETS + ("csv",),
            format_func={k: t(f"overfitting.datasets.{k}") for k in of.DATASETS + ("csv",)}.get,
            key="of_dataset",  # not bound to the URL: Streamlit would write the translated label there
        )
    with c2:
        width = choose("overfitting.width_label", WIDTHS, COURSE.width, "of_width")
    with c3:
        pressed = st.button(t("overfitting.train_button"), type="primary", icon=":material/play_arrow:", key="of_train")
    file = learners_file() if kind == "csv" else None
    left, right = st.columns(2)  # stages 2 and 3, folded away side by side
    with left:
        remedies = remedy_settings()
    more = right.expander(t("overfitting.more_header"), icon=":material/tune:")
    rest, (points, noise, classes, holdout) = more_settings(more, kind)
    config = replace(COURSE, width=width, **remedies, **rest)
    if kind == "csv" and file is not None:
        split, n_classes, names = of.split(*file[:2], holdout, config.seed), len(file[2]), file[2]
    elif kind != "csv":
        split, names = of.lesson_split(kind, points, noise, classes, holdout, config.seed), None
        n_classes = of.n_classes_of(kind, classes)
    else:
        split = None  # no file yet, or one that cannot be used: its message is shown
    if split is not None:
        more.caption(t("overfitting.split_summary", train=len(split[1]), val=len(split[3])))
        if pressed:
            train_own(kind, split, n_classes, names, config)
    show_replay(lang)


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
