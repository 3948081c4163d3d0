"""The tokens lesson's sentence section: the learner's text (or a preset) cut every way (characters,
words, their own BPE and the real tokenizers) as chips, and the cards that ask how many tokens a real
tokenizer makes of a sentence. Imported by app_pages/tokens.py and tokens_costs.py; not a page itself.
"""

import streamlit as st

from app_pages.tokens_sections import (
    DEFAULT_TEXT,
    EXERCISES,
    LINE,
    PRESETS,
    Learned,
    corpus_name,
    error_text,
    tokenizer,
)
from core import tokens as T
from core.artefacts import ArtefactError
from ui import exercise
from ui.frame import what_you_saw
from ui.i18n import t
from ui.literal import for_markdown
from ui.token_chips import label, row, token_chips

SHORT = {"cl100k_base": "cl100k", "o200k_base": "o200k"}  # catalog keys name OpenAI's vocabularies briefly


def cut_rows(text: str, learned: Learned | None) -> tuple[list[dict], dict[str, list[T.Piece]]]:
    """One chips row per way (core.tokens.WAYS), and the pieces of each way that could cut the text."""
    rows, cuts = [], {}
    for way in T.WAYS:
        short = SHORT.get(way, way)
        name, unknown = t(f"tokens.ways.{short}"), frozenset()
        try:
            if way == "bpe":
                if learned is None:
                    continue
                model, name = learned.bpe, t("tokens.ways.bpe", corpus=corpus_name(learned.corpus),
                                               n=len(learned.bpe.merges))  # fmt: skip
            else:
                model = tokenizer(way) if way in T.REAL else None
                unknown = frozenset({model.token_to_id("[UNK]")}) if way == "minilm" else unknown
            cuts[way] = T.cut(text, way, model)
            rows.append(row(way, name, cuts[way], t(f"tokens.notes.{short}"), unknown))
        except ArtefactError as problem:  # a tokenizer whose package is missing: only its row says so
            rows.append(row(way, name, [], t("tokens.notes.missing", problem=problem.reason)))
    return rows, cuts


def set_text(text: str) -> None:
    st.session_state["tok_text"] = text


@st.fragment
def cut_section(lang: str, learned: Learned | None) -> None:
    """The learner's text in a box, four preset sentences, the text cut every way as chips; then card 2
    beside what to notice."""
    text = st.text_area(t("tokens.text_label"), DEFAULT_TEXT[lang], key="tok_text", height=68,
                        help=t("tokens.text_help", limit=f"{T.MAX_TEXT_CHARS:,}"))  # fmt: skip
    with st.container(horizontal=True, gap="small"):
        for i, preset in enumerate(PRESETS):
            st.button(preset, key=f"tok_preset_{i}", on_click=set_text, args=(preset,))
    try:
        T.check_text(text)
    except T.TokensError as problem:  # too long: said, and the text stays in the box as typed
        st.warning(error_text(problem), icon=":material/warning:")
        text = None
    if text == "":
        st.info(t("tokens.text_empty"), icon=":material/edit_note:")
    elif text:
        rows, cuts = cut_rows(text, learned)
        token_chips(rows, key="tok_chips")
        st.caption(t("tokens.chips_legend"))
        counts = {way: f"{len(pieces):,}" for way, pieces in cuts.items()}
        st.markdown(t("tokens.cut_summary", chars=f"{len(text):,}", bytes=f"{len(text.encode('utf-8')):,}",
                      words=counts["words"], bpe=counts.get("bpe", "—"), cl100k=counts.get("cl100k_base", "—"),
                      o200k=counts.get("o200k_base", "—"), minilm=counts.get("minilm", "—"),
                      fragments=sum(p.fragment for p in cuts.get("cl100k_base", []))))  # fmt: skip
    card, saw = st.columns([3, 2])
    with card:
        count_card(2, LINE, "cl100k_base")
    with saw:
        what_you_saw(t("tokens.cut_saw"))


def count_card(n: int, text: str, way: str) -> None:
    """Predict-then-check card n: how many tokens `way` cuts `text` into (core's count, from the real
    tokenizer), beside GPT-4's count. Left out where the real tokenizers are not installed."""
    try:
        pieces = T.cut(text, way, tokenizer(way))
        cl100k, o200k = tokenizer("cl100k_base"), tokenizer("o200k_base")
    except ArtefactError:
        return
    gpt4 = len(T.cut(text, "cl100k_base", cl100k))
    fields = {"text": text, "chars": len(text), "answer": len(pieces), "cl100k": gpt4,
              "ratio": f"{len(pieces) / gpt4:.0%}", "v_cl100k": f"{cl100k.n_vocab:,}", "v_o200k": f"{o200k.n_vocab:,}",
              "pieces": for_markdown(" | ".join(label(p) for p in pieces)),
              "fragments": sum(p.fragment for p in pieces)}  # fmt: skip
    question, explain = t(f"tokens.ex{n}_question", **fields), t(f"tokens.ex{n}_explain", **fields)
    exercise.number("tokens", n, EXERCISES, question, len(pieces), 0.5, explain, preset={"tok_text": text})
