"""The tokens lesson's later sections, about what tokens cost: the vocabulary-size trade-off measured
on the learner's BPE, the same sentences in two languages through the real tokenizers (prices and
context limits count tokens), and "strawberry" as a model sees it. Imported by app_pages/tokens.py.
"""

import streamlit as st

from app_pages import tokens_cuts
from app_pages import tokens_sections as sections
from core import tokens as T
from core.artefacts import ArtefactError
from ui import tokens_charts as charts
from ui.figures import chart
from ui.i18n import current_language, t
from ui.private_cache import in_session
from ui.token_chips import row, token_chips

D_MODEL = 768  # the embedding width of GPT-2 small and BERT-base: the table holds V x 768 numbers
POINTS = 10  # the trade-off chart: the vocabulary after 0, 1/10, ..., all of the merges
PAIRS = (
    (sections.HELLO, "你好，世界！你好吗？"),
    ("How does a large language model work?", sections.QUESTION),
    ("The sun sets behind the hills; the Yellow River flows to the sea.", sections.LINE),
)
PER_CHAR_SAMPLE = 20_000  # characters of each corpus measured for the cost of a character
CONTEXT = 128_000  # tokens: GPT-4o's context window
STRAWBERRY = ("strawberry", "How many r's are in strawberry?")


def vocab_sizes() -> dict[str, str]:
    """The real vocabularies' sizes as the page quotes them ("—" where a tokenizer is not installed)."""
    sizes = {}
    for way, short in (("cl100k_base", "cl100k"), ("o200k_base", "o200k"), ("minilm", "minilm")):
        try:
            model = sections.tokenizer(way)
            sizes[f"v_{short}"] = f"{model.n_vocab if way in T.OPENAI else model.get_vocab_size():,}"
        except ArtefactError:
            sizes[f"v_{short}"] = "—"
    return sizes


# --- The trade-off -------------------------------------------------------------------------------------
def _tradeoff(learned: sections.Learned) -> list[T.Tradeoff]:
    bpe = learned.bpe
    n, A = len(bpe.merges), len(bpe.alphabet)
    sizes = sorted({A + round(n * i / POINTS) for i in range(POINTS + 1)})
    return T.vocab_tradeoff(bpe, learned.held_out, sizes, D_MODEL)


@st.cache_resource(max_entries=12, show_spinner=False)
def shipped_tradeoff(name: str, merges: int) -> list[T.Tradeoff]:
    return _tradeoff(sections.shipped_bpe(name, merges))


def tradeoff_rows(learned: sections.Learned) -> list[T.Tradeoff]:
    if learned.corpus == "own":  # the learner's text: in their session only
        key = (learned.held_out, len(learned.bpe.merges))
        return in_session("tokens_tradeoff", key, lambda: _tradeoff(learned), entries=2)
    return shipped_tradeoff(learned.corpus, len(learned.bpe.merges))


def tradeoff_section(learned: sections.Learned) -> None:
    """The chart, and what it says in numbers: shorter text, bigger table, diminishing returns."""
    rows = tradeoff_rows(learned)
    signature = (tuple(rows), current_language())
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        chart("tok_tradeoff", signature, lambda: charts.tradeoff_figure(rows, D_MODEL), public=learned.corpus != "own")
    first, middle, last = rows[0], rows[len(rows) // 2], rows[-1]
    saved_first, saved_second = first.tokens - middle.tokens, middle.tokens - last.tokens
    try:
        o200k = sections.tokenizer("o200k_base").n_vocab
    except ArtefactError:
        o200k = None
    key = "tokens.tradeoff_saw_own" if learned.corpus == "own" else "tokens.tradeoff_saw"
    text = t(key, chars=f"{len(learned.held_out):,}", v0=f"{first.vocab_size:,}", n0=f"{first.tokens:,}",
             v1=f"{last.vocab_size:,}", n1=f"{last.tokens:,}", merges=last.merges,
             share=f"{1 - last.tokens / max(first.tokens, 1):.0%}", half=middle.merges,
             first=f"{saved_first:,}", second=f"{saved_second:,}", d=D_MODEL,
             p0=f"{first.embedding_params:,}", p1=f"{last.embedding_params:,}")  # fmt: skip
    if o200k:
        text += " " + t("tokens.tradeoff_real", v=f"{o200k:,}", d=D_MODEL, p=f"{o200k * D_MODEL:,}")
    right.markdown(text)
    if learned.corpus == "tang":  # the curve is nearly flat: say why, against English at the same merges
        english = shipped_tradeoff("shakespeare", last.merges)
        shorter = f"{1 - last.tokens / max(first.tokens, 1):.1%}"
        english_shorter = f"{1 - english[-1].tokens / max(english[0].tokens, 1):.0%}"
        st.markdown(t("tokens.tradeoff_chinese", merges=last.merges, share=shorter, english=english_shorter))


# --- Prices and context limits --------------------------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def pair_counts() -> tuple[tuple[str, int, int, int], ...]:
    """Each sentence of PAIRS, both languages: (text, characters, GPT-4 tokens, GPT-4o tokens)."""
    cl100k, o200k = sections.tokenizer("cl100k_base"), sections.tokenizer("o200k_base")
    return tuple(
        (text, len(text), len(T.real_ids(text, "cl100k_base", cl100k)), len(T.real_ids(text, "o200k_base", o200k)))
        for pair in PAIRS
        for text in pair
    )


@st.cache_resource(max_entries=2, show_spinner=False)
def per_char(name: str) -> dict[str, float]:
    """Tokens per character over the first PER_CHAR_SAMPLE characters of a shipped corpus."""
    models = {way: sections.tokenizer(way) for way in T.OPENAI}
    return T.tokens_per_char(sections.corpus_text(name)[:PER_CHAR_SAMPLE], models)


def prices_section() -> None:
    """The same sentences in English and Chinese through GPT-4 and GPT-4o, and what a character costs."""
    try:
        counts = pair_counts()
    except ArtefactError as problem:
        st.info(t("tokens.real_missing", problem=problem.reason), icon=":material/info:")
        return
    columns = ("sentence", "chars", "cl100k", "o200k")
    table = {t(f"tokens.price_table.{c}"): [r[i] for r in counts] for i, c in enumerate(columns)}
    try:
        en, zh = per_char("shakespeare"), per_char("tang")
    except ArtefactError:  # a shipped text missing: the learn section above says so
        en = zh = None
    card, beside = st.columns(2)
    with card:  # before the table, which holds its answer
        tokens_cuts.count_card(3, sections.QUESTION, "o200k_base")
    if en and zh:
        context = {f"{lang}_{way}": f"{round(CONTEXT / cost[way], -3):,.0f}" for lang, cost in (("en", en), ("zh", zh))
                   for way in T.OPENAI}  # fmt: skip
        beside.markdown(t("tokens.prices_saw", n=f"{PER_CHAR_SAMPLE:,}", context=f"{CONTEXT:,}",
                          en_cl100k=f"{en['cl100k_base']:.2f}", zh_cl100k=f"{zh['cl100k_base']:.2f}",
                          en_o200k=f"{en['o200k_base']:.2f}", zh_o200k=f"{zh['o200k_base']:.2f}",
                          ratio=f"{zh['cl100k_base'] / zh['o200k_base']:.2f}",
                          ctx_en_cl100k=context["en_cl100k_base"], ctx_zh_cl100k=context["zh_cl100k_base"],
                          ctx_zh_o200k=context["zh_o200k_base"]))  # fmt: skip
    st.dataframe(table, hide_index=True, key="tok_prices_table")


# --- Counting letters -------------------------------------------------------------------------------------
def strawberry_section() -> None:
    """'strawberry' as GPT-4 and GPT-4o receive it: a few ids, no letters."""
    try:
        models = {way: sections.tokenizer(way) for way in T.OPENAI}
    except ArtefactError as problem:
        st.info(t("tokens.real_missing", problem=problem.reason), icon=":material/info:")
        return
    word, question = STRAWBERRY
    shown = (("cl100k_base", word), ("o200k_base", word), ("cl100k_base", question))
    cuts = {(way, text): T.cut(text, way, models[way]) for way, text in shown}
    rows = [row(way, t("tokens.straw_row", way=t(f"tokens.short.{tokens_cuts.SHORT[way]}"), text=text), cuts[way, text])
            for way, text in shown]  # fmt: skip
    chips, beside = st.columns([3, 2])
    with chips:
        token_chips(rows, key="tok_strawberry")
    alone, asked = cuts["cl100k_base", word], cuts["cl100k_base", question]
    inside = next((p.id for p in asked if word in p.text), "—")  # " strawberry", its space included
    beside.markdown(t("tokens.straw_saw", n=len(alone), ids=", ".join(str(p.id) for p in alone), id=inside,
                    letters=len(word), r=word.count("r")))  # fmt: skip
