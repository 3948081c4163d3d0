"""Shared Streamlit helpers: text, language, page frame, figure styling, show-the-code."""
