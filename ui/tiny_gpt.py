"""The course's tiny GPT, loaded once per server and shared read-only by the lessons that use it."""

import os
from pathlib import Path

import streamlit as st

from core.artefacts import ArtefactError, log_failure
from core.gpt_train import load
from ui.lessons import ROOT


def model_dir() -> Path:
    """models/tiny_gpt, unless LLMX_TINY_GPT names another folder (read on every call: tests set it)."""
    return Path(os.environ.get("LLMX_TINY_GPT", ROOT / "models" / "tiny_gpt"))


@st.cache_resource(max_entries=4, show_spinner=False)
def get_model(directory: str):
    """(model, vocab, info) of a shipped model, on the CPU: the course's, or a small one a lesson
    shows before the learner trains their own.

    Raises ArtefactError, and only that, if model.json or model.safetensors is missing, truncated or
    does not match (a failed load is not cached: once the files are fixed, the next run loads them).
    """
    try:
        return load(Path(directory))
    except Exception as problem:  # FileNotFoundError, JSONDecodeError, SafetensorError, KeyError, size mismatch...
        error = ArtefactError("tiny_gpt", problem)
        log_failure(error, directory)  # the full path for the server's log; learners see shown_path's
        raise error from problem
