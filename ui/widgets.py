"""The lessons' widgets, one way each."""

import streamlit as st

from ui.i18n import t


def slider(label_key: str, spec: tuple, key: str, **kwargs):
    """A slider from a (min, max, default, step) spec, labelled from the catalogs and kept in the URL
    (`bind="query-params"`) so a teacher's link reproduces the lesson's state."""
    lo, hi, default, step = spec
    return st.slider(t(label_key), lo, hi, default, step, key=key, bind="query-params", **kwargs)
