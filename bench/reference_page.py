"""The reference for every latency ratio: a trivial page with one slider and one Plotly chart."""

import plotly.graph_objects as go
import streamlit as st

st.title("Reference")
value = st.slider("value", 0, 100, 50, key="ref_value")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1], y=[0, value])), key="ref_chart")
