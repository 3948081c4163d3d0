"""A floor for the latency ratios: the reference page's one slider with one real lesson chart, lesson 7's
first (the RNN against attention, drawn by the lesson's own code), and nothing else.

No lesson page can be faster than the cheapest page that shows one of its charts, so this row shows how
much of a lesson's ratio the chart alone takes.
"""

import streamlit as st

from core import attention as att
from ui import attention_charts as charts
from ui.attention_sections import draw
from ui.i18n import t


@st.cache_data(max_entries=64, show_spinner=False)
def dependence(words: tuple[str, ...]):
    X = att.word_vectors(list(words), 8)  # (T, 8), as in the lesson's RNN section
    return att.rnn_dependence(X, 0.9), att.attention_dependence(X)


st.title("Floor")
n = st.slider("words", 4, 40, 16, key="floor_words")
sentence = t("attention.rnn_sentence").split()
words = tuple(sentence[i % len(sentence)] for i in range(n))
rnn, attn = dependence(words)
draw("floor_dep", (), charts.dependence_figure, lambda f: charts.update_dependence_figure(f, list(words), rnn, attn))
