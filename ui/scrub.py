"""Scrub figures: every state of a control computed once by core, carried by the figure as Plotly
frames, and scrubbed in the browser with the figure's own slider, with no script run.

`scrub_figure` takes the base figure (everything that does not change), one `Frame` per state
(the data of the traces that change, the title and annotations that quote the state's numbers)
and the state the page's Streamlit widget selects. That widget stays: it is the keyboard path,
and a page's link or exercise preset sets it. The states are computed once per signature for all
learners (`ui.figures.shared_spec`, bounded) and never modified, and sent without Plotly's validation
of every frame (tens of ms for a hundred).

What is sent does not change when the widget moves: the figure shows the state it was first asked
for, and a small companion element (ui/scrub_follow.js, drawn by `ui.figures.show` after the chart)
carries the widget's state; in the browser it jumps the drawn figure to that frame. A keyboard move
therefore changes a few bytes instead of re-sending every frame for Plotly to rebuild (bench/README.md).
"""

import uuid
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


def _steps(labels: list[str], redraw: bool = True, rows: int = 0) -> list[dict]:
    """One slider step per state; each jumps to its frame at once (no transition). `redraw`: Plotly redraws
    the whole figure after the frame; without it only scatter traces change (half the time of a drag).
    In a grid (`rows` > 0) a step does nothing itself: the companion jumps to its frame in the row shown."""
    if rows:
        return [{"label": label, "method": "skip"} for label in labels]
    jump = {"mode": "immediate", "frame": {"duration": 0, "redraw": redraw}, "transition": {"duration": 0}}
    return [{"label": label, "method": "animate", "args": [[str(i)], jump]} for i, label in enumerate(labels)]


def _frames(frames: list[Frame], traces: list[int], redraw: bool, fixed: list[dict]) -> list[dict]:
    """Plotly's frames, named by their index: only what changes (relaying out unchanged annotations costs
    every redraw of a drag; Plotly merges a frame's layout deep, so the title's text is all it needs)."""
    return [
        {
            "name": str(i),
            "traces": traces,
            "data": frame.data,
            "layout": ({"title": {"text": frame.title}} if redraw else {})
            | ({"annotations": fixed + list(frame.annotations)} if frame.annotations else {}),
        }
        for i, frame in enumerate(frames)
    ]


def build_template(
    base: go.Figure,
    traces: list[int],
    frames: list[Frame],
    labels: list[str],
    prefix: str,
    redraw: bool = True,
    slider: bool = True,
    rows: tuple[list[int], list[Frame]] | None = None,
) -> dict:
    """The whole figure as a plain dict: base, frames and the in-figure slider.

    `redraw=False` for a figure made of scatter traces only (lines, markers, text): Plotly then skips the
    full redraw after each frame. Its frames carry no title or annotations, which only a redraw draws: the
    state's headline is then a text trace of the figure's own. (Any other trace, a heatmap beneath, is
    erased by such a jump, even on a subplot of its own: measured in Chromium.)

    `slider=False`: no slider of its own (a widget of the page moves it, through the companion); the
    base keeps its legend and margins.

    `rows = (traces, row_frames)`: the states are a grid, one row per value of a widget of the page (a
    learning rate, say) times the slider's `labels`, frame `row * len(labels) + column`. `row_frames[row]`
    sets the listed traces to what the whole row shares (that rate's path), once, when the companion
    enters the row, so that no frame carries it; it is the frame named `row<row>`. A drag moves along the
    row shown, the widget picks the row: neither sends a new figure."""
    row_traces, row_frames = rows or ([], [])
    if len(frames) != max(len(row_frames), 1) * len(labels):
        raise ValueError(f"{len(frames)} frames for {len(row_frames)} rows of {len(labels)} states")
    if not redraw and any(frame.title or frame.annotations for frame in frames):
        raise ValueError("without a redraw a frame's title and annotations would not be drawn")
    if not redraw and any(trace.type != "scatter" for trace in base.data):
        raise ValueError("a jump without a redraw erases every trace that is not a scatter")
    spec = base.to_dict()
    title = spec["layout"].get("title", {})
    fixed = spec["layout"].get("annotations", [])  # the base's own (a reference line's label) stay
    spec["frames"] = _frames(frames, traces, redraw, fixed) + [
        {"name": f"row{row}", "traces": row_traces, "data": frame.data} for row, frame in enumerate(row_frames)
    ]
    spec["layout"]["sliders"] = [
        {
            "active": 0,
            "steps": _steps(labels, redraw, len(row_frames)),
            "currentvalue": {"prefix": prefix, "font": {"size": 14}},
            # The grip jumps with the figure: Plotly's default glides it for 150 ms after every jump.
            "transition": {"duration": 0},
            "pad": {"t": 45, "b": 0},
            "len": 1.0,
            "x": 0.0,
            "visible": slider,
        }
    ]
    if slider:  # it sits below the plot, so the legend goes above it, under the per-state title
        spec["layout"]["margin"] = {**spec["layout"].get("margin", {}), "t": 95, "b": 10}
        spec["layout"]["legend"] = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0}
    spec["layout"]["title"] = {**title, "y": 0.98, "yanchor": "top", "yref": "container"}
    if row_frames:  # what the companion needs to find a frame, and how to jump there
        spec["layout"]["meta"] = {"grid": len(labels), "redraw": redraw}
    return spec


class ScrubFigure(PrebuiltFigure):
    """A scrub figure as sent (fixed for its signature) and the state the widget chose (`active`),
    which its companion element moves it to in the browser. `token` names this figure's spec."""

    def __init__(self, spec: dict, active: int):
        super().__init__(spec)
        self._scrub = {"token": spec["layout"]["meta"]["scrub"], "active": active}  # go.Figure takes only _names


def _merged(shown: dict, change: dict) -> dict:
    """`change` over `shown` as Plotly merges a frame's trace: nested dicts key by key, lists replaced whole."""
    out = dict(shown)
    for key, value in change.items():
        both = isinstance(value, dict) and isinstance(out.get(key), dict)
        out[key] = _merged(out[key], value) if both else value
    return out


def apply_frame(spec: dict, active: int) -> dict:
    """The figure moved to state `active`, as Plotly.animate moves it: (in a grid, its row's frame first)
    the frame's traces and layout merged deep over what was shown, and the slider there (in a grid, at
    the frame's column)."""
    columns = spec["layout"].get("meta", {}).get("grid")
    steps = [spec["frames"][active]]
    if columns:
        steps.insert(0, next(f for f in spec["frames"] if f["name"] == f"row{active // columns}"))
    data, layout = list(spec["data"]), spec["layout"]
    for frame in steps:
        for index, trace in zip(frame["traces"], frame["data"]):
            data[index] = _merged(data[index], trace)
        layout = _merged(layout, frame.get("layout", {}))
    layout["sliders"] = [{**spec["layout"]["sliders"][0], "active": active % columns if columns else active}]
    return {**spec, "data": data, "layout": layout}


def bake(template: dict, active: int) -> dict:
    """The template showing state `active`, named by a fresh token so the browser can tell it from
    the figure it replaces; `at` says which state that is."""
    shown = apply_frame(template, active)
    meta = shown["layout"].get("meta", {}) | {"scrub": uuid.uuid4().hex[:12], "at": active}
    return shown | {"layout": shown["layout"] | {"meta": meta}}


def scrub_figure(key: str, signature: tuple, build, active: int, public: bool = True) -> ScrubFigure:
    """The figure `build()` makes (a dict from `build_template`) for this signature, to be shown in
    state `active`. `public`: the states come from the course's own inputs and may be shared by every
    learner. The spec sent shows the state first asked for with this signature; `ui.figures.show`
    adds the element that moves it to `active` in the browser."""
    if public:
        template = shared_spec(key, signature, build)
        baked = shared_spec(f"{key}#baked", signature, lambda: bake(template, active))
    else:  # built from what this learner typed: kept in their session (ui/private_cache.py says why)
        template = in_session("scrub_figure", (key, signature), build, entries=4)
        baked = in_session("scrub_baked", (key, signature), lambda: bake(template, active), entries=4)
    return ScrubFigure(baked, active)
