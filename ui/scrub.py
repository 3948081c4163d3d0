"""Scrub figures: every state of a control computed once by core, carried by the figure as Plotly
frames, and scrubbed in the browser with the figure's own slider, with no script run.

`scrub_figure` takes the base figure (everything that does not change), one `Frame` per state
(the data of the traces that change, the title and annotations that quote the state's numbers)
and the state the page's Streamlit widget selects. That widget stays: it is the keyboard path,
and a page's link or exercise preset sets it. The states are computed once per signature for all
learners (`ui.figures.shared_spec`, bounded) and never modified; each run sends a shallow copy with the
widget's state active, without Plotly's validation of every frame (tens of ms for a hundred).
"""

from dataclasses import dataclass, field

import plotly.graph_objects as go

from ui.figures import PrebuiltFigure, shared_spec
from ui.private_cache import in_session

MAX_SPEC_BYTES = 2_000_000  # the budget for the states one figure carries (DESIGN.md)


@dataclass(frozen=True)
class Frame:
    """One state: new data for the traces listed in `scrub_figure(traces=...)`, in that order."""

    data: list[dict]
    title: str
    annotations: list[dict] = field(default_factory=list)


def _steps(labels: list[str]) -> list[dict]:
    """One slider step per state; each jumps to its frame at once (no transition: a drag redraws)."""
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    return [{"label": label, "method": "animate", "args": [[str(i)], jump]} for i, label in enumerate(labels)]


def build_template(base: go.Figure, traces: list[int], frames: list[Frame], labels: list[str], prefix: str) -> dict:
    """The whole figure as a plain dict: base, frames and the in-figure slider."""
    spec = base.to_dict()
    title = spec["layout"].get("title", {})
    fixed = spec["layout"].get("annotations", [])  # the base's own (a reference line's label) stay
    spec["frames"] = [
        {
            "name": str(i),
            "traces": traces,
            "data": frame.data,
            # Only what changes: relaying out unchanged annotations costs every redraw of a drag.
            "layout": {"title": {**title, "text": frame.title, "y": 0.98, "yanchor": "top", "yref": "container"}}
            | ({"annotations": fixed + list(frame.annotations)} if frame.annotations else {}),
        }
        for i, frame in enumerate(frames)
    ]
    spec["layout"]["sliders"] = [
        {
            "active": 0,
            "steps": _steps(labels),
            "currentvalue": {"prefix": prefix, "font": {"size": 14}},
            "pad": {"t": 45, "b": 0},
            "len": 1.0,
            "x": 0.0,
        }
    ]
    # The slider sits below the plot, so the legend goes above it, under the per-state title.
    spec["layout"]["margin"] = {**spec["layout"].get("margin", {}), "t": 95, "b": 10}
    spec["layout"]["legend"] = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0}
    spec["layout"]["title"] = {**title, "y": 0.98, "yanchor": "top", "yref": "container"}
    return spec


def scrub_figure(key: str, signature: tuple, build, active: int, public: bool = True) -> PrebuiltFigure:
    """The figure `build()` makes (a dict from `build_template`) for this signature, showing state
    `active`: its slider there, its traces, title and annotations those of that frame. `public`:
    the states come from the course's own inputs and may be shared by every learner."""
    if public:
        template = shared_spec(key, signature, build)
    else:  # built from what this learner typed: kept in their session (ui/private_cache.py says why)
        template = in_session("scrub_figure", (key, signature), build, entries=4)
    frame = template["frames"][active]
    data = list(template["data"])
    for index, trace in zip(frame["traces"], frame["data"]):
        data[index] = {**data[index], **trace}
    layout = {**template["layout"], **frame["layout"]}
    layout["sliders"] = [{**template["layout"]["sliders"][0], "active": active}]
    return PrebuiltFigure({**template, "data": data, "layout": layout})
