"""ui.figures: a learner's copy of a shared figure template is the same figure, and its own."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from tests.apptest import RECORD as BUILDS  # what the scripts below built
from ui.figures import copy_figure, style
from ui.scrub import Frame, apply_frame, bake, build_template


def built() -> go.Figure:
    x = np.linspace(0, 1, 50)
    figure = go.Figure([go.Scatter(x=x, y=x**2, name="curve"), go.Heatmap(z=np.arange(12).reshape(3, 4))])
    return style(figure, "title", "x", "y")


def spec(figure: go.Figure) -> dict:
    return json.loads(figure.to_json())  # what Streamlit sends to the browser, key order aside


def test_a_copy_of_a_template_is_the_figure_built_directly():
    template = built().to_dict()
    assert spec(copy_figure(template)) == spec(built())


def test_updating_a_copy_leaves_the_shared_template_alone():
    template = built().to_dict()
    before = spec(go.Figure(template))
    mine = copy_figure(template)
    mine.data[0].y = np.zeros(50)
    mine.update_layout(title_text="mine")
    assert spec(go.Figure(template)) == before
    assert spec(copy_figure(template)) == before != spec(mine)


# --- figure(): the one way a page gets a figure ---------------------------------------------------------


def figure_script():
    import plotly.graph_objects as go
    import streamlit as st

    from tests.apptest import RECORD
    from ui.figures import PrebuiltFigure, figure

    state = st.session_state

    def build():
        RECORD.append(state["name"])
        return go.Figure(go.Scatter(x=[0, 1], y=[0, 0]))

    update = None if state.get("fixed") else (lambda f: f.data[0].update(y=[state["value"]] * 2))
    fig = figure(state["name"], (state["signature"],), build, update, public=state["public"])
    state["y"] = list(fig.to_dict()["data"][0]["y"])
    state["prebuilt"] = isinstance(fig, PrebuiltFigure)
    state["spec_id"] = id(fig.to_dict())


def figure_session(name: str, public: bool, fixed: bool = False):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(figure_script)
    for key, value in dict(name=name, public=public, fixed=fixed, signature=0, value=1).items():
        at.session_state[key] = value
    return at.run()


@pytest.mark.parametrize("public", [True, False])
def test_a_figure_is_built_once_per_signature_and_updated_on_every_run(public):
    name = f"updated_{public}"
    at = figure_session(name, public)
    assert (BUILDS.count(name), at.session_state["y"]) == (1, [1, 1]), "a fresh build is updated too"
    at.session_state["value"] = 2
    at.run()
    assert (BUILDS.count(name), at.session_state["y"]) == (1, [2, 2])
    at.session_state["signature"] = 1
    at.run()
    assert (BUILDS.count(name), at.session_state["y"]) == (2, [2, 2])
    other = figure_session(name, public)  # another learner, the first signature
    assert other.session_state["y"] == [1, 1], "no learner sees another's values"
    assert BUILDS.count(name) == (2 if public else 3), "a public build is shared; a private one is not"


def test_a_fixed_public_figure_is_shown_straight_from_the_shared_copy():
    first, second = figure_session("fixed", True, fixed=True), figure_session("fixed", True, fixed=True)
    assert first.session_state["prebuilt"] and BUILDS.count("fixed") == 1
    assert first.session_state["spec_id"] == second.session_state["spec_id"]
    assert first.session_state["y"] == [0, 0]


def test_a_scrub_figure_without_redraw_changes_only_traces():
    base = go.Figure([go.Scatter(x=[0], y=[0]), go.Scatter(x=[0], y=[1], text=["headline"], mode="text")])
    frames = [Frame([{"y": [i]}, {"text": [f"state {i}"]}], "") for i in range(3)]
    spec = build_template(base, [0, 1], frames, ["a", "b", "c"], "at ", redraw=False)
    jumps = [step["args"][1]["frame"]["redraw"] for step in spec["layout"]["sliders"][0]["steps"]]
    assert jumps == [False] * 3 and all(frame["layout"] == {} for frame in spec["frames"])
    moved = apply_frame(spec, 2)
    assert moved["data"][0]["y"] == [2] and moved["data"][1]["text"] == ["state 2"]
    with pytest.raises(ValueError, match="redraw"):  # a title would never be drawn
        build_template(base, [0, 1], [Frame([{"y": [0]}, {"text": ["x"]}], "a title")], ["a"], "", redraw=False)
    with pytest.raises(ValueError, match="scatter"):  # the heatmap would vanish at the first jump
        build_template(go.Figure([*base.data, go.Heatmap(z=[[1]])]), [0, 1], frames, ["a", "b", "c"], "", redraw=False)
    redrawn = build_template(base, [0, 1], frames, ["a", "b", "c"], "at ")
    assert redrawn["layout"]["sliders"][0]["steps"][0]["args"][1]["frame"]["redraw"] is True


def test_a_frame_merges_into_its_trace_as_plotly_merges_it():
    """Nested dicts key by key (a frame that sends only marker.color keeps the marker's symbol), lists whole."""
    base = go.Figure([go.Scatter(x=[0, 1], y=[0, 1], mode="markers", marker={"symbol": "square", "color": [0, 0]})])
    spec = build_template(base, [0], [Frame([{"marker": {"color": [i, i]}}], "") for i in range(2)], ["a", "b"], "")
    marker = apply_frame(spec, 1)["data"][0]["marker"]
    assert marker["color"] == [1, 1] and marker["symbol"] == "square"


def test_a_grid_scrub_figure_moves_along_a_row_and_enters_a_row_through_its_own_frame():
    """Two rows (a widget's two values) of three states: trace 0 is what a row shares (set by the row's
    frame), trace 1 moves in every frame. The slider's steps do nothing themselves (the companion maps a
    drag to a frame)."""
    base = go.Figure([go.Scatter(y=[]), go.Scatter(y=[])])
    frames = [Frame([{"y": [10 * row + column]}], f"{row}-{column}") for row in range(2) for column in range(3)]
    row_frames = [Frame([{"y": [row, row]}], "") for row in range(2)]
    spec = build_template(base, [1], frames, ["a", "b", "c"], "at ", rows=([0], row_frames))
    assert spec["layout"]["meta"] == {"grid": 3, "redraw": True}
    assert [frame["name"] for frame in spec["frames"]] == ["0", "1", "2", "3", "4", "5", "row0", "row1"]
    assert [step["method"] for step in spec["layout"]["sliders"][0]["steps"]] == ["skip"] * 3
    shown = apply_frame(spec, 4)  # row 1, column 1
    assert shown["data"][0]["y"] == [1, 1] and shown["data"][1]["y"] == [11]
    assert shown["layout"]["sliders"][0]["active"] == 1 and shown["layout"]["title"]["text"] == "1-1"
    assert shown["layout"]["title"]["yref"] == "container"  # the frame's title merged into the base's
    baked = bake(spec, 4)
    assert baked["layout"]["meta"]["at"] == 4 and baked["layout"]["meta"]["grid"] == 3
    with pytest.raises(ValueError, match="6 frames for 3 rows"):
        build_template(base, [1], frames, ["a", "b", "c"], "", rows=([0], row_frames + row_frames[:1]))
