"""MiniLM (the pretrained sentence encoder of lessons 6 and 7), loaded once per server, shared read-only."""

import streamlit as st

from core import embeddings as emb


@st.cache_resource(show_spinner=False)
def get_minilm():
    """The SentenceTransformer on the chosen device. Raises emb.ModelMissing if its package is absent."""
    from core.device import get_device

    return emb.load_model(get_device())
