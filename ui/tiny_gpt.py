"""The course's two tiny GPTs, loaded once per server and shared read-only by the lessons that use
them: one trained on Shakespeare (65 characters), one on Tang poems (3,999 characters and □).

The learner's language picks the default (English: Shakespeare; 中文: Tang poems); `model_switch`
changes it for every lesson at once and keeps the choice in the URL, so a teacher's link shows the
same model.
"""

import os
from pathlib import Path

import streamlit as st

from core.artefacts import ArtefactError, log_failure, shown_path
from core.gpt_train import CharVocab, load
from ui.i18n import current_language, t
from ui.lessons import ROOT

FOLDERS = {"shakespeare": "tiny_gpt", "tang": "tiny_gpt_tang"}  # under models/
DEFAULT_FOR = {"en": "shakespeare", "zh": "tang"}
KEY = "gpt"  # the switch's key and URL parameter
KEPT = "gpt_kept"  # the learner's last pick, kept while they visit pages without the switch


def language_default() -> str:
    return DEFAULT_FOR.get(current_language(), "shakespeare")


def chosen_name() -> str:
    """The name, "shakespeare" or "tang": the switch on this page, else the learner's last pick, else the link's
    ?gpt=, else their language's default."""
    for name in (st.session_state.get(KEY), st.session_state.get(KEPT), st.query_params.get(KEY)):
        if name in FOLDERS:
            return name
    return language_default()


def model_dir(name: str | None = None) -> Path:
    """The folder of the chosen model (or of `name`). LLMX_TINY_GPT names another folder for either
    (read on every call: tests set it)."""
    override = os.environ.get("LLMX_TINY_GPT")
    return Path(override) if override else ROOT / "models" / FOLDERS[name or chosen_name()]


def model_switch() -> str:
    """The two-way switch between the models, labelled in the learner's language; the chosen name.

    Kept in the URL by hand (?gpt=tang): a widget bound to the URL would write its translated label
    there, and a link would then depend on the language it was copied in.
    """
    default = chosen_name()
    st.segmented_control(t("common.tiny_gpt.switch_label"), tuple(FOLDERS), default=default, key=KEY, required=True,
                         format_func=lambda n: t(f"common.tiny_gpt.names.{n}"), help=t("common.tiny_gpt.switch_help"),
                         on_change=lambda: st.session_state.update({KEPT: st.session_state.get(KEY)}))  # fmt: skip
    name = chosen_name()
    if st.query_params.get(KEY) != name:
        st.query_params[KEY] = name
    return name


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


def kind(vocab: CharVocab) -> str:
    """Which of the two models a vocabulary is: only the Tang poems' is capped (has □). A page asks the
    model it loaded, not the switch: LLMX_TINY_GPT may name either folder whatever the switch says."""
    return "shakespeare" if vocab.unknown_id is None else "tang"


def load_chosen(missing_key: str):
    """The switch, then the chosen model: (model, vocab, info, directory, kind). Missing or corrupt files
    get the page's message (catalog key `missing_key`, with {path} and {problem}) and stop the page."""
    directory = str(model_dir(model_switch()))
    try:
        model, vocab, info = get_model(directory)
    except ArtefactError as problem:  # explain, never a traceback
        st.error(t(missing_key, path=shown_path(model_dir()), problem=problem.reason), icon=":material/error:")
        st.stop()
    return model, vocab, info, directory, kind(vocab)
