"""Fair sharing of one server between learners who train models.

Every lesson that trains on a button press does so inside `with training_slot():`. The server has
a fixed number of training slots (LLMX_TRAINING_SLOTS, default 1): a learner who presses "train"
while every slot is taken sees a "waiting for a free slot" message until one frees up, and the
learners who only move sliders keep the rest of the CPU. A slot is a shared server resource (one
`threading.BoundedSemaphore` in an `st.cache_resource` object), never per-session state.

Training stays stoppable: each progress update of the core's callback is a point where Streamlit can
stop the script (the learner pressed Stop, or closed the tab), and the slot is released on the way
out, whatever ended the run. The same holds while waiting.
"""

import contextlib
import os
import threading
import time
import uuid

import streamlit as st

from core.device import get_device
from core.progress import Progress
from ui.faults import out_of_memory_guard
from ui.i18n import t

SLOTS_ENV_VAR = "LLMX_TRAINING_SLOTS"
DEFAULT_SLOTS = 1  # one training run at a time leaves a 2-core machine's other core to the sliders
TRAINING_NICE = 10  # how much lower the training thread's OS priority is than the server's
HINT_KEY_PREFIX = "training_hint_"
POLL_SECONDS = 0.5  # how often a waiting learner's message updates (and Streamlit may stop the wait)


def slot_count(setting: str | None) -> int:
    """LLMX_TRAINING_SLOTS as a positive int; anything else means the default."""
    try:
        return max(1, int(setting or DEFAULT_SLOTS))
    except ValueError:
        return DEFAULT_SLOTS


class TrainingSlots:
    """A fixed number of concurrent training runs for the whole server process."""

    def __init__(self, size: int):
        self.size = size
        self._semaphore = threading.BoundedSemaphore(size)

    def acquire(self, timeout: float) -> bool:
        return self._semaphore.acquire(timeout=timeout)

    def release(self) -> None:
        self._semaphore.release()


@st.cache_resource(show_spinner=False)
def training_slots() -> TrainingSlots:
    """The server's slots, created once and shared by every session."""
    return TrainingSlots(slot_count(os.environ.get(SLOTS_ENV_VAR)))


def hide_progress_of_stopped_runs() -> None:
    """Called by app.py on every run.

    After Stop, Streamlit refuses every further message from the stopped run (each raises
    StopException again), so the run cannot clear its own progress bar and "press Stop" hint: they
    would stay on the page, frozen, until the next rerun. The page root says whether a script is
    running; this rule hides both once none is. A constant string, no learner text (SECURITY.md);
    "training_hint_" is HINT_KEY_PREFIX.
    """
    st.html(
        """<style>
[data-test-script-state="notRunning"] [data-testid="stProgress"],
[data-test-script-state="stopRequested"] [data-testid="stProgress"],
[data-test-script-state="notRunning"] [class*="st-key-training_hint_"],
[data-test-script-state="stopRequested"] [class*="st-key-training_hint_"] { display: none; }
</style>"""
    )


@contextlib.contextmanager
def training_slot():
    """Hold one of the server's training slots while the with-block trains.

    Waits (with a message in the learner's language) while all slots are taken. Also makes sure
    PyTorch uses the server's thread setting (core.device.get_device sets it once per process).
    """
    get_device()
    slots = training_slots()
    note = None
    if not slots.acquire(timeout=0):
        note, start = st.empty(), time.monotonic()
        # Each update of the message is a point where Streamlit can stop this script: a learner
        # who gives up (Stop, or closes the tab) leaves the queue.
        note.info(t("common.training_wait", slots=slots.size, seconds=0), icon=":material/hourglass_top:")
        while not slots.acquire(timeout=POLL_SECONDS):
            waited = round(time.monotonic() - start)
            note.info(t("common.training_wait", slots=slots.size, seconds=waited), icon=":material/hourglass_top:")
    try:  # from here on the slot is ours: released however the run ends
        if note is not None:
            note.empty()
        # A uniquely keyed container: hide_progress_of_stopped_runs() hides it once the run is over, since
        # a run ended by Stop can no longer send anything to clear it.
        hint = st.container(key=f"{HINT_KEY_PREFIX}{uuid.uuid4().hex}").empty()
        hint.caption(t("common.training_stop_hint"))
        with lower_priority():
            yield
        hint.empty()
    finally:
        slots.release()


@contextlib.contextmanager
def lower_priority(increment: int = TRAINING_NICE):
    """Run this thread (Streamlit runs each script run in its own) at a lower OS priority.

    On a busy CPU the kernel then prefers the threads that answer other learners' sliders. Linux
    sets nice values per thread; elsewhere, or where not allowed, this does nothing.
    """
    thread = threading.get_native_id()
    try:
        before = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(19, before + increment))
    except (AttributeError, OSError):
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # raising priority back may need privileges
            os.setpriority(os.PRIO_PROCESS, thread, before)


def train_with_progress(describe, train, draw_live=None):
    """The one way a page trains on a button press; returns `train(on_progress)`'s result, or None
    when the device ran out of memory (the learner has been told, and may press again).

    Inside a training slot, a progress bar says `describe(progress)` (a `core.progress.Progress`),
    `draw_live(progress)`, if given, redraws a live chart under it, and both are cleared at the end.
    The caller stores the result only once the run is over, so a stopped run changes nothing.
    """
    with training_slot():
        bar = st.progress(0.0, text=describe(Progress(0, 1)))
        live = st.empty()

        def on_progress(progress: Progress) -> None:
            bar.progress(progress.fraction, text=describe(progress))
            if draw_live is not None:
                with live.container():
                    draw_live(progress)

        result = None
        with out_of_memory_guard(bar, live):
            result = train(on_progress)
        bar.empty()
        live.empty()
        return result
