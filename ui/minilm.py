"""MiniLM (the pretrained sentence encoder of lessons 6 and 7) and its PCA basis, loaded once per
server and shared read-only. Both loaders raise core.artefacts.ArtefactError, and only that, when
what they load is missing or broken; a page catches it around the section that needs the model.
Also lesson 6's embeddings of texts: shared for the texts the course ships, kept in the learner's
session for their own (ui/private_cache.py says why)."""

import os
from pathlib import Path

import streamlit as st

from core import embeddings as emb
from core.artefacts import ArtefactError, log_failure
from ui.i18n import LANGUAGES, load_catalog
from ui.private_cache import private_unless


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


def knowledge_base(lang: str) -> list[str]:
    """Lesson 6's small FAQ about the course, one passage per line, in `lang`."""
    return [p.strip() for p in load_catalog(lang)["embeddings.knowledge_base"].splitlines() if p.strip()]


@st.cache_resource(show_spinner=False)
def shipped_texts() -> frozenset[str]:
    """Every text lesson 6 itself offers, in both languages: entries, candidates, the FAQ, the queries."""
    texts = {word for words in emb.ANALOGY_PRESETS for word in words}
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        for key in ("default_entries", "chinese_entries", "default_candidates"):
            texts.update(entry.text for entry in emb.parse_entries(catalog[f"embeddings.{key}"], "")[0])
        texts.update(knowledge_base(lang))
        texts.update((catalog["embeddings.default_query"].strip(), catalog["embeddings.ex3_query"].strip()))
    return frozenset(texts)


def only_shipped_texts(texts: tuple[str, ...], *settings) -> bool:
    """Results for the course's own texts are shared by every learner; a learner's own stay theirs."""
    return shipped_texts().issuperset(texts)


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=64, show_spinner=False)
def embed_texts(texts: tuple[str, ...]) -> emb.Embedded:
    """MiniLM's embeddings of `texts` (raises ArtefactError like get_minilm)."""
    return emb.embed(get_minilm(), list(texts))


def current_basis() -> emb.PCA:
    """The PCA basis at basis_path() (raises ArtefactError if missing or corrupt)."""
    return get_basis(str(basis_path()))
