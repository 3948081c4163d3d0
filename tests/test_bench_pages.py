"""The benchmark's floor page draws the attention lesson's first chart with its numbers, and follows its slider."""

import json

import numpy as np

from core import attention as att
from tests.apptest import plotly_array, run_clean
from ui.i18n import load_catalog
from ui.lessons import ROOT

FLOOR = ROOT / "bench" / "floor_page.py"


def floor_chart(at) -> dict:
    (element,) = at.get("plotly_chart")
    return json.loads(element.proto.spec)


def test_floor_page_shows_the_lessons_dependence_for_its_slider():
    at = run_clean(FLOOR)
    for n in (16, 17):
        at.slider[0].set_value(n).run()
        assert not at.exception
        sentence = load_catalog("en")["attention.rnn_sentence"].split()
        X = att.word_vectors([sentence[i % len(sentence)] for i in range(n)], 8)
        spec = floor_chart(at)
        np.testing.assert_allclose(plotly_array(spec["data"][0]["y"]), np.maximum(att.rnn_dependence(X, 0.9), 1e-30))
        np.testing.assert_allclose(plotly_array(spec["data"][1]["y"]), att.attention_dependence(X), rtol=1e-6)
