"""The tokens lesson's sections: the hero (a BPE learned on the lesson's corpus, its merges
scrubbed) and a BPE of the learner's own, with the cached corpora and tokenizers (their sentence cut
every way: app_pages/tokens_cuts.py). Imported by app_pages/tokens.py; not a page itself
(ui/lessons.py names the pages). Caches and fragments live here, so their decorators run once per
process, not per rerun.
"""

import time
from dataclasses import dataclass

import streamlit as st

from core import corpus
from core import tokens as T
from ui import exercise
from ui import tokens_charts as charts
from ui.figures import show
from ui.frame import go_deeper
from ui.i18n import t
from ui.literal import for_markdown
from ui.private_cache import in_session
from ui.scrub import scrub_figure
from ui.widgets import slider

HERO_MERGES = 300  # the hero learns this many merges; its slider starts a third of the way
MERGE_SLIDER = (0, HERO_MERGES, 100, 5)  # 61 states: a figure slider of 301 redrew in twice the time (bench_scrub)
HERO_STEPS = range(0, HERO_MERGES + 1, MERGE_SLIDER[3])
MERGES_SLIDER = (10, 1000, 300, 10)  # the learner's own BPE: every value learns in under 2 s here
CORPORA = ("shakespeare", "tang", "own")
DEFAULT_CORPUS = {"en": "shakespeare", "zh": "tang"}
LEARN_CHARS, HELD_CHARS = 270_000, 30_000  # a shipped corpus: learn on the first part, measure on the rest
SAMPLES = {"en": "To be, or not to be: that is the question.", "zh": "他乡有明月，千里照相思。"}
HELLO, QUESTION, LINE = "Hello, world! How are you?", "大语言模型是怎么工作的？", "白日依山尽，黄河入海流。"
PRESETS = (HELLO, QUESTION, LINE, "Milk tea 🧋 is great 👍🏽😀")
DEFAULT_TEXT = {"en": HELLO, "zh": LINE}
EXERCISES = 3


@dataclass(frozen=True, eq=False)
class Learned:
    """A BPE, how long learning it took, and text it never saw (a learner's own text: itself)."""

    corpus: str  # one of CORPORA
    bpe: T.Bpe
    seconds: float
    held_out: str


@st.cache_resource(max_entries=2, show_spinner=False)
def corpus_text(name: str) -> str:
    """The first 300,000 characters of tiny Shakespeare, or the shipped Tang poems excerpt (299,887);
    core.artefacts.ArtefactError if the file cannot be read (never cached: a fixed file is read again)."""
    if name == "shakespeare":
        return corpus.read_corpus(corpus.SHIPPED)[: LEARN_CHARS + HELD_CHARS]
    return corpus.read_corpus(T.TANG_EXCERPT)


@st.cache_resource(max_entries=4, show_spinner=False)
def tokenizer(name: str):
    """A real tokenizer, loaded once per server; core.tokens.TokenizerMissing when it is not installed."""
    return T.load_tokenizer(name)


def _learn(name: str, text: str, held_out: str, merges: int) -> Learned:
    start = time.perf_counter()
    bpe = T.learn_bpe(text, merges)
    return Learned(name, bpe, time.perf_counter() - start, held_out)


@st.cache_resource(max_entries=12, show_spinner=False)
def shipped_bpe(name: str, merges: int) -> Learned:
    """A BPE learned on a shipped corpus's first LEARN_CHARS characters: the same for every learner."""
    text = corpus_text(name)
    return _learn(name, text[:LEARN_CHARS], text[LEARN_CHARS:], merges)


def own_bpe(text: str, merges: int) -> Learned:
    """A BPE learned on the learner's own text, measured on (the start of) that text itself: nothing is
    kept aside from a text that may be short. Kept in their session only (ui/private_cache.py)."""
    compute = lambda: _learn("own", text, text[:HELD_CHARS], merges)  # noqa: E731
    return in_session("tokens_own_bpe", (text, merges), compute, entries=2)


def corpus_name(name: str) -> str:
    return t(f"tokens.corpora.{name}")


def error_text(problem: T.TokensError) -> str:
    return t(f"tokens.errors.{problem.code}", **problem.fields)


# --- The hero ----------------------------------------------------------------------------------------
def hero_figure(lang: str, k: int):
    name, sample = DEFAULT_CORPUS[lang], SAMPLES[lang]
    learned = shipped_bpe(name, HERO_MERGES)
    states = lambda: T.bpe_states(sample, learned.bpe, HERO_STEPS)  # noqa: E731
    build = lambda: charts.hero_template(sample, learned.bpe, states(), corpus_name(name))  # noqa: E731
    active = min(range(len(HERO_STEPS)), key=lambda i: abs(HERO_STEPS[i] - k))
    return scrub_figure("tok_hero", (lang, name, HERO_MERGES, sample), build, active), learned


@st.fragment
def hero_section(lang: str) -> None:
    """The merge step scrubbed: the sample's tokens, the vocabulary and the corpus's length in tokens."""
    k = slider("tokens.merge_label", MERGE_SLIDER, "tok_merge", help=t("tokens.merge_help", step=MERGE_SLIDER[3]))
    figure, learned = hero_figure(lang, k)
    show(figure, "tok_hero_chart")
    bpe, n = learned.bpe, HERO_MERGES
    alphabet, vocab = len(bpe.alphabet), bpe.vocab_sizes[n]
    explain = t("tokens.ex1_explain", alphabet=f"{alphabet:,}", n=n, vocab=f"{vocab:,}")
    exercise.number("tokens", 1, EXERCISES, t("tokens.ex1_question", alphabet=f"{alphabet:,}", n=n,
                    corpus=corpus_name(learned.corpus)), vocab, 0.5, explain, preset={"tok_merge": n})  # fmt: skip


def hero_saw(lang: str) -> str:
    """What the hero showed, in numbers: its corpus before and after all its merges, its first merges."""
    bpe = shipped_bpe(DEFAULT_CORPUS[lang], HERO_MERGES).bpe
    before, after = bpe.corpus_tokens[0], bpe.corpus_tokens[-1]
    first = ", ".join(charts.quoted(m.token) for m in bpe.merges[:5])
    share = f"{1 - after / before:.0%}"
    return t("tokens.hero_saw", before=f"{before:,}", after=f"{after:,}", n=HERO_MERGES, share=share,
             vocab=f"{bpe.vocab_sizes[-1]:,}", first=for_markdown(first))  # fmt: skip


# --- A BPE of the learner's own ------------------------------------------------------------------------
def learn_controls(lang: str) -> Learned | None:
    """The corpus and the number of merges; learning runs on every change (1,000 merges on 270,000
    characters: 0.6 s here). None, with a message, where the learner's own text cannot be learned from."""
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    with c1:
        name = st.segmented_control(t("tokens.corpus_label"), CORPORA, default=DEFAULT_CORPUS[lang],
                                    format_func=corpus_name, key="tok_corpus", required=True)  # fmt: skip
    with c2:
        merges = slider("tokens.merges_label", MERGES_SLIDER, "tok_merges", help=t("tokens.merges_help"))
    if name != "own":
        return shipped_bpe(name or DEFAULT_CORPUS[lang], merges)
    text = st.text_area(t("tokens.own_label"), key="tok_own", height=110, placeholder=t("tokens.own_placeholder"))
    if not text.strip():
        st.info(t("tokens.own_empty", limit=f"{T.MAX_CORPUS_CHARS:,}"), icon=":material/edit_note:")
        return None
    try:
        return own_bpe(text, merges)
    except T.TokensError as problem:
        st.warning(error_text(problem), icon=":material/warning:")
        return None


def learned_summary(learned: Learned) -> None:
    """Its size, what it did to its text and how long it took; every merge in a table, folded away."""
    bpe = learned.bpe
    before, after = bpe.corpus_tokens[0], bpe.corpus_tokens[-1]
    st.markdown(t("tokens.learned_line", n=len(bpe.merges), chars=f"{before:,}", corpus=corpus_name(learned.corpus),
                  alphabet=f"{len(bpe.alphabet):,}", vocab=f"{bpe.vocab_sizes[-1]:,}", tokens=f"{after:,}",
                  share=f"{1 - after / before:.0%}", seconds=f"{learned.seconds:.2f}"))  # fmt: skip
    with go_deeper(t("tokens.merges_header", n=len(bpe.merges))):
        table = {
            t("tokens.merges_table.k"): list(range(1, len(bpe.merges) + 1)),
            t("tokens.merges_table.pair"): [
                f"{charts.quoted(m.pair[0])} + {charts.quoted(m.pair[1])}" for m in bpe.merges
            ],
            t("tokens.merges_table.token"): [charts.quoted(m.token) for m in bpe.merges],
            t("tokens.merges_table.count"): [m.count for m in bpe.merges],
        }
        st.dataframe(table, hide_index=True, height=250, key="tok_merges_table")  # learner text: cells, not Markdown
        st.markdown(t("tokens.checks_text", limit=f"{T.MAX_CORPUS_CHARS:,}"))
