"""The course's tiny GPT, loaded once per server and shared read-only by the lessons that use it."""

import os
from pathlib import Path

import streamlit as st

from core.gpt_train import load
from ui.lessons import ROOT


def model_dir() -> Path:
    """models/tiny_gpt, unless LLMX_TINY_GPT names another folder (read on every call: tests set it)."""
    return Path(os.environ.get("LLMX_TINY_GPT", ROOT / "models" / "tiny_gpt"))


@st.cache_resource(max_entries=2, show_spinner=False)
def get_model(directory: str):
    """(model, vocab, info) of the shipped model, on the CPU. Raises if the files are missing or corrupt."""
    return load(Path(directory))
