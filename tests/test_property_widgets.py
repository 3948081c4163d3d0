"""Property-based: any sequence of widget settings on any page, in either language, runs without an
exception. Hypothesis picks the page's widgets and their values across each widget's whole range:
sliders and select-sliders (any step), selectboxes, radios and segmented controls (any option),
checkboxes and toggles, number inputs (any value in bounds), text inputs and areas (any text).
Numbers are drawn on the widget's grid or from its extremes (see `extremes`): the bounds, the values
just inside them, and, for float widgets whose range holds them, tiny and denormal values (1e-45,
5e-324...), which a learner can type or put in a URL and which overflow a division.

Generic over the home page and ui.lessons.built_lessons(); the widgets are found by running the
page, so a new lesson is covered as soon as it exists. Deterministic (derandomize=True: the same
examples every run) and bounded: EXAMPLES per page (LLMX_HYPOTHESIS_EXAMPLES to search harder).
Buttons are left out: they train models, which tests/test_faults.py and the page tests press.
"""

import math
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from streamlit.proto.WidgetStates_pb2 import WidgetState

from tests.apptest import open_page
from ui.i18n import LANGUAGES
from ui.lessons import HOME_PATH, built_lessons

PAGES = [HOME_PATH] + [lesson.path for lesson in built_lessons()]
EXAMPLES = int(os.environ.get("LLMX_HYPOTHESIS_EXAMPLES", 4))
MAX_STEPS = 3  # widget changes per example, each followed by a rerun
KINDS = ("slider", "select_slider", "selectbox", "radio", "button_group", "checkbox", "toggle", "number_input")
TEXT_KINDS = ("text_input", "text_area")


def send_as_browser(widget, fill) -> None:
    """Make this widget send, on the next run, the state the browser would send for a choice.

    AppTest's set_value for option widgets wants the option's Python value, which the page's
    format_func hides; the browser sends the option's displayed label, and so do we."""
    state = WidgetState()
    state.id = widget.id
    fill(state)
    widget.__class__ = type(
        widget.__class__.__name__, (widget.__class__,), {"_widget_state": property(lambda _: state)}
    )


def on_grid(lo, hi, step, k: int):
    """The k-th stop of a slider or number box from lo, clamped to hi (float steps rounded)."""
    value = lo + k * step
    if isinstance(step, float) or isinstance(lo, float):
        value = round(float(value), 10)
    return min(value, hi)


def stops(lo, hi, step) -> int:
    return max(0, math.floor((hi - lo) / step + 1e-9))


# Tiny positive floats, each a different way a division by them fails: a float64 denormal (0 in
# float32: 0 / 0), a float64 normal that is 0 in float32, float32 denormals, and merely small.
TINY = (5e-324, 1e-300, 1e-45, 1e-40, 1e-8)


def is_float(widget) -> bool:
    return widget.proto.data_type == 1  # SliderProto/NumberInputProto.DataType.FLOAT


def extremes(lo, hi, floats: bool) -> list:
    """The values at and near a widget's bounds that grid steps never reach, in [lo, hi]."""
    if not floats:
        return sorted({lo, min(lo + 1, hi), max(hi - 1, lo), hi})
    values = {lo, hi, math.nextafter(lo, hi), math.nextafter(hi, lo), lo + (hi - lo) * 1e-9, hi - (hi - lo) * 1e-9}
    if lo <= 0 <= hi:
        values |= {0.0, *TINY, *(-x for x in TINY)}
    return sorted(v for v in values if lo <= v <= hi)


def number(data, widget, lo, hi, step, cap: int):
    """A value for a slider or number box: on its grid, or one of its extremes."""
    grid = hs.integers(0, min(stops(lo, hi, step), cap)).map(lambda k: on_grid(lo, hi, step, k))
    return data.draw(hs.one_of(hs.sampled_from(extremes(lo, hi, is_float(widget))), grid))


def change(data, widget, kind: str) -> str:
    """Draw a new value for `widget` within its range, apply it, and describe it (for the report)."""
    if kind == "slider":
        lo, hi, step = widget.min, widget.max, widget.step
        draw = lambda: number(data, widget, lo, hi, step, cap=stops(lo, hi, step))  # noqa: E731
        if isinstance(widget.value, tuple | list):
            value = tuple(sorted((draw(), draw())))
        else:
            value = draw()
        widget.set_value(value)
        return f"slider {widget.key}={value}"
    if kind == "select_slider":
        options = list(widget.options)
        if isinstance(widget.value, tuple | list):
            pair = sorted(data.draw(hs.integers(0, len(options) - 1)) for _ in range(2))
            labels = [options[i] for i in pair]
        else:
            labels = [data.draw(hs.sampled_from(options))]
        send_as_browser(widget, lambda state: state.string_array_value.data.extend(labels))
        return f"select_slider {widget.key}={labels}"
    if kind in ("selectbox", "radio"):
        label = data.draw(hs.sampled_from(list(widget.options)))
        send_as_browser(widget, lambda state: setattr(state, "string_value", label))
        return f"{kind} {widget.key}={label!r}"
    if kind == "button_group":
        labels = [option.content for option in widget.proto.options]
        label = data.draw(hs.sampled_from(labels))
        send_as_browser(widget, lambda state: state.string_array_value.data.append(label))
        return f"button_group {widget.key}={label!r}"
    if kind in ("checkbox", "toggle"):
        value = data.draw(hs.booleans())
        widget.set_value(value)
        return f"{kind} {widget.key}={value}"
    if kind == "number_input":
        lo = widget.min if widget.min is not None else -1e6
        hi = widget.max if widget.max is not None else 1e6
        step = widget.step or (1 if isinstance(widget.value, int) else 0.01)
        value = number(data, widget, lo, hi, step, cap=10**6)
        widget.set_value(value)
        return f"number_input {widget.key}={value}"
    text = data.draw(hs.text(max_size=60))
    widget.set_value(text)
    return f"{kind} {widget.key}={text!r}"


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=hs.data())
def test_any_widget_settings_run_without_exception(path, data):
    lang = data.draw(hs.sampled_from(LANGUAGES), label="language")
    at = open_page(path, lang)
    assert not at.exception, [e.value for e in at.exception]
    done = []
    for _ in range(data.draw(hs.integers(1, MAX_STEPS), label="steps")):
        widgets = [(kind, w) for kind in KINDS + TEXT_KINDS for w in at.get(kind) if not w.disabled]
        if not widgets:
            return  # a page without widgets (home) has nothing more to try
        kind, widget = data.draw(hs.sampled_from(widgets), label="widget")
        done.append(change(data, widget, kind))
        at.run(timeout=300)
        assert not at.exception, (done, [e.value[:500] for e in at.exception])


PROFILES = {  # (lo, hi, floats) -> the value every slider and number box gets at once (None: unchanged)
    "min": lambda lo, hi, floats: lo,
    "just above min": lambda lo, hi, floats: math.nextafter(lo, hi) if floats else min(lo + 1, hi),
    "1e-300": lambda lo, hi, floats: 1e-300 if floats and lo <= 0 < hi else None,
    "1e-45": lambda lo, hi, floats: 1e-45 if floats and lo <= 0 < hi else None,
    "just below max": lambda lo, hi, floats: math.nextafter(hi, lo) if floats else max(hi - 1, lo),
    "max": lambda lo, hi, floats: hi,
}


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_extreme_numbers_run_without_exception(path):
    """Every slider and number box at once at each extreme: a bounded, deterministic complement to
    the random search above, which reaches a given widget's extremes only by chance."""
    at = open_page(path, "en")
    for name, profile in PROFILES.items():
        done = []
        for kind in ("slider", "number_input"):
            for widget in at.get(kind):
                if widget.disabled or isinstance(widget.value, tuple | list):
                    continue
                lo = widget.min if widget.min is not None else -1e6
                hi = widget.max if widget.max is not None else 1e6
                value = profile(lo, hi, is_float(widget))
                if value is not None:
                    widget.set_value(value)
                    done.append(f"{widget.key}={value!r}")
        if done:
            at.run(timeout=300)
            assert not at.exception, (name, done, [e.value[:500] for e in at.exception])


def test_options_sent_as_the_browser_does_reach_the_page():
    """The property test is only as good as its way of choosing options: check that it works, on
    the first page that has a selectbox and a select-slider."""
    path = next(p for p in PAGES if all(f"st.{k}(" in p.read_text() for k in ("selectbox", "select_slider")))
    at = open_page(path, "en")
    box, slider = at.selectbox[0], at.select_slider[0]
    before = (box.value, slider.value)
    box_label = next(o for o in box.options if o != box.options[box.index])
    slider_label = next(o for o in slider.options if o != slider.options[slider.options.index(str(slider.value))])
    send_as_browser(box, lambda state: setattr(state, "string_value", box_label))
    send_as_browser(slider, lambda state: state.string_array_value.data.append(slider_label))
    at.run()
    assert not at.exception
    box, slider = at.selectbox(key=box.key), at.select_slider(key=slider.key)
    assert box.options[box.index] == box_label and box.value != before[0]
    assert str(slider.value) == slider_label and slider.value != before[1]
