"""Pure computation for the course: NumPy and PyTorch, never Streamlit.

Every function here can be called from a notebook or a test. Pages call these, then draw.
"""
