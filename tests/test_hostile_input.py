"""Hostile input on every page: every text box and number box, every upload, every URL parameter.

Empty, huge (1 MB of text, a 100 MB upload), binary bytes, control characters, HTML and script
tags, Markdown that would turn into links or LaTeX, emoji, mixed scripts, NaN, infinities and
absurdly large numbers. Nothing may raise, nothing the learner typed may be rendered as HTML,
and the learner's other inputs must stay as they were.

Generic over ui.lessons.built_lessons() and the home page. AppTest cannot drive st.data_editor,
so the parsers behind the two data editors (lesson 1's table, lesson 5's kernel) are tried here
with the same values directly.
"""

import io
import json
import math
import tomllib

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from core import convolution as cv
from core import embeddings as emb
from core import fitting as fit
from core import overfitting as mlp
from tests.apptest import open_page, page_source
from ui.i18n import load_catalog
from ui.lessons import HOME_PATH, ROOT, built_lessons

PAGES = [HOME_PATH] + [lesson.path for lesson in built_lessons()]
SCRIPT = "<script>alert(1)</script>"
HOSTILE_TEXT = {
    "empty": "",
    "blank": "   \n\t\r\n ",
    "huge": "tea " * 250_000,  # 1 MB
    "many_lines": "word\n" * 200_000,
    "binary": bytes(range(256)).decode("latin-1"),
    "control": "\x00\x01\x07\x08\x1b[31mred\x1b[0m\x7f\u202eevil\u200b\ufeff\r",
    "html": SCRIPT + '<img src=x onerror="alert(2)"><b>bold</b><iframe src="https://example.com">',
    "markdown": "[link](javascript:alert(1)) ![img](https://example.com/t.png) $x^2$ :red[red] :material/home: **b**",
    "emoji": "😀👩‍👩‍👧‍👦🏳️‍🌈🧋" * 40,
    "mixed_scripts": "奶茶 العربية ש\u05b8לוֹם e\u0301\u0308\u20dd ᄀᄀ" * 20,
}
TEXT_KINDS = ("text_input", "text_area")
SETTING_KINDS = (
    "slider",
    "select_slider",
    "number_input",
    "text_input",
    "text_area",
    "selectbox",
    "radio",
    "toggle",
    "checkbox",
    "button_group",
)


def no_exception(at: AppTest, *context) -> None:
    assert not at.exception, (*context, [e.value[:500] for e in at.exception])


def settings(at: AppTest) -> dict:
    return {(kind, w.key): w.value for kind in SETTING_KINDS for w in at.get(kind) if getattr(w, "key", None)}


def ranges(at: AppTest) -> dict:
    """What each widget may take: a widget whose range follows other input (the embeddings lesson's k goes up to
    the number of entries) may be clamped by it, which is not losing the learner's setting."""
    return {(kind, w.key): str(w.proto).split("value")[0] for kind in SETTING_KINDS for w in at.get(kind) if w.key}


def kept_except(at: AppTest, before: dict, before_ranges: dict, skip: tuple) -> None:
    """Every setting but `skip` is as it was, unless its range changed."""
    now, now_ranges = settings(at), ranges(at)
    for name, value in before.items():
        if name != skip and name in now and now_ranges.get(name) == before_ranges.get(name):
            assert now[name] == value, (name, value, now[name])


def widget(at: AppTest, kind: str, key: str):
    return next(w for w in at.get(kind) if w.key == key)


def nothing_rendered_as_html(at: AppTest) -> None:
    """The learner's text reaches the page only as text: no st.html, no Markdown with HTML allowed,
    and no raw tag in a Plotly figure (Plotly renders a subset of HTML in its labels)."""
    assert not at.get("html")
    for element in at.markdown:
        if "<script" in element.value or "<img" in element.value:
            assert not element.proto.allow_html, element.value[:200]
    for chart in at.get("plotly_chart"):
        for text in strings(json.loads(chart.proto.spec)):
            assert not any(tag in text for tag in ("<script", "<img", "<iframe", "<b>bold")), (chart.key, text[:200])


def strings(tree):
    """Every string in a decoded JSON tree (a Plotly figure's texts, names, titles, hover data)."""
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, dict):
        for value in tree.values():
            yield from strings(value)
    elif isinstance(tree, list):
        for value in tree:
            yield from strings(value)


# --- Text boxes ------------------------------------------------------------------------------------
def text_pages() -> list:
    """Pages with a text box (found by running each once would cost more than reading the source)."""
    return [path for path in PAGES if any(f"st.{kind}(" in page_source(path) for kind in TEXT_KINDS)]


@pytest.mark.slow
@pytest.mark.parametrize("path", text_pages(), ids=lambda p: p.stem)
def test_every_text_box_takes_hostile_text(path):
    """Each value is set directly, bypassing the browser's max_chars (a forged message can), and the
    box is put back afterwards; the other inputs must not move."""
    at = open_page(path, "en")
    no_exception(at)
    boxes = [(kind, w.key) for kind in TEXT_KINDS for w in at.get(kind)]
    assert boxes and all(key for _, key in boxes), "every text box has a key (it keeps its text)"
    for kind, key in boxes:
        original = widget(at, kind, key).value
        for name, value in HOSTILE_TEXT.items():
            before, before_ranges = settings(at), ranges(at)
            widget(at, kind, key).set_value(value).run()
            no_exception(at, key, name)
            limit = widget(at, kind, key).max_chars or None  # Streamlit cuts a forged longer text to the box's limit
            assert widget(at, kind, key).value == value[:limit], (key, name, "the learner's text is kept as typed")
            kept_except(at, before, before_ranges, (kind, key))
            nothing_rendered_as_html(at)
        widget(at, kind, key).set_value(original).run()
        no_exception(at, key, "restored")


@pytest.mark.slow
@pytest.mark.parametrize("path", text_pages(), ids=lambda p: p.stem)
def test_every_button_works_with_hostile_text_everywhere(path):
    """All text boxes hold tags, control characters and mixed scripts at once; then every button
    (sampling, generating, training...) is pressed and must not raise."""
    at = open_page(path, "en")
    value = HOSTILE_TEXT["html"] + HOSTILE_TEXT["control"] + HOSTILE_TEXT["mixed_scripts"] + "\n" + SCRIPT
    for kind in TEXT_KINDS:
        for box in at.get(kind):
            box.set_value(value)
    at.run()
    no_exception(at)
    for label in [(b.key, b.label) for b in at.button]:
        next(b for b in at.button if (b.key, b.label) == label).click().run(timeout=300)
        no_exception(at, label)
        nothing_rendered_as_html(at)


# --- Number boxes -----------------------------------------------------------------------------------
HOSTILE_NUMBERS = (math.nan, math.inf, -math.inf, 1e308, -1e308, 1e30, -1.0, 0.5)


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in PAGES if "st.number_input(" in page_source(p)], ids=lambda p: p.stem)
def test_every_number_box_takes_hostile_numbers(path):
    """A float box given NaN, ±inf or an out-of-range value keeps a valid value (Streamlit resets it to
    the default, the browser never sends one); an int box is given only what an int message can hold."""
    at = open_page(path, "en")
    keys = [w.key for w in at.number_input]
    for key in keys:
        box = widget(at, "number_input", key)
        is_int = isinstance(box.value, int)
        lo, hi = box.min, box.max
        values = [lo, hi, -(2**62), 2**62] if is_int else list(HOSTILE_NUMBERS) + [lo, hi]
        for value in values:
            others = {k: v for k, v in settings(at).items() if k != ("number_input", key)}
            widget(at, "number_input", key).set_value(value).run()
            no_exception(at, key, value)
            kept = widget(at, "number_input", key).value
            if key.startswith("ex_"):  # an exercise's answer box (ui/exercise.py): empty, or any finite number
                assert kept is None or math.isfinite(kept), (key, value, kept)
            else:
                assert kept is not None and math.isfinite(kept) and lo <= kept <= hi, (key, value, kept)
            assert {k: v for k, v in settings(at).items() if k != ("number_input", key)} == others, (key, value)


# --- URL parameters (a shared link can carry anything) ----------------------------------------------
HOSTILE_PARAMS = ("nan", "inf", "-1e999", "abc", SCRIPT, "", "9" * 5000, "奶茶ع\u0301", "\x00\x1b")


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_hostile_url_parameters_fall_back_to_defaults(path):
    at = open_page(path, "en")
    defaults = settings(at)
    keys = {key for _, key in defaults}
    for value in HOSTILE_PARAMS:
        at = open_page(path, "en", **dict.fromkeys(keys, value))
        no_exception(at, repr(value[:20]))
        nothing_rendered_as_html(at)
        for (kind, key), default in defaults.items():
            if kind in ("slider", "select_slider", "number_input"):
                assert settings(at)[(kind, key)] == default, (key, repr(value[:20]))


# --- Uploads ------------------------------------------------------------------------------------------
def test_the_server_caps_uploads_and_pages_check_below_the_cap():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    cap_mb = config["server"]["maxUploadSize"]
    assert 1 <= cap_mb <= 10, "a 100 MB upload is refused by the server before any page sees it"
    # Each page's own check is the tighter one, so a learner gets its explained message.
    assert cv.MAX_UPLOAD_BYTES <= cap_mb * 2**20
    assert mlp.CSV_MAX_BYTES <= cap_mb * 2**20


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 100)).save(buffer, "PNG")
    return buffer.getvalue()


def points_csv(at: int, odd_row: str) -> bytes:
    """A good file for lesson 4 (12 points, 2 classes) with `odd_row` as data row `at` (from 0)."""
    rows = [f"{i},{-i},{'ab'[i % 2]}" for i in range(12)]
    rows.insert(at, odd_row)
    return ("x1,x2,label\n" + "\n".join(rows) + "\n").encode()


HOSTILE_FILES = {
    "empty": b"",
    "huge": b"\x89PNG\r\n\x1a\n" + bytes(100 * 2**20),  # 100 MB, as if the server cap were lifted
    "binary": bytes(range(256)) * 4096,
    "html": (SCRIPT * 1000).encode(),
    "text_as_png": "奶茶,😀,ع\n".encode() * 100,
    "tiny_image": png(1, 1),
    "wide_image": png(4000, 2),
    # Finite in float64, inf in float32: the point used to vanish from training without a word.
    "csv_huge_value": points_csv(12, "1e39,1,a"),
    "csv_huge_negative_value": points_csv(3, "1,-1e39,b"),
}
UPLOADERS = {
    ROOT / "app_pages" / "convolution.py": ({"conv_source": "upload"}, "conv_upload", "photo.png", "image/png"),
    ROOT / "app_pages" / "overfitting.py": ({"of_dataset": "csv"}, "of_csv", "points.csv", "text/csv"),
}


def test_every_upload_on_every_page_is_covered_below():
    """A page that gains an uploader must be added to UPLOADERS (how to reveal it, its key)."""
    with_uploads = {path for path in PAGES if "st.file_uploader(" in page_source(path)}
    assert with_uploads == {path for path in UPLOADERS if path in PAGES}


@pytest.mark.slow
@pytest.mark.parametrize("path", [p for p in UPLOADERS if p.exists()], ids=lambda p: p.stem)
def test_every_upload_takes_hostile_files(path):
    reveal, key, filename, mime = UPLOADERS[path]
    at = open_page(path, "en")
    for widget_key, value in reveal.items():
        next(w for kind in SETTING_KINDS for w in at.get(kind) if w.key == widget_key).set_value(value)
    at.run()
    no_exception(at)
    before = settings(at)
    errors = load_catalog("en")
    for name, content in HOSTILE_FILES.items():
        uploader = next(u for u in at.get("file_uploader") if u.key == key)
        shown_name = filename if name != "html" else "<b>x</b>" + filename[filename.index(".") :]
        uploader.set_value((shown_name, content, mime)).run(timeout=300)
        no_exception(at, name)
        nothing_rendered_as_html(at)
        assert settings(at) == before, name
        if name != "wide_image":  # refused, with a message from the catalog
            shown = [e.value for e in at.error]
            assert shown and all(
                any(value and message.startswith(value.split("{")[0]) for value in errors.values()) for message in shown
            ), (name, shown)


# --- The parsers behind the data editors (AppTest cannot drive st.data_editor) -------------------------
EDITOR_CELLS = [
    None,
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    "",
    "  ",
    "1e999",
    "nan",
    "-inf",
    "0x1F",
    "1_000",
    "１２",  # full-width digits
    "١٢",  # Arabic-Indic digits
    SCRIPT,
    "\x00",
    "😀",
    "9" * 1_000_000,
    b"\xff\xfe",
    [1, 2],
    {"a": 1},
]


@pytest.mark.parametrize("cell", EDITOR_CELLS, ids=lambda c: repr(c)[:20])
def test_fitting_table_parser_explains_every_hostile_cell(cell):
    """Lesson 1's data editor: a hostile cell in an otherwise good table is a DataError or a number."""
    rows = [("5", "500"), ("10", "600"), (cell, "700"), ("20", cell)]
    try:
        x, y = fit.parse_points(rows)
    except fit.DataError as problem:
        assert f"fitting.data_errors.{problem.code}" in load_catalog("en")
    else:
        assert np.isfinite(x).all() and np.isfinite(y).all() and np.abs(x).max() <= 1e6


def test_fitting_table_parser_with_a_huge_table():
    with pytest.raises(fit.DataError) as caught:
        fit.parse_points([(str(i), str(i)) for i in range(1_000_000)])
    assert caught.value.code == "too_many"


@pytest.mark.parametrize("cell", EDITOR_CELLS, ids=lambda c: repr(c)[:20])
def test_kernel_parser_explains_every_hostile_cell(cell):
    """Lesson 5's kernel editor: the same cells, one in an otherwise good 3x3 kernel."""
    rows = [(0, 1, 0), (1, cell, 1), (0, 1, 0)]
    try:
        k = cv.parse_kernel(rows)
    except cv.ImageError as problem:
        assert f"convolution.errors.{problem.code}" in load_catalog("en")
    else:
        assert k.shape == (3, 3) and np.isfinite(k).all()


def test_kernel_parser_with_ragged_and_huge_grids():
    for rows in ([], [()], [(1, 2), (3,)], [(1,) * 1000] * 1000, [(1, 2, 3)] * 3 + [(1, 2, 3)]):
        with pytest.raises(cv.ImageError):
            cv.parse_kernel(rows)


CSV_COORDINATES = [
    "1e39",
    "-1e39",
    "3.4028236e38",
    "1e308",
    "1e999",
    "-inf",
    "nan",
    "0x1F",
    "1_000",
    "１２",
    "",
    SCRIPT,
]


@pytest.mark.parametrize("cell", CSV_COORDINATES, ids=lambda c: repr(c)[:20])
def test_csv_parser_explains_every_hostile_coordinate(cell):
    """Lesson 4's CSV upload: one hostile coordinate in an otherwise good file is a CsvError that names
    its line, or a number small enough to survive float32 and training."""
    try:
        X, _, _ = mlp.parse_csv(points_csv(3, f"{cell},3,b"))
    except mlp.CsvError as problem:
        assert f"overfitting.csv_errors.{problem.code}" in load_catalog("en")
        assert problem.fields.get("row") == 5, problem.fields  # the header is line 1
    else:
        assert np.isfinite(X).all() and np.abs(X).max() <= 1e6


@pytest.mark.parametrize("name", list(HOSTILE_TEXT))
def test_text_parsers_take_hostile_text(name):
    """The parsers behind the text boxes bound what they keep, whatever arrives."""
    entries, fixed = emb.parse_entries(HOSTILE_TEXT[name], "group")
    assert len(entries) <= emb.MAX_ENTRIES and all(len(e.text) <= emb.MAX_CHARS for e in entries)
    assert all(e.text == e.text.strip() and e.text for e in entries)
    assert set(fixed) == {"duplicates", "dropped", "cut_chars"}
