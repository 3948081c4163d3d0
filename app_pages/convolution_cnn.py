"""Lesson 5's last section: the small CNN, with the course's default run (shipped, loaded once per
server) shown on arrival and the learner's own run once they train, its epochs scrubbed.

Imported by app_pages/convolution.py; not a page itself (ui/lessons.py names the pages). Caches
live here, not in the page, so their decorators run once per process rather than once per rerun.
"""

import uuid
from functools import partial
from pathlib import Path

import numpy as np
import streamlit as st

from app_pages.convolution_sections import EXERCISES, kept
from core import convolution as cv
from core.artefacts import ArtefactError, log_failure, shown_path
from core.device import get_device
from ui import convolution_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, what_you_saw
from ui.i18n import current_language, t
from ui.lessons import ROOT
from ui.scrub import scrub_figure
from ui.training_slot import train_with_progress
from ui.widgets import slider

RUN_DIR = ROOT / "models" / "convolution_digits"  # the course's default CNN run (models/README.md)


@st.cache_resource(max_entries=1, show_spinner=False)
def default_run(directory: str) -> cv.DigitsRun:
    """The course's run with the default settings, made by `python -m core.convolution` and shipped
    (models/README.md): what the section shows before a learner trains. Shared, read-only."""
    try:
        return cv.load_run(Path(directory))
    except Exception as problem:  # missing, truncated or mismatched files: one error type (core.artefacts)
        error = ArtefactError("convolution_digits", problem)
        log_failure(error, directory)
        raise error from problem


@st.cache_resource(show_spinner=False)
def split_sizes() -> tuple[int, int]:
    """How many digits the default split trains and tests on (every seed splits the same sizes)."""
    _, y_train, _, y_test = cv.digit_split(cv.TrainConfig())
    return len(y_train), len(y_test)


def train_own(config: cv.TrainConfig) -> None:
    """The learner's own run (another seed, or the same again), kept in their session."""
    c1, c2 = st.columns([1, 2], vertical_alignment="bottom")
    # Another seed than the course's run by default: the first press shows a run of one's own.
    seed = c1.number_input(t("convolution.seed_label"), 0, 9999, config.seed + 1, key="conv_seed")
    if c2.button(t("convolution.train_button"), icon=":material/play_arrow:", key="conv_train", type="primary"):
        run = train_with_progress(
            lambda progress: t("convolution.training", step=progress.step, total=progress.total),
            lambda on_progress: cv.train_digits(cv.TrainConfig(seed=int(seed)), get_device(), on_progress),
        )
        if run is not None:
            st.session_state["conv_run"] = (int(seed), run, uuid.uuid4().hex)


def shown_run() -> tuple[cv.DigitsRun, str, bool, str] | None:
    """The learner's run if they trained one, else the course's: (run, id, shared by everyone?, what it is)."""
    if "conv_run" in st.session_state:
        seed, run, run_id = st.session_state["conv_run"]
        return run, run_id, False, t("convolution.own_run", seed=seed)
    try:
        run = default_run(str(RUN_DIR))
    except ArtefactError as problem:
        message = t("convolution.run_missing", path=shown_path(RUN_DIR), problem=problem.reason)
        st.error(message, icon=":material/error:")
        return None
    seconds = f"{run.cnn.seconds + run.mlp.seconds:.1f}"
    return run, "default", True, t("convolution.default_run", seed=run.config.seed, seconds=seconds)


@st.fragment
def cnn_section() -> None:
    """The course's run on arrival, the learner's own once they train; a press reruns only this part."""
    config = cv.TrainConfig()
    train, test = split_sizes()
    st.header(t("convolution.cnn_header"))
    st.markdown(t("convolution.cnn_intro", c1=config.channels[0], c2=config.channels[1], train=f"{train:,}", test=test))
    text, card = st.columns([1, 1])
    text.markdown(t("convolution.batch_intro", train=f"{train:,}", batch=config.batch_size))
    steps, (full, rest) = cv.steps_per_epoch(train, config.batch_size), divmod(train, config.batch_size)
    numbers = {"train": f"{train:,}", "batch": config.batch_size, "ratio": f"{train / config.batch_size:.2f}"}
    explain = t("convolution.ex3_explain", **numbers, full=full, rest=rest, steps=steps,
                total=f"{steps * config.epochs:,}", epochs=config.epochs)  # fmt: skip
    question = t("convolution.ex3_question", train=numbers["train"], batch=config.batch_size)
    with card:
        exercise.number("convolution", 3, EXERCISES, question, answer=steps, tolerance=0.0, explain=explain)
    slot = st.container()  # the run shown goes above the button that replaces it
    train_own(config)
    with slot:
        shown = shown_run()
        if shown is not None:
            epochs_part(*shown)


def epochs_part(run: cv.DigitsRun, run_id: str, public: bool, which: str) -> None:
    """The first layer's kernels and both accuracies, epoch by epoch (scrubbed), and a look inside."""
    epochs = len(run.cnn.test_accuracy)
    c1, c2 = st.columns([3, 2], vertical_alignment="center")
    c1.caption(which)
    with c2:
        epoch = min(slider("convolution.epoch_label", (0, epochs, epochs, 1), "conv_epoch"), epochs)
    cnn, mlp = run.cnn, run.mlp
    build = partial(charts.epochs_template, cnn.kernels, cnn.test_accuracy, mlp.test_accuracy, len(run.y_test))
    show(scrub_figure("conv_epochs", (run_id, current_language()), build, epoch, public), "conv_epochs_chart")
    busiest = int(np.argmax(cv.kernel_changes(cnn.kernels))) + 1
    what_you_saw(t("convolution.cnn_saw", epochs=epochs, test=len(run.y_test), busiest=busiest,
                   cnn=f"{cnn.test_accuracy[-1]:.1%}", mlp=f"{mlp.test_accuracy[-1]:.1%}",
                   cnn_params=f"{cnn.parameters:,}", mlp_params=f"{mlp.parameters:,}"))  # fmt: skip
    with go_deeper(t("convolution.details_header")):
        details(run, run_id, public)
        st.markdown(t("convolution.mlp_note"))


def details(run: cv.DigitsRun, run_id: str, public: bool) -> None:
    """The confusion matrix, and one test digit through the first layer."""
    predict = lambda: (cv.predict(run.cnn.model, run.x_test), cv.predict(run.mlp.model, run.x_test))  # noqa: E731
    cnn_pred, mlp_pred = kept("predict", (run_id,), predict, public)
    st.markdown(t("convolution.confusion_explain"))
    counts = cv.confusion_matrix(run.y_test, cnn_pred)
    chart("conv_confusion", (current_language(), run_id), lambda: charts.confusion_figure(counts), public=public)
    pick = st.slider(t("convolution.test_digit_label"), 0, len(run.y_test) - 1, 0, key="conv_test_digit")
    label, cnn, mlp = int(run.y_test[pick]), int(cnn_pred[pick]), int(mlp_pred[pick])
    st.markdown(t("convolution.digit_result", label=label, cnn=cnn, mlp=mlp))
    _, maps = cv.first_layer(run.cnn.model, run.x_test[pick])
    build = lambda: charts.maps_figure(run.x_test[pick], maps)  # noqa: E731
    chart("conv_maps", (current_language(), run_id, pick), build, public=public)
