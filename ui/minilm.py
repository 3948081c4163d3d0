"""MiniLM (the pretrained sentence encoder of lessons 6 and 7) and its PCA basis, loaded once per
server and shared read-only. Both loaders raise core.artefacts.ArtefactError, and only that, when
what they load is missing or broken; a page catches it around the section that needs the model."""

import os
from pathlib import Path

import streamlit as st

from core import embeddings as emb
from core.artefacts import ArtefactError, log_failure


@st.cache_resource(show_spinner=False)
def get_minilm():
    """The SentenceTransformer on the chosen device. Raises emb.ModelMissing (an ArtefactError) if its
    package is absent, and ArtefactError if its files are there but do not load."""
    from core.device import get_device

    try:
        return emb.load_model(get_device())
    except ArtefactError:
        raise
    except Exception as problem:  # the package's own files truncated or replaced
        raise ArtefactError("MiniLM", problem) from problem


def basis_path() -> Path:
    """models/minilm_pca_basis.safetensors, unless LLMX_PCA_BASIS names another file (read on every
    call: tests set it)."""
    return Path(os.environ.get("LLMX_PCA_BASIS", emb.BASIS_PATH))


@st.cache_resource(max_entries=2, show_spinner=False)
def get_basis(path: str) -> emb.PCA:
    """The shipped PCA basis of MiniLM's 384 dimensions. Raises ArtefactError if missing or corrupt."""
    try:
        return emb.load_basis(Path(path))
    except ArtefactError as problem:
        log_failure(problem, path)  # the full path for the server's log; learners see shown_path's
        raise


@st.cache_resource(show_spinner=False)
def get_minilm_eager():
    """A private CPU copy of MiniLM's BertModel that returns attention weights (lesson 7).

    Raises emb.ModelMissing like get_minilm. The shared model is left as it is.
    """
    from core.attention import eager_copy

    return eager_copy(get_minilm())
