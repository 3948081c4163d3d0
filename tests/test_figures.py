"""ui.figures: a learner's copy of a shared figure template is the same figure, and its own."""

import json

import numpy as np
import plotly.graph_objects as go

from ui.figures import copy_figure, style


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
