"""Running one page in Streamlit's AppTest, shared by the page tests."""

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui.scrub import apply_frame

TIMEOUT = 120
RECORD: list = []  # what scripts run by AppTest note for their test (same process, so shared)


def page_source(path: Path) -> str:
    """A page's code: its file, and its companion modules (app_pages/<page>_*.py: its sections module
    and the like) if it has any."""
    companions = sorted(path.parent.glob(f"{path.stem}_*.py"))
    return "".join(p.read_text(encoding="utf-8") for p in [path, *companions])


def open_page(path: Path, lang: str = "en", **query) -> AppTest:
    """Run the page file at `path` once, in `lang`, with `query` as the URL's query parameters."""
    at = AppTest.from_file(str(path), default_timeout=TIMEOUT)
    at.query_params["lang"] = lang
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    return at


def run_clean(path: Path, lang: str = "en", **query) -> AppTest:
    """open_page, and fail the test if the page raised."""
    at = open_page(path, lang, **query)
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_spec(at: AppTest, chart) -> dict:
    """A chart's spec as the learner sees it. A scrub figure (ui/scrub.py) is sent in the state it was
    first drawn in, and its companion element tells the browser which frame to show: apply that frame,
    as Plotly.animate does there."""
    spec = json.loads(chart.proto.spec)
    token = spec.get("layout", {}).get("meta", {}).get("scrub") if isinstance(spec.get("layout"), dict) else None
    if token is None:
        return spec
    for element in at.get("bidi_component"):
        data = json.loads(element.proto.json or "{}")
        if data.get("token") == token:
            return apply_frame(spec, int(data["active"]))
    raise AssertionError(f"the scrub figure {chart.proto.id} has no companion element")


def plotly_array(value) -> np.ndarray:
    """A Plotly array (a list with None for gaps, or a base64 typed array {"dtype", "bdata", "shape"},
    as Plotly writes NumPy arrays) as floats."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    if value and isinstance(value[0], list):
        return np.array([[np.nan if v is None else v for v in row] for row in value], dtype=float)
    return np.array([np.nan if v is None else v for v in value], dtype=float)
