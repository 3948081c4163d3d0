"""Lesson 6 — Tokens: how text becomes numbers.

The hero learns a byte-pair encoding (BPE) on the lesson's corpus and scrubs its merges in the
browser; then the learner learns one of their own, cuts their sentence every way (characters,
words, our BPE, GPT-4's and GPT-4o's real vocabularies, MiniLM's WordPiece), and measures what
tokens cost. The sections live in app_pages/tokens_sections.py, tokens_cuts.py and tokens_costs.py.
"""

import streamlit as st

from app_pages import tokens_costs as costs
from app_pages import tokens_cuts as cuts
from app_pages import tokens_sections as sections
from core import corpus
from core import tokens as T
from core.artefacts import ArtefactError, shown_path
from ui.frame import go_deeper, lesson_footer, lesson_link, try_this, what_you_saw
from ui.i18n import t
from ui.layout import setup_page, show_code, vocabulary
from ui.literal import for_markdown
from ui.token_chips import label

PATHS = {"shakespeare": corpus.SHIPPED, "tang": T.TANG_EXCERPT}


def corpus_missing(name: str, problem: ArtefactError) -> None:
    """A shipped text that cannot be read: said where it is needed; the rest of the lesson works."""
    shown = shown_path(PATHS.get(name, T.TANG_EXCERPT))
    st.error(t("tokens.corpus_missing", path=shown, problem=problem.reason), icon=":material/folder_off:")


def hero(lang: str) -> None:
    name = sections.DEFAULT_CORPUS[lang]
    try:
        sections.shipped_bpe(name, sections.HERO_MERGES)
    except ArtefactError as problem:
        corpus_missing(name, problem)
        return
    sections.hero_section(lang)
    what_you_saw(sections.hero_saw(lang))


def learn(lang: str) -> sections.Learned | None:
    try:
        learned = sections.learn_controls(lang)
    except ArtefactError as problem:
        corpus_missing(st.session_state.get("tok_corpus", sections.DEFAULT_CORPUS[lang]), problem)
        return None
    if learned is not None:
        sections.learned_summary(learned)
    return learned


def pieces_of(text: str, way: str) -> str:
    """A text's tokens in one real tokenizer, for a sentence in an aside ("—" if it is not installed)."""
    try:
        return for_markdown(" | ".join(label(p) for p in T.cut(text, way, sections.tokenizer(way))))
    except ArtefactError:
        return "—"


def asides() -> None:
    """Byte-level BPE, WordPiece, and why Chinese costs fewer tokens in GPT-4o: each with core's cuts,
    in one aside."""
    white, example = "白", "Tokenization is unbelievable"
    with go_deeper(t("tokens.deeper_header")):
        st.markdown(f"**{t('tokens.bytes_header')}**")
        st.markdown(t("tokens.bytes_text", char=white, bytes=white.encode("utf-8").hex(" "),
                      cl100k=pieces_of(white, "cl100k_base"), o200k=pieces_of(white, "o200k_base")))  # fmt: skip
        st.markdown(f"**{t('tokens.wordpiece_header')}**")
        st.markdown(t("tokens.wordpiece_text", text=example, minilm=pieces_of(example, "minilm"),
                      cl100k=pieces_of(example, "cl100k_base")))  # fmt: skip
        st.markdown(f"**{t('tokens.chinese_header')}**")
        st.markdown(t("tokens.chinese_text", text=sections.QUESTION, cl100k=pieces_of(sections.QUESTION, "cl100k_base"),
                      o200k=pieces_of(sections.QUESTION, "o200k_base")))  # fmt: skip


lang = setup_page("tokens")
st.markdown(t("tokens.intro"))

# --- The hero: BPE learning, merge by merge -----------------------------------------------------------
st.header(t("tokens.hero_header"))
st.markdown(t("tokens.hero_intro", corpus=sections.corpus_name(sections.DEFAULT_CORPUS[lang])))
try_this(t("tokens.hero_try"))
hero(lang)

# --- A BPE of your own -------------------------------------------------------------------------------
st.header(t("tokens.learn_header"))
st.markdown(t("tokens.learn_intro", learn=f"{sections.LEARN_CHARS:,}", limit=f"{T.MAX_CORPUS_CHARS:,}"))
learned = learn(lang)

# --- Your sentence, every way -------------------------------------------------------------------------
st.header(t("tokens.cut_header"))
st.markdown(t("tokens.cut_intro", **costs.vocab_sizes()))
try_this(t("tokens.cut_try"))
cuts.cut_section(lang, learned)

# --- What tokens cost ----------------------------------------------------------------------------------
st.header(t("tokens.tradeoff_header"))
st.markdown(t("tokens.tradeoff_intro"))
if learned is not None:
    costs.tradeoff_section(learned)
st.header(t("tokens.prices_header"))
st.markdown(t("tokens.prices_intro"))
costs.prices_section()
st.markdown(t("tokens.straw_intro"))
costs.strawberry_section()

asides()
st.markdown(t("tokens.where"))
with st.container(horizontal=True, gap="medium"):
    lesson_link("embeddings")
    lesson_link("sampling")

vocabulary("tokens")
show_code(T.learn_bpe, T.apply_bpe, T.bpe_states, T.cut, T.vocab_tradeoff)
lesson_footer("tokens")
