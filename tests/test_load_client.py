"""The load client's own logic, without a server: which slider it moves, and how."""

import asyncio

from streamlit.proto.Element_pb2 import Element

from bench.load_client import Learner, Widget


def slider(widget_id: str, value: float, low: float, high: float, step: float) -> Element:
    element = Element()
    element.slider.id, element.slider.label = widget_id, widget_id
    element.slider.default.append(value)
    element.slider.min, element.slider.max, element.slider.step = low, high, step
    return element


class Recorder(Learner):
    """A learner whose messages are recorded instead of sent."""

    def __init__(self):
        super().__init__("http://127.0.0.1:1", "page")
        self.sent = []

    async def set_widget(self, state):
        self.sent.append((state.id, list(state.double_array_value.data)))


def test_moves_the_top_slider_of_the_main_area_and_turns_at_the_end():
    learner = Recorder()
    learner.widgets = {
        "sidebar": Widget(slider("sidebar", 0, 0, 9, 1), "", (1, 0)),
        "lower": Widget(slider("lower", 0, 0, 9, 1), "", (0, 5)),
        "top": Widget(slider("top", 0.8, 0.0, 1.0, 0.1), "frag", (0, 2, 1)),
    }
    for _ in range(4):
        asyncio.run(learner.move_first_slider())
    ids = {widget_id for widget_id, _ in learner.sent}
    values = [round(value[0], 6) for _, value in learner.sent]
    assert ids == {"top"}
    assert values == [0.9, 1.0, 0.9, 0.8]  # right until the maximum, then back


def test_finds_a_widget_by_its_key():
    learner = Recorder()
    learner.widgets = {"$$ID-abc-None-nn_train": None, "$$ID-def-None-nn_train_pair": None}
    assert learner.widget_id("nn_train") == "$$ID-abc-None-nn_train"
