"""Lesson 7's shared cache and helpers and its later sections: the notices about the learner's
entries, the PCA aside, dot product and cosine, the map of the entries, and vector arithmetic. Vector
search (with its exercise) is in app_pages/embeddings_search.py.

Imported by app_pages/embeddings.py; not a page itself (ui/lessons.py names the pages).
"""

from functools import partial

import numpy as np
import streamlit as st

from core import embeddings as emb
from core.artefacts import ArtefactError
from ui import embeddings_charts as charts
from ui.figures import chart
from ui.frame import go_deeper
from ui.i18n import current_language, t
from ui.literal import for_markdown
from ui.minilm import current_basis, embed_texts, only_shipped_texts
from ui.private_cache import private_unless
from ui.widgets import slider

EXERCISES = 3
PERPLEXITY_SLIDER = (2, 50, 10, 1)
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}
ANALOGIES = emb.ANALOGY_PRESETS
FORMULA = r"a\cdot b = \sum_{i=1}^{384} a_i b_i,\qquad \cos\theta = \frac{a\cdot b}{\lVert a\rVert\,\lVert b\rVert}"


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=32, show_spinner=False)
def map_coords(texts: tuple[str, ...], perplexity: int | None) -> np.ndarray:
    """The entries in 2D: PCA (perplexity None) or t-SNE."""
    X = embed_texts(texts).X
    return emb.PCA(2).fit(X).transform(X) if perplexity is None else emb.tsne(X, 2, perplexity, seed=0)


def names(texts, indices) -> str:
    """Entries as a list in a sentence: shortened, Markdown-escaped (they may be the learner's)."""
    return ", ".join(for_markdown(charts.clip(texts[int(j)])) for j in indices)


def entries_notices(fixed: dict, embedded: emb.Embedded, entries: list[emb.Entry]) -> None:
    """Say plainly what was repaired in the learner's list, and what the model could not read."""
    if fixed["duplicates"]:
        st.info(t("embeddings.notice.duplicates", count=fixed["duplicates"]), icon=":material/content_copy:")
    if fixed["dropped"]:
        st.warning(t("embeddings.notice.dropped", count=fixed["dropped"], limit=emb.MAX_ENTRIES), icon=":material/cut:")
    cut = emb.entries_cut([entry.cut for entry in entries], embedded)
    if cut:
        st.warning(t("embeddings.notice.truncated", count=cut, limit=emb.MAX_TOKENS), icon=":material/cut:")
    counts = zip(entries, embedded.n_unknown)
    unknown = [f"{names([entry.text], [0])} ({n})" for entry, n in counts if n]
    if unknown:
        st.warning(t("embeddings.notice.unknown", entries=", ".join(unknown[:8])), icon=":material/translate:")


def pca_aside() -> None:
    """How the dimensions are dropped, and what a single one of them means (rarely anything)."""
    try:
        ratio = current_basis().explained_variance_ratio_
    except ArtefactError:  # the hero says so already
        return
    kept = {f"k{d}": f"{ratio[:d].sum():.0%}" for d in (2, 10, 100)}
    st.markdown(t("embeddings.pca_explain", words=emb.BASIS_WORDS, dim=emb.DIM, **kept))


# --- Dot product and cosine -------------------------------------------------------------------------------
@st.fragment
def similarity_section(texts: tuple[str, ...], raw: np.ndarray) -> None:
    """A pair's dot product, lengths and cosine, on the vectors before MiniLM's final normalization."""
    c1, c2 = st.columns([2, 3])
    pick = {"options": range(len(texts)), "format_func": texts.__getitem__}
    first = c1.selectbox(t("embeddings.pair_a"), index=0, key="emb_pair_a", **pick)
    second = c1.selectbox(t("embeddings.pair_b"), index=min(1, len(texts) - 1), key="emb_pair_b", **pick)
    dot, na, nb, cos = emb.pair_numbers(raw, first, second)
    with c2:
        st.latex(FORMULA)
        st.latex(rf"a\cdot b = {dot:.3f},\quad \lVert a\rVert = {na:.3f},\quad \lVert b\rVert = {nb:.3f}")
        st.latex(rf"\cos\theta = \frac{{{dot:.3f}}}{{{na:.3f}\times{nb:.3f}}} = {cos:.3f}")
    with go_deeper(t("embeddings.dot_header")):
        k = min(5, len(texts) - 1)
        lengths = np.linalg.norm(raw, axis=1)  # (n,)
        longest, shortest = int(np.argmax(lengths)), int(np.argmin(lengths))
        by_cos, by_dot = emb.nearest(raw, first, k, "cosine")[0], emb.nearest(raw, first, k, "dot")[0]
        moves = {"moved": emb.rank_moves(raw, first), "others": len(texts) - 1}
        st.markdown(t("embeddings.dot_vs_cosine", a=names(texts, [first]), k=k, by_cos=names(texts, by_cos), **moves,
                      by_dot=names(texts, by_dot), longest=names(texts, [longest]), long=f"{lengths[longest]:.2f}",
                      shortest=names(texts, [shortest]), short=f"{lengths[shortest]:.2f}"))  # fmt: skip


# --- The map ---------------------------------------------------------------------------------------------
@st.fragment
def map_section(texts: tuple[str, ...], groups: tuple[str, ...], picked: int) -> None:
    """PCA or t-SNE; the picked entry joined to its nearest neighbours in all 384 dimensions."""
    st.markdown(t("embeddings.map_intro"))
    c1, c2 = st.columns(2)
    method = c1.segmented_control(t("embeddings.method_label"), ("pca", "tsne"), default="pca",
                                  format_func=METHOD_NAMES.get, key="emb_method", required=True) or "pca"  # fmt: skip
    perplexity = None
    if method == "tsne":
        with c2:
            perplexity = slider("embeddings.perplexity_label", PERPLEXITY_SLIDER, "emb_perplexity")
    with st.spinner(t("embeddings.tsne_running")):
        coords = map_coords(texts, perplexity)
    order, _ = emb.nearest(embed_texts(texts).X, picked, min(emb.HERO_K, len(texts) - 1))
    title = t("embeddings.chart.map_title", method=METHOD_NAMES[method])
    axis = "PC" if perplexity is None else "t-SNE"
    build = partial(charts.map_figure, coords, list(texts), list(groups), title, axis, (picked, list(order)))
    chart("emb_map", (current_language(), texts, groups, perplexity, picked), build, public=False)
    st.caption(t("embeddings.map_caption", word=names(texts, [picked]), names=names(texts, order)))


# --- Vector arithmetic --------------------------------------------------------------------------------------
def use_analogy(words: tuple[str, ...]) -> None:
    st.session_state["emb_a"], st.session_state["emb_b"], st.session_state["emb_c"] = words[:3]


@st.cache_data(max_entries=4, show_spinner=False)
def analogy_table(candidates: tuple[str, ...], lang: str) -> str:
    """A Markdown table: each preset's expected answer, ranked with and without its inputs (computed
    once per server and language: the presets and the shipped candidates are the course's own)."""
    rows = [t("embeddings.analogy_table_head")]
    for a, b, c, expected in ANALOGIES:
        words = list(dict.fromkeys([a, b, c, *candidates, expected]))
        ranking = emb.rank_analogy(words, embed_texts(tuple(words)).X, (a, b, c))
        kept, left_out = ranking.rank(expected), ranking.rank(expected, inputs_kept=False)
        rows.append(f"| {a} − {b} + {c} | {expected} | {ranking.words[0]} | {kept} | {left_out} | {ranking.best} |")
    return "\n".join(rows)


@st.fragment
def analogy_section() -> None:
    """a - b + c against the candidates, the inputs kept in the ranking (greyed), honestly."""
    st.markdown(t("embeddings.analogy_intro"))
    with st.container(horizontal=True, key="emb_analogy_presets"):  # buttons as wide as their labels, wrapped
        for words in ANALOGIES:
            st.button(f"{words[0]} − {words[1]} + {words[2]}", on_click=use_analogy, args=(words,),
                      key=f"emb_an_{words[0]}_{words[2]}")  # fmt: skip
    for name, default in zip("abc", ANALOGIES[0]):
        st.session_state.setdefault(f"emb_{name}", default)  # the buttons above may change these
    inputs = [col.text_input(name, key=f"emb_{name}", max_chars=200).strip() for col, name in zip(st.columns(3), "abc")]
    text = st.text_area(t("embeddings.candidates_label"), t("embeddings.default_candidates"), key="emb_cands")
    candidates = [entry.text for entry in emb.parse_entries(text, "")[0]]
    if not all(inputs) or not candidates:
        st.error(t("embeddings.analogy_incomplete"), icon=":material/error:")
        return
    words = tuple(dict.fromkeys(inputs + candidates))
    ranking = emb.rank_analogy(list(words), embed_texts(words).X, tuple(inputs))
    expected = next((w[3] for w in ANALOGIES if list(w[:3]) == inputs), None)
    shown = ranking.words[:10]
    muted = {j for j, flag in enumerate(ranking.is_input[:10]) if flag}
    best = {j for j, w in enumerate(shown) if w == expected}
    title = t("embeddings.chart.analogy_title", **{k: charts.short(w, 40) for k, w in zip("abc", inputs)})
    build = partial(charts.bars_figure, shown, ranking.scores[:10], title, "cos", muted, best)
    chart("emb_analogy", (current_language(), words, tuple(inputs)), build, public=only_shipped_texts(words))
    fields = {"top": for_markdown(ranking.words[0]), "best": for_markdown(ranking.best or "—")}
    if ranking.is_input[0]:
        st.warning(t("embeddings.analogy_input_wins", **fields), icon=":material/info:")
    else:
        st.success(t("embeddings.analogy_result", **fields))
    shipped = [e.text for e in emb.parse_entries(t("embeddings.default_candidates"), "")[0]]
    st.markdown(t("embeddings.analogy_table_intro"))
    st.markdown(analogy_table(tuple(shipped), current_language()))
    st.markdown(t("embeddings.analogy_caveat", n=len(shipped)))
