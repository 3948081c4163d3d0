"""The tokens lesson's page in AppTest: every section in both languages, the curriculum's worked
figures, every scrubbed state against core, numbers that follow the controls, texts that are too
long or empty (said, and kept as typed), the exercises' answers against core, a missing package."""

import ast
import json
import sys

import pytest
import streamlit as st

from app_pages import tokens_sections as sections
from core import corpus
from core import tokens as T
from tests.apptest import open_page, run_clean, shown_spec
from ui import tokens_charts as charts
from ui.i18n import LANGUAGES, load_catalog
from ui.lessons import ROOT
from ui.token_chips import shown_text

PAGE = ROOT / "app_pages" / "tokens.py"
HELLO, QUESTION, LINE = "Hello, world! How are you?", "大语言模型是怎么工作的？", "白日依山尽，黄河入海流。"


def run_page(lang: str = "en", **query):
    return run_clean(PAGE, lang, **query)


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    shakespeare = corpus.read_corpus(corpus.SHIPPED)[:300_000]
    return {"shakespeare": shakespeare, "tang": corpus.read_corpus(T.TANG_EXCERPT)}


@pytest.fixture(scope="module")
def real():
    return {name: T.load_tokenizer(name) for name in T.REAL}


@pytest.fixture(scope="module")
def bpe300(texts):
    """What the page learns by default: 300 merges on the first 270,000 characters of each text."""
    return {name: T.learn_bpe(text[:270_000], 300) for name, text in texts.items()}


def chart(at, key: str) -> dict:
    return shown_spec(at, next(c for c in at.get("plotly_chart") if key in c.proto.id))


def chip_rows(at, key: str) -> list[dict]:
    """The rows a chips component was given (none if it is not on the page)."""
    element = next((c for c in at.get("bidi_component") if c.proto.id.endswith(key)), None)
    return [] if element is None else json.loads(element.proto.json)["rows"]


def chips(at, key: str) -> dict[str, dict]:
    """The rows of a chips component, by way."""
    return {row["way"]: row for row in chip_rows(at, key)}


def markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


def catalog_text(lang: str, key: str, **fields) -> str:
    return load_catalog(lang)[f"tokens.{key}"].format(**fields)


# --- Every section, both languages ---------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_section_renders_in_the_default_state(lang):
    at = run_page(lang)
    catalog = load_catalog(lang)
    headers = [h.value for h in at.header]
    for key in ("hero_header", "learn_header", "cut_header", "tradeoff_header", "prices_header"):
        assert catalog[f"tokens.{key}"] in headers, key
    assert len(chart(at, "tok_hero_chart")["frames"]) == len(range(0, 301, 5))
    assert chart(at, "tok_tradeoff")["data"]
    assert set(chips(at, "tok_chips")) == set(T.WAYS)
    straw = chip_rows(at, "tok_strawberry")
    assert [[c["text"] for c in row["chips"]] for row in straw][::2] == [
        ["str", "aw", "berry"],
        ["How", "␣many", "␣r", "'s", "␣are", "␣in", "␣strawberry", "?"],
    ]
    for n in (1, 2, 3):
        assert at.number_input(key=f"ex_tokens_{n}") is not None
    assert at.text_area(key="tok_text").value == sections.DEFAULT_TEXT[lang]
    assert not at.warning and not at.error
    assert any(m.startswith(catalog["tokens.where"][:20]) for m in markdown(at))


# --- The curriculum's worked figures --------------------------------------------------------------------
def test_hello_world_is_eight_gpt4_tokens_on_the_page():
    at = run_page("en")
    rows = chips(at, "tok_chips")
    assert [c["text"] for c in rows["cl100k_base"]["chips"]] == [
        "Hello",
        ",",
        "␣world",
        "!",
        "␣How",
        "␣are",
        "␣you",
        "?",
    ]
    assert rows["cl100k_base"]["count"] == 8 and rows["characters"]["count"] == 26
    summary = next(m for m in markdown(at) if m.startswith("**26 characters**"))
    assert "**8 tokens for GPT-4**" in summary


def test_the_tang_line_is_17_gpt4_tokens_with_byte_fragments_marked():
    at = run_page("zh")
    row = chips(at, "tok_chips")["cl100k_base"]
    assert row["count"] == 17
    fragments = [c for c in row["chips"] if c["kind"] == "fragment"]
    assert len(fragments) == 10 and fragments[0]["text"] == "� e7 99"  # 白's first two bytes
    assert chips(at, "tok_chips")["o200k_base"]["count"] == 12
    summary = next(m for m in markdown(at) if m.startswith("**12 个字符**"))
    assert "**GPT-4 是 17 个**" in summary and "10 个是字节碎片" in summary


def test_the_price_table_holds_the_worked_figures():
    at = run_page("en")
    sentence = load_catalog("en")["tokens.price_table.sentence"]
    table = next(d.value for d in at.dataframe if sentence in d.value.columns)
    rows = {row[0]: tuple(row[1:]) for row in table.itertuples(index=False)}
    assert rows[HELLO] == (26, 8, 8)
    assert rows[QUESTION] == (12, 13, 7)
    assert rows[LINE] == (12, 17, 12)


@pytest.mark.parametrize("preset, way, count", [(1, "cl100k_base", 13), (1, "o200k_base", 7), (2, "cl100k_base", 17)])
def test_the_preset_sentences(preset, way, count):
    at = run_page("en")
    at.button(key=f"tok_preset_{preset}").click().run()
    assert at.text_area(key="tok_text").value == sections.PRESETS[preset]
    assert chips(at, "tok_chips")[way]["count"] == count


# --- The hero: every state is core's --------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_hero_state_is_the_sentence_after_k_merges(lang, bpe300):
    at = run_page(lang)
    spec = chart(at, "tok_hero_chart")
    bpe = bpe300[sections.DEFAULT_CORPUS[lang]]
    states = T.bpe_states(sections.SAMPLES[lang], bpe, range(0, 301, 5))  # every fifth merge
    ids = {token: i for i, token in enumerate(bpe.vocab)}
    for state, frame in zip(states, spec["frames"], strict=True):
        outline, even, odd, words, labels, marker, headline = frame["data"]
        assert words["text"] == [shown_text(token) for token in state.tokens]
        assert labels["text"] == [str(ids[token]) for token in state.tokens]
        assert words["customdata"] == [[shown_text(token), ids[token]] for token in state.tokens]
        # A chip per token, alternating rows of segments (start, end, gap), as long as its characters less the gaps.
        chips = [(a, b) for trace in (even, odd) for a, b in zip(trace["x"][0::3], trace["x"][1::3])]
        assert len(chips) == len(state.tokens) and words["x"] == labels["x"]
        assert sum(b - a + 2 * charts.GAP for a, b in chips) == pytest.approx(len(sections.SAMPLES[lang]))
        assert (marker["x"], marker["y"]) == ([state.vocab_size], [state.corpus_tokens])
        title = headline["text"][0]
        assert f"{state.vocab_size:,}" in title and f"{state.corpus_tokens:,}" in title and not frame["layout"]
        if state.k:
            assert f"{bpe.merges[state.k - 1].count:,}" in title
    active = spec["layout"]["sliders"][0]["active"]
    assert states[active].k == 100 and spec["data"][3]["text"] == spec["frames"][active]["data"][3]["text"]
    assert len(spec["frames"][0]["data"][3]["text"]) == len(sections.SAMPLES[lang])  # one token per character


def test_the_merge_step_comes_from_the_url_and_the_keyboard_slider():
    at = run_page("en", tok_merge="250")
    spec = chart(at, "tok_hero_chart")
    assert spec["layout"]["sliders"][0]["active"] == 50  # merge 250
    assert spec["data"][-1]["text"] == spec["frames"][50]["data"][-1]["text"]
    assert spec["data"][-1]["text"][0].startswith("After 250 of 300 merges")
    at.slider(key="tok_merge").set_value(0).run()
    assert chart(at, "tok_hero_chart")["data"][-1]["text"][0].startswith("After 0 of 300 merges")


# --- Numbers follow the controls ------------------------------------------------------------------------
def learned_line(at) -> str:
    return next(m for m in markdown(at) if " merges** learned from " in m)


def tradeoff_line(at) -> str:
    return next(m for m in markdown(at) if m.startswith("On ") and "characters the merges never saw" in m)


@pytest.mark.parametrize("corpus_name, merges", [("shakespeare", 300), ("shakespeare", 600), ("tang", 100)])
def test_learning_follows_the_corpus_and_the_merges(corpus_name, merges, texts):
    at = run_page("en")
    at.button_group(key="tok_corpus").set_value(corpus_name).run()
    at.slider(key="tok_merges").set_value(merges).run()
    assert not at.exception, [e.value for e in at.exception]
    text = texts[corpus_name]
    bpe = T.learn_bpe(text[:270_000], merges)
    before, after = bpe.corpus_tokens[0], bpe.corpus_tokens[-1]
    line = learned_line(at)
    assert f"**{merges} merges** learned from 270,000 characters" in line
    assert f"**{bpe.vocab_sizes[-1]:,} tokens**" in line and f"**{after:,} tokens**" in line
    assert f"{1 - after / before:.0%} fewer" in line
    rows = T.vocab_tradeoff(bpe, text[270_000:], [len(bpe.alphabet), len(bpe.alphabet) + merges], 768)
    quoted = tradeoff_line(at)
    assert f"(V = {rows[0].vocab_size:,}) they are {rows[0].tokens:,} tokens" in quoted
    assert f"(V = {rows[1].vocab_size:,}), {rows[1].tokens:,} tokens" in quoted
    assert f"from {rows[0].embedding_params:,} to {rows[1].embedding_params:,}" in quoted
    assert chips(at, "tok_chips")["bpe"]["count"] == len(T.apply_bpe(HELLO, bpe.merges))
    name = load_catalog("en")[f"tokens.corpora.{corpus_name}"]
    assert chips(at, "tok_chips")["bpe"]["label"] == f"Our BPE ({name}, {merges} merges)"


def test_your_own_text_is_learned_and_guarded():
    at = run_page("en")
    at.button_group(key="tok_corpus").set_value("own").run()
    catalog = load_catalog("en")
    assert catalog["tokens.own_empty"].format(limit=f"{T.MAX_CORPUS_CHARS:,}") in [i.value for i in at.info]
    own = "the cat sat on the mat; the cat ate the rat. " * 40
    at.text_area(key="tok_own").set_value(own).run()
    bpe = T.learn_bpe(own, 300)
    assert f"**{len(bpe.merges)} merges** learned from {len(own):,} characters" in learned_line(at)
    assert any(m.startswith("Measured on your text itself") for m in markdown(at))
    assert "tokens_own_bpe" in at.session_state["private_cache"], "a learner's text stays in their session"
    too_long = "ab " * (T.MAX_CORPUS_CHARS // 3 + 1)
    at.text_area(key="tok_own").set_value(too_long).run()
    message = catalog["tokens.errors.too_long"].format(n=f"{len(too_long):,}", limit=f"{T.MAX_CORPUS_CHARS:,}")
    assert message in [w.value for w in at.warning]
    assert at.text_area(key="tok_own").value == too_long, "nothing typed is lost"
    assert "bpe" not in chips(at, "tok_chips"), "no BPE to cut with: its row steps aside"
    at.text_area(key="tok_own").set_value("a,b,c").run()  # no two characters side by side in a word
    assert catalog["tokens.errors.no_pairs"] in [w.value for w in at.warning]


# --- The learner's sentence: too long, empty, hostile ------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_text_over_the_limit_is_said_and_kept(lang):
    at = run_page(lang)
    text = "白日依山尽，" * 400  # 2,400 characters
    at.text_area(key="tok_text").set_value(text).run()
    assert not at.exception
    message = catalog_text(lang, "errors.too_long", n=f"{len(text):,}", limit=f"{T.MAX_TEXT_CHARS:,}")
    assert message in [w.value for w in at.warning]
    assert at.text_area(key="tok_text").value == text and not chips(at, "tok_chips")
    at.text_area(key="tok_text").set_value("").run()
    assert catalog_text(lang, "text_empty") in [i.value for i in at.info] and not chips(at, "tok_chips")
    at.text_area(key="tok_text").set_value(text[: T.MAX_TEXT_CHARS]).run()
    assert chips(at, "tok_chips")["characters"]["count"] == T.MAX_TEXT_CHARS
    assert len(chips(at, "tok_chips")["characters"]["chips"]) < T.MAX_TEXT_CHARS  # drawn: the first few hundred


def test_tags_in_the_text_reach_the_chips_as_text():
    at = run_page("en")
    at.text_area(key="tok_text").set_value("<b>bold</b> <script>alert(1)</script>").run()
    rows = chips(at, "tok_chips")
    assert "".join(c["text"] for c in rows["characters"]["chips"]) == "<b>bold</b>␣<script>alert(1)</script>"
    assert not at.get("html") and not any("<script" in m for m in markdown(at))


# --- The exercises: answers are core's -------------------------------------------------------------------
@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercise_answers_are_cores(lang, bpe300, real):
    catalog = load_catalog(lang)
    at = run_page(lang)
    answers = {
        1: bpe300[sections.DEFAULT_CORPUS[lang]].vocab_sizes[300],
        2: len(T.cut(LINE, "cl100k_base", real["cl100k_base"])),
        3: len(T.cut(QUESTION, "o200k_base", real["o200k_base"])),
    }
    assert answers[2] == 17 and answers[3] == 7  # CURRICULUM.md section 10
    for n, answer in answers.items():
        at.number_input(key=f"ex_tokens_{n}").set_value(answer + 1).run()
        at.button(key=f"ex_tokens_{n}_check").click().run()
        assert any(w.value.startswith(catalog["common.exercise.wrong"]) for w in at.warning), n
        at.number_input(key=f"ex_tokens_{n}").set_value(answer).run()
        right = [s.value for s in at.success if s.value.startswith(catalog["common.exercise.right"])]
        assert any(f"{answer:,}" in value for value in right), (n, right)
    assert at.session_state["exercises_solved"]["tokens"] == {1, 2, 3}
    at.button(key="ex_tokens_1_preset").click().run()
    assert at.slider(key="tok_merge").value == 300
    at.button(key="ex_tokens_3_preset").click().run()
    assert at.text_area(key="tok_text").value == QUESTION


# --- Faults: a package or a shipped text missing -------------------------------------------------------------
@pytest.fixture
def fresh_caches():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_without_bpe_openai_only_the_real_tokenizers_step_aside(lang, monkeypatch, fresh_caches):
    monkeypatch.setitem(sys.modules, "bpe_openai", None)  # import now raises ImportError
    at = run_page(lang)
    rows = chips(at, "tok_chips")
    assert rows["cl100k_base"]["count"] == 0 and "bpe_openai" not in rows["cl100k_base"]["note"]
    assert rows["characters"]["count"] and rows["bpe"]["count"] and rows["minilm"]["count"]
    assert [w.key for w in at.number_input] == ["ex_tokens_1"], "cards 2 and 3 need the real tokenizers"
    assert catalog_text(lang, "real_missing", problem="ModuleNotFoundError") in [i.value for i in at.info]


def test_a_missing_shipped_text_is_explained(monkeypatch, tmp_path, fresh_caches):
    monkeypatch.setattr(T, "TANG_EXCERPT", tmp_path / "no_tang.txt.bz2")
    at = open_page(PAGE, "zh")
    assert not at.exception, [e.value for e in at.exception]
    message = catalog_text("zh", "corpus_missing", path="no_tang.txt.bz2", problem="FileNotFoundError")
    assert message in [e.value for e in at.error]
    assert chips(at, "tok_chips")["cl100k_base"]["count"] == 17, "the rest of the lesson works"


# --- Thin files ------------------------------------------------------------------------------------------
def test_the_lessons_files_stay_thin():
    """The page under 200 lines, its sections modules about 250, no function over 60 (ast)."""
    files = [
        (PAGE, 199),
        (PAGE.with_name("tokens_sections.py"), 250),
        (PAGE.with_name("tokens_costs.py"), 250),
        (ROOT / "ui" / "tokens_charts.py", None),
        (ROOT / "ui" / "token_chips.py", None),
    ]
    for path, most in files:
        source = path.read_text(encoding="utf-8")
        assert most is None or len(source.splitlines()) <= most, path.name
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                assert node.end_lineno - start < 60, f"{path.name}: {node.name}"
