"""Shared Plotly styling: one look for every chart, readable in light and dark themes."""

import copy

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


def show(fig: go.Figure, key: str | None = None) -> None:
    """Draw with Streamlit's theme (follows light/dark) at the container's width."""
    st.plotly_chart(fig, theme="streamlit", key=key, config={"displaylogo": False})


def session_figure(name: str, signature: tuple, build, update=None) -> go.Figure:
    """A figure kept in this learner's session and updated in place when only values change.

    Building a Plotly figure validates every property (tens of ms); assigning new data to the
    traces of an existing one takes well under a millisecond. `build()` makes the figure when
    `signature` (whatever fixes its structure: data, language) changes; otherwise
    `update(fig)`, if given, refreshes its values. Per session, so no learner sees another's figure.
    """
    slot = f"_figure_{name}"
    held = st.session_state.get(slot)
    if held is None or held[0] != signature:
        held = (signature, build())
        st.session_state[slot] = held
    elif update is not None:
        update(held[1])
    return held[1]


def copy_figure(template: dict) -> go.Figure:
    """A learner's own figure from the dict of one that Plotly validated when it was built.

    Shared templates (cached once for all learners, never modified) are copied, not validated
    again: validation is what makes a build take 10-40 ms; the copy takes 1-2 ms.
    """
    return go.Figure(copy.deepcopy(template), _validate=False)


def learner_figure(key: str, signature: tuple, build) -> go.Figure:
    """This learner's figure, to be updated in place with their values (on a fresh one too).

    A fresh one is a copy of a template built once for all learners per key and signature
    (a build costs 10-40 ms, a copy 1-2 ms); the caller's update sets every value the signature
    does not fix, so whose values the template was built with never shows. `signature` must hold
    everything the build depends on besides those values (language included).
    """
    return session_figure(key, signature, lambda: copy_figure(_shared_template(key, signature, build)))


@st.cache_resource(max_entries=128, show_spinner=False)
def _shared_template(key: str, signature: tuple, _build) -> dict:
    """The figure `_build` makes for this key and signature, as a dict: shared, never modified.
    128 entries: lesson 7's default page takes 16 and its largest (an all-heads overview of a
    long text) is under 1 MB; lessons 3 and 9 take a few each."""
    return _build().to_dict()
