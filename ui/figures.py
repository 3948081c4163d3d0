"""Shared Plotly styling: one look for every chart, readable in light and dark themes."""

import copy
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

# Colour roles used across lessons (colour-blind safe, from the Okabe-Ito palette).
COLORS = {
    "data": "#0072B2",
    "model": "#D55E00",
    "reference": "#009E73",
    "accent": "#CC79A7",
    "muted": "#999999",
    "warning": "#E69F00",
}


def rounded(values, digits: int) -> list:
    """Plain floats for a frame (JSON), rounded so that many frames stay small. Rounded in float64: a
    float32 0.2469 would be written 0.24690000712871552, three times the characters."""
    return np.round(np.asarray(values, dtype=np.float64), digits).tolist()


def style(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 420) -> go.Figure:
    """Title, axis titles (with units), a legend and compact margins; returns the same figure."""
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        xaxis_title=x_title,
        yaxis_title=y_title,
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        # Below the plot: above it, a long legend collides with the title in narrow columns.
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0.0},
        hovermode="closest",
    )
    return fig


_FOLLOW_JS = (Path(__file__).parent / "scrub_follow.js").read_text(encoding="utf-8")
# Takes no room: the element only carries a scrub figure's state for its script.
_FOLLOW_CSS = ".stElementContainer:has(.llmx-scrub-follow) { display: none; }"
_follow = st.components.v2.component("llmx_scrub_follow", js=_FOLLOW_JS, css=_FOLLOW_CSS, isolate_styles=False)


def show(fig: go.Figure, key: str | None = None) -> None:
    """Draw with Streamlit's theme (follows light/dark) at the container's width. A scrub figure
    (ui/scrub.py) gets its companion, which moves the drawn figure to the widget's state."""
    st.plotly_chart(fig, theme="streamlit", key=key, config={"displaylogo": False})
    scrub = getattr(fig, "_scrub", None)
    if key is not None and scrub is not None:
        _follow(data={"chart": key, "token": scrub["token"], "active": str(scrub["active"])}, key=f"{key}_follow")


class PrebuiltFigure(go.Figure):
    """A figure whose dict is already complete and valid. `st.plotly_chart` takes a Figure's
    `to_dict()` as it is, where a plain dict would be validated again, trace by trace."""

    def __init__(self, spec: dict):
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec


@st.cache_resource(max_entries=384, show_spinner=False)
def shared_spec(key: str, signature: tuple, _build) -> dict:
    """What `_build()` makes for this key and signature (a figure, or a figure's dict), as a dict:
    built once for every learner, never modified. `signature` holds everything the build reads
    (the language included). Sized in bench/README.md ("figure caches")."""
    built = _build()
    return built if isinstance(built, dict) else built.to_dict()


def figure(key: str, signature: tuple, build, update=None, public: bool = True) -> go.Figure:
    """The one way a page gets a figure.

    `build()` makes it (validating every property takes tens of ms) only when `signature` (what
    fixes its structure: data, language) changes; `update(fig)`, if given, then sets this run's
    values on every run, a fresh build included, so the values never depend on who built it.
    `public`: the build reads only the course's own inputs, so it is built once for every learner
    and each learner gets a copy (no validation); otherwise (it reads what this learner typed) it is
    built in their session. A figure without `update` is fixed by its signature: a public one is
    shown straight from the shared copy; a private one is kept in the session.
    """
    if update is None and public:
        return PrebuiltFigure(shared_spec(key, signature, build))
    slot = f"_figure_{key}"
    held = st.session_state.get(slot)
    if held is None or held[0] != signature:
        fresh = copy_figure(shared_spec(key, signature, build)) if public else build()
        held = (signature, fresh)
        st.session_state[slot] = held
    if update is not None:
        update(held[1])
    return held[1]


def copy_figure(spec: dict) -> go.Figure:
    """A learner's own figure from a shared, already validated dict: a copy takes a few ms where a
    build takes tens."""
    return go.Figure(copy.deepcopy(spec), _validate=False)


def chart(key: str, signature: tuple, build, update=None, public: bool = True) -> go.Figure:
    """`figure(...)`, drawn under the same key; returns it."""
    fig = figure(key, signature, build, update, public)
    show(fig, key=key)
    return fig
