"""Lesson 4's third experiment: a small network trained on 2D points, replayed epoch by epoch.

The course's own run (two overlapping rings, a wide network, no remedy) is trained once per server
and shown on arrival (app_pages/overfitting_replay.py, with the replay); a learner's run, trained on
the Train button here, replaces it in the same figure. The controls come in stages: the data and the
width first, then the remedies, then the rest.
"""

from dataclasses import replace

import numpy as np
import streamlit as st

from app_pages.overfitting_replay import CLASSES, COURSE, DATASET, NOISE, OWN_RUN, POINTS, show_replay
from core import overfitting as of
from core.device import get_device
from ui import overfitting_charts as charts
from ui.figures import show
from ui.i18n import t
from ui.literal import for_markdown
from ui.training_slot import train_with_progress
from ui.widgets import slider

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
