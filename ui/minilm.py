"""MiniLM (the pretrained sentence encoder of lessons 6 and 7), loaded once per server, shared read-only."""

import streamlit as st

from core import embeddings as emb


@st.cache_resource(show_spinner=False)
def get_minilm():
    """The SentenceTransformer on the chosen device. Raises emb.ModelMissing if its package is absent."""
    from core.device import get_device

    return emb.load_model(get_device())


@st.cache_resource(show_spinner=False)
def get_minilm_eager():
    """A private CPU copy of MiniLM's BertModel that returns attention weights (lesson 7).

    Raises emb.ModelMissing like get_minilm. The shared model is left as it is.
    """
    from core.attention import eager_copy

    return eager_copy(get_minilm())
