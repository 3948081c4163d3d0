"""Lesson 7's vector search: the course FAQ (in a language the learner picks) plus their own
passages, ranked against a question, the prompt RAG would build from them, and exercise 3.

Imported by app_pages/embeddings.py; not a page itself (ui/lessons.py names the pages).
"""

from functools import partial

import streamlit as st

from app_pages.embeddings_sections import EXERCISES
from core import embeddings as emb
from ui import embeddings_charts as charts
from ui import exercise
from ui.figures import chart
from ui.frame import what_you_saw
from ui.i18n import LANGUAGE_NAMES, LANGUAGES, current_language, load_catalog, t
from ui.literal import for_markdown
from ui.minilm import embed_texts, knowledge_base
from ui.widgets import slider

TOPK_SLIDER = (1, 8, 3, 1)  # passages retrieved: (min, max, default, step)
EX3_OPTIONS = (2, 1, 0)  # knowledge-base passages offered in exercise 3: gradient descent, the loss, "a model is"


def switch_knowledge_base() -> None:
    """A new knowledge-base language brings its own example question, unless the learner wrote one."""
    examples = {load_catalog(lang)["embeddings.default_query"] for lang in LANGUAGES} | {""}
    if st.session_state.get("emb_query", "") in examples:
        lang = st.session_state.get("emb_kb_lang") or "en"
        st.session_state["emb_query"] = load_catalog(lang)["embeddings.default_query"]


def search_passages() -> tuple[list[str], list[bool]]:
    """The knowledge base (its language chosen in an expander) and the learner's own passages; and for
    each passage whether it was cut to MAX_CHARS characters (the course's own are short)."""
    with st.expander(t("embeddings.kb_header"), icon=":material/library_books:"):
        choose = {"format_func": LANGUAGE_NAMES.get, "key": "emb_kb_lang", "on_change": switch_knowledge_base}
        kb_lang = st.segmented_control(t("embeddings.kb_language"), LANGUAGES, default="en", required=True, **choose)
        passages = knowledge_base(kb_lang or "en")
        own_text = st.text_area(t("embeddings.own_passages_label"), key="emb_own", placeholder=t("embeddings.own_help"))
        own, fixed = emb.parse_entries(own_text, "", limit=emb.MAX_ENTRIES - len(passages))
        if fixed["dropped"]:
            st.warning(t("embeddings.notice.dropped", count=fixed["dropped"], limit=emb.MAX_ENTRIES))
    own = [p for p in own if p.text not in passages]
    return passages + [p.text for p in own], [False] * len(passages) + [p.cut for p in own]


def search_notices(cut_chars: list[bool], P: emb.Embedded, q: emb.Embedded) -> None:
    cut = emb.entries_cut(cut_chars, P) + emb.entries_cut([False], q)
    if cut:
        st.warning(t("embeddings.notice.truncated", count=cut, limit=emb.MAX_TOKENS), icon=":material/cut:")
    unknown, total = int(P.n_unknown.sum() + q.n_unknown.sum()), int(P.n_tokens.sum() + q.n_tokens.sum())
    if unknown:
        st.warning(t("embeddings.unknown_share", unknown=unknown, total=total, share=f"{unknown / total:.0%}"))


@st.fragment
def search_section() -> None:
    """Vector search over the course FAQ plus the learner's passages, and the prompt RAG would build."""
    passages, cut_chars = search_passages()
    st.session_state.setdefault("emb_query", load_catalog("en")["embeddings.default_query"])  # the FAQ's language
    c1, c2 = st.columns([3, 1])
    query = c1.text_input(t("embeddings.query_label"), key="emb_query", max_chars=1000).strip()
    with c2:
        k = min(slider("embeddings.topk_label", TOPK_SLIDER, "emb_topk"), len(passages))
    if not query:
        st.error(t("embeddings.empty_query"), icon=":material/error:")
        return
    P, q = embed_texts(tuple(passages)), embed_texts((query,))  # the "vector database"; the question
    search_notices(cut_chars, P, q)  # what the model could not read
    order, scores = emb.top_k(q.X[0], P.X, len(passages))  # every passage, best first
    ranked = [passages[i] for i in order]
    c1, c2 = st.columns([3, 2])
    with c1:
        build = partial(charts.search_figure, ranked, scores, t("embeddings.chart.search_title"))
        update = partial(charts.update_search_figure, k=k)
        chart("emb_search", (current_language(), tuple(passages), query), build, update, public=False)
    with c2:
        st.markdown(t("embeddings.prompt_header", k=k))
        context = "\n".join(f"[{n}] {p}" for n, p in enumerate(ranked[:k], start=1))
        st.code(t("embeddings.rag_prompt", context=context, question=query), language=None, wrap_lines=True)
    shown = query == load_catalog("en")["embeddings.default_query"] and passages == knowledge_base("en")
    saw = "embeddings.search_saw_default" if shown else "embeddings.search_saw"
    what_you_saw(t(saw, top=f"{scores[0]:.2f}", second=f"{scores[1]:.2f}" if len(scores) > 1 else "—", n=len(passages)))


def search_exercise() -> None:
    """Exercise 3: which passage does the English question about mistakes retrieve first?"""
    passages, question = knowledge_base("en"), load_catalog("en")["embeddings.ex3_query"]
    P, q = embed_texts(tuple(passages)), embed_texts((question,))
    order, scores = emb.top_k(q.X[0], P.X, len(passages))
    rank = {int(i): (r, f"{s:.2f}") for r, (i, s) in enumerate(zip(order, scores), start=1)}
    facts = {f"{name}_{field}": value for name, i in zip(("gd", "loss", "model"), EX3_OPTIONS)
             for field, value in zip(("rank", "cos"), rank[i])}  # fmt: skip
    exercise.choice(
        "embeddings",
        3,
        EXERCISES,
        t("embeddings.ex3_question", question=question, n=len(passages)),
        {i: passages[i] for i in EX3_OPTIONS},
        answer=min(EX3_OPTIONS, key=rank.get),
        explain=t("embeddings.ex3_explain", top=for_markdown(passages[int(order[0])]), **facts),
        preset={"emb_query": question, "emb_kb_lang": "en", "emb_own": ""},
    )
