"""What a page does when the hardware fails a learner's training run: a message, not a traceback."""

import logging
from contextlib import contextmanager

import streamlit as st
import torch

from ui.i18n import t

LOG = logging.getLogger("llmx")


def run_page(page) -> None:
    """Run the chosen page; an error nobody foresaw becomes a short message in the learner's
    language, and its details go to the server's log, never to the page (SECURITY.md)."""
    try:
        page.run()
    except Exception:  # Streamlit's stop and rerun are BaseExceptions: they pass through
        LOG.exception("unexpected error on a page")
        st.error(t("common.unexpected_error"), icon=":material/error:")


def is_out_of_memory(error: BaseException) -> bool:
    """CUDA raises torch.OutOfMemoryError; MPS and some CUDA paths a RuntimeError that says so."""
    return isinstance(error, torch.OutOfMemoryError) or (
        isinstance(error, RuntimeError) and "out of memory" in str(error).lower()
    )


@contextmanager
def out_of_memory_guard(*placeholders):
    """Around a training run started by a button. If the device runs out of memory, the run ends
    with a message in the learner's language; `placeholders` (progress bars, live charts) are
    cleared, and the learner's settings and earlier results stay as they were (the run stores its
    result only at its end), so pressing the button again retries. Other errors pass through."""
    try:
        yield
    except (torch.OutOfMemoryError, RuntimeError) as error:
        if not is_out_of_memory(error):
            raise
        if torch.cuda.is_available():
            torch.cuda.empty_cache()  # give the half-built run's memory back to the other learners
        for placeholder in placeholders:
            placeholder.empty()
        st.error(t("common.out_of_memory"), icon=":material/memory_alt:")
