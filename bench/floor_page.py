"""A floor for the latency ratios: the reference page's one slider with one real lesson chart, lesson 7's
first (the RNN against attention, drawn by the lesson's own code), and nothing else.

No lesson page can be faster than the cheapest page that shows one of its charts, so this row shows how
much of a lesson's ratio the chart alone takes.
"""

import streamlit as st

from app_pages.attention_sequence import dependence_chart

st.title("Floor")
n = st.slider("words", 4, 40, 16, key="floor_words")
dependence_chart("floor_dep", n, 0.9)  # the lesson's default spectral radius
