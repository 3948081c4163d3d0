"""Lesson 1's hero as a small component: k and b scrubbed in the browser (ui/line_pad.js).

Core computes every state of the grid once (`core.fitting.error_grid`), shared by all learners;
the component redraws on every input event and tells Python the state only on release, so a drag
runs no script. Its two range inputs are native: the arrow keys reach every state.
"""

from pathlib import Path

import numpy as np
import streamlit as st

from core import fitting as fit
from ui.i18n import t
from ui.private_cache import private_unless

_JS = (Path(__file__).parent / "line_pad.js").read_text(encoding="utf-8")
_CSS = """
.pad { font-family: inherit; color: var(--st-text-color, #31333f); }
.pad .readout { display: flex; gap: 2.5rem; margin: 0 0 0.25rem 0.25rem; }
.pad .metric { display: flex; flex-direction: column; }
.pad .metric small { font-size: 0.85rem; opacity: 0.8; }
.pad .metric b { font-size: 1.6rem; font-weight: 600; }
.pad .metric.good b { color: #009E73; }
.pad svg { width: 100%; height: auto; display: block; }
.pad .axis { stroke: currentColor; stroke-width: 1; opacity: 0.7; }
.pad .grid { stroke: currentColor; stroke-width: 1; opacity: 0.12; }
.pad .tick { font-size: 12px; fill: currentColor; opacity: 0.85; }
.pad .label { font-size: 13px; fill: currentColor; }
.pad .residual { stroke: #CC79A7; stroke-width: 2; stroke-dasharray: 3 3; }
.pad .model { stroke: #D55E00; stroke-width: 3; }
.pad .data { fill: #0072B2; }
.pad .prediction { fill: #D55E00; stroke: white; stroke-width: 1; }
.pad .new-price { stroke: currentColor; stroke-width: 1; stroke-dasharray: 2 4; opacity: 0.35; }
.pad .controls { display: flex; flex-direction: column; gap: 0.4rem; margin-top: 0.3rem; }
.pad label { display: grid; grid-template-columns: 13rem 1fr 4rem; align-items: center; gap: 0.75rem; }
.pad input[type=range] { width: 100%; accent-color: #c0793a; }
.pad output { font-variant-numeric: tabular-nums; text-align: right; font-weight: 600; }
.pad .hint { font-size: 0.85rem; opacity: 0.75; margin-top: 0.3rem; }
"""
# Not isolated in a shadow root (its CSS is all under .pad): the page's tests and benchmarks reach it.
_pad = st.components.v2.component("llmx_line_pad", js=_JS, css=_CSS, isolate_styles=False)

# The grid the pad scrubs: k from -30 to 10 in steps of 0.5, b from 0 to 1500 in steps of 10.
K_VALUES = tuple(float(v) for v in np.round(np.arange(-30.0, 10.0 + 1e-9, 0.5), 1))
B_VALUES = tuple(float(v) for v in np.arange(0.0, 1500.0 + 1e-9, 10.0))


@private_unless(fit.is_shop_data)  # a learner's own table stays in their session (ui/private_cache.py)
@st.cache_resource(max_entries=16, show_spinner=False)
def grid(xs: tuple, ys: tuple) -> dict:
    """E and the prediction at the new price for every (k, b) state, rounded for the wire."""
    errors, predictions = fit.error_grid(np.array(xs), np.array(ys), np.array(K_VALUES), np.array(B_VALUES))
    return {"E": np.round(errors, 2).ravel().tolist(), "pred": np.round(predictions, 2).ravel().tolist()}


def nice_ticks(top: float, count: int = 6) -> list[float]:
    """Ticks at 1, 2 or 5 times a power of ten, from 0 up to `top`."""
    raw = top / count
    power = 10 ** np.floor(np.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [float(v) for v in np.arange(0, top + 1e-9, step)]


def nearest(values: tuple, value: float) -> int:
    return int(np.argmin(np.abs(np.array(values) - value)))


def line_pad(x, y, k: float, b: float, target: float | None, key: str) -> tuple[float, float]:
    """Draw the pad at (k, b), snapped to the grid. Returns the state the learner released last, if
    that is new since the previous run, else (k, b) snapped: the caller keeps it as the lesson's state."""
    xs, ys = tuple(float(v) for v in x), tuple(float(v) for v in y)
    y_top = max(float(np.max(y)), 1.0) * 1.25
    x_max = max(float(np.max(x)), fit.NEW_PRICE) * 1.1
    data = {
        **grid(xs, ys),
        "k": K_VALUES,
        "b": B_VALUES,
        "k_index": nearest(K_VALUES, k),
        "b_index": nearest(B_VALUES, b),
        "signature": st.session_state.get(f"{key}_moves", 0),
        "x": xs,
        "y": ys,
        "x_max": x_max,
        "y_min": 0.0,
        "y_max": y_top,
        "x_ticks": nice_ticks(x_max),
        "y_ticks": nice_ticks(y_top),
        "new_price": fit.NEW_PRICE,
        "target": target,
        "labels": {
            "k": t("fitting.k_label"),
            "b": t("fitting.b_label"),
            "hint": t("fitting.pad_hint"),
            "error": t("fitting.dataset_error"),
            "prediction": t("fitting.prediction_at", price=f"{fit.NEW_PRICE:g}"),
            "title": t("fitting.chart.guess_title"),
            "x_axis": t("fitting.chart.price_axis"),
            "y_axis": t("fitting.chart.sales_axis"),
        },
    }
    result = _pad(data=data, key=key, default={"value": None}, on_value_change=lambda: None)
    released = result.get("value") if hasattr(result, "get") else getattr(result, "value", None)
    if released and released != st.session_state.get(f"{key}_seen"):  # a handle was let go since
        st.session_state[f"{key}_seen"] = released
        return K_VALUES[int(released["k_index"])], B_VALUES[int(released["b_index"])]
    return K_VALUES[data["k_index"]], B_VALUES[data["b_index"]]
