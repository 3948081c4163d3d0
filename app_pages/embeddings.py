"""Lesson 6 — Embeddings and vector search, with the real MiniLM sentence-embedding model.

Each section is an st.fragment: moving a slider reruns only its own section, not the page.
"""

from functools import partial

import numpy as np
import streamlit as st

from core import embeddings as emb
from core.artefacts import ArtefactError, shown_path
from ui import embeddings_charts as charts
from ui.figures import chart
from ui.frame import lesson_footer
from ui.i18n import LANGUAGE_NAMES, LANGUAGES, current_language, load_catalog, t
from ui.layout import setup_page, show_code, vocabulary
from ui.literal import for_markdown
from ui.minilm import basis_path
from ui.minilm import get_basis as load_basis
from ui.minilm import get_minilm as get_model
from ui.private_cache import private_unless
from ui.sampling_charts import show_char
from ui.tiny_gpt import get_model as get_tiny_gpt
from ui.tiny_gpt import model_dir as tiny_gpt_dir
from ui.widgets import slider

# Slider ranges and defaults, in one place: (min, max, default, step).
DIMS_SLIDER = (1, emb.DIM, 8, 1)
K_SLIDER = (1, 10, 5, 1)
TOPK_SLIDER = (1, 8, 3, 1)
PERPLEXITY_SLIDER = (2, 50, 10, 1)
METHOD_NAMES = {"pca": "PCA", "tsne": "t-SNE"}
OVERLAP_K = 3  # neighbours compared when dimensions are dropped
ANALOGIES = (
    ("king", "man", "woman"),
    ("Paris", "France", "Japan"),
    ("walking", "walk", "swim"),
    ("uncle", "man", "woman"),
)


def get_basis() -> emb.PCA:
    return load_basis(str(basis_path()))


@st.cache_resource(show_spinner=False)
def shipped_texts() -> frozenset[str]:
    """Every text the page itself offers, in both languages: entries, candidates, the FAQ, the query."""
    texts = {word for words in ANALOGIES for word in words}
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        for key in ("default_entries", "chinese_entries", "default_candidates"):
            texts.update(entry.text for entry in emb.parse_entries(catalog[f"embeddings.{key}"], "")[0])
        texts.update(line.strip() for line in catalog["embeddings.knowledge_base"].splitlines())
        texts.add(catalog["embeddings.default_query"].strip())
    return frozenset(texts)


def only_shipped_texts(texts: tuple[str, ...], *settings) -> bool:
    """Results for the page's own texts are shared by every learner; a learner's own stay theirs."""
    return shipped_texts().issuperset(texts)


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=64, show_spinner=False)
def embed_texts(texts: tuple[str, ...]) -> emb.Embedded:
    return emb.embed(get_model(), list(texts))


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=32, show_spinner=False)
def overlap_curve(texts: tuple[str, ...], k: int) -> tuple[list[int], list[float]]:
    X, basis = embed_texts(texts).X, get_basis()
    ds = emb.dimension_ladder()
    return ds, [emb.neighbour_overlap(X, basis.reconstruct(X, d), k) for d in ds]


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=32, show_spinner=False)
def pca_map(texts: tuple[str, ...], dims: int) -> np.ndarray:
    X = embed_texts(texts).X
    return emb.PCA(dims).fit(X).transform(X)


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=32, show_spinner=False)
def tsne_map(texts: tuple[str, ...], dims: int, perplexity: int) -> np.ndarray:
    return emb.tsne(embed_texts(texts).X, dims, perplexity, seed=0)


def entries_notices(fixed: dict, embedded: emb.Embedded, entries: list[emb.Entry]) -> None:
    """Say plainly what was repaired in the learner's list, and what the model could not read."""
    texts = [entry.text for entry in entries]
    if fixed["duplicates"]:
        st.info(t("embeddings.notice.duplicates", count=fixed["duplicates"]), icon=":material/content_copy:")
    if fixed["dropped"]:
        st.warning(t("embeddings.notice.dropped", count=fixed["dropped"], limit=emb.MAX_ENTRIES), icon=":material/cut:")
    cut = emb.entries_cut([entry.cut for entry in entries], embedded)
    if cut:
        st.warning(t("embeddings.notice.truncated", count=cut, limit=emb.MAX_TOKENS), icon=":material/cut:")
    unknown = [f"{for_markdown(charts.short(text))} ({n})" for text, n in zip(texts, embedded.n_unknown) if n]
    if unknown:
        st.warning(t("embeddings.notice.unknown", entries=", ".join(unknown[:8])), icon=":material/translate:")


def pick(label_key: str, texts: tuple[str, ...], key: str, index: int = 0) -> int:
    return st.selectbox(t(label_key), range(len(texts)), index, format_func=lambda i: texts[i], key=key)


@st.fragment
def numbers_section(texts: tuple[str, ...], X: np.ndarray) -> None:
    """Too few numbers (one per word), too many (one-hot), and an embedding in between."""
    n = len(texts)
    st.header(t("embeddings.numbers_header"))
    st.markdown(t("embeddings.numbers_intro", n=n))
    representations = {"id": emb.id_numbers(n), "one_hot": emb.one_hot(n), "minilm": X}
    names = {key: t(f"embeddings.representations.{key}") for key in representations}  # translated now, not later
    choice = st.segmented_control(
        t("embeddings.representation_label"),
        list(representations),
        default="one_hot",
        format_func=names.get,
        key="emb_repr",
        required=True,
    )
    choice = choice or "one_hot"
    vectors = representations[choice]
    cosines = emb.cosine_similarity(vectors, vectors)  # (n, n)
    others = cosines[~np.eye(n, dtype=bool)]
    c1, c2 = st.columns([3, 2])
    with c1:
        title = t("embeddings.chart.cosine_title_of", name=names[choice])
        chart(
            "emb_repr_heatmap",
            (current_language(), texts, choice),
            partial(charts.heatmap_figure, cosines, texts, title, "cos", -1, 1),
            public=only_shipped_texts(texts),
        )
    with c2:
        st.metric(t("embeddings.numbers_per_entry"), f"{vectors.shape[1]}")
        st.metric(t("embeddings.offdiag_range"), f"{others.min():.2f} … {others.max():.2f}")
        st.markdown(t(f"embeddings.representation_explain.{choice}"))


@st.fragment
def similarity_section(texts: tuple[str, ...], raw: np.ndarray) -> None:
    """Dot product against cosine, on the vectors before MiniLM's final normalization."""
    st.header(t("embeddings.similarity_header"))
    st.markdown(t("embeddings.similarity_intro"))
    st.latex(r"a\cdot b = \sum_{i=1}^{384} a_i b_i,\qquad \cos\theta = \frac{a\cdot b}{\lVert a\rVert\,\lVert b\rVert}")
    cosines, dots = emb.cosine_similarity(raw, raw), emb.dot_products(raw, raw)  # (n, n) each
    signature, public = (current_language(), texts), only_shipped_texts(texts)
    c1, c2 = st.columns(2)
    with c1:
        build = partial(charts.heatmap_figure, cosines, texts, t("embeddings.chart.cosine_title"), "cos")
        chart("emb_cos", signature, build, public=public)
    with c2:
        build = partial(charts.heatmap_figure, dots, texts, t("embeddings.chart.dot_title"), "a·b")
        chart("emb_dot", signature, build, public=public)
    c1, c2 = st.columns(2)
    with c1:
        first = pick("embeddings.pair_a", texts, "emb_pair_a")
    with c2:
        second = pick("embeddings.pair_b", texts, "emb_pair_b", 1)
    # The pair's numbers, read from the two matrices above: |a| = sqrt(a·a) is on the diagonal.
    dot, cos = dots[first, second], cosines[first, second]
    na, nb = np.sqrt(dots[first, first]), np.sqrt(dots[second, second])
    st.latex(
        rf"a\cdot b = {dot:.3f},\quad \lVert a\rVert = {na:.3f},\quad \lVert b\rVert = {nb:.3f},"
        rf"\quad \cos\theta = \frac{{{dot:.3f}}}{{{na:.3f}\times{nb:.3f}}} = {cos:.3f}"
    )
    st.markdown(t("embeddings.dot_vs_cosine"))


@st.fragment
def dimensions_section(texts: tuple[str, ...], X: np.ndarray) -> None:
    """Keep d of the 384 PCA directions and watch the nearest neighbours change."""
    st.header(t("embeddings.dims_header"))
    st.markdown(t("embeddings.dims_intro", words=emb.BASIS_WORDS))
    d = slider("embeddings.dims_label", DIMS_SLIDER, "emb_dims", help=t("embeddings.dims_help"))
    try:
        basis = get_basis()
    except ArtefactError as problem:  # only this section needs the shipped basis
        st.error(
            t("embeddings.basis_missing", path=shown_path(basis_path()), problem=problem.reason),
            icon=":material/error:",
        )
        return
    X_d = basis.reconstruct(X, d)  # (n, 384) rebuilt from d numbers per entry
    ds, overlaps = overlap_curve(texts, OVERLAP_K)
    overlap_d = emb.neighbour_overlap(X, X_d, OVERLAP_K)
    cosines = emb.cosine_similarity(X_d, X_d)  # (n, n)
    title = t("embeddings.chart.reduced_title", d=d)

    def update_heatmap(fig):
        fig.data[0].z, fig.layout.title.text = cosines, title

    def update_overlap(fig):
        fig.data[1].x, fig.data[1].y, fig.data[1].name = [d], [overlap_d * 100], t("embeddings.chart.your_d", d=d)

    signature, public = (current_language(), texts), only_shipped_texts(texts)
    c1, c2 = st.columns(2)
    with c1:
        build = partial(charts.heatmap_figure, cosines, texts, title, "cos")
        chart("emb_reduced", signature, build, update_heatmap, public=public)
    with c2:
        build = partial(charts.overlap_figure, ds, overlaps, d, overlap_d, OVERLAP_K)
        chart("emb_overlap", signature, build, update_overlap, public=public)
    kept = float(basis.explained_variance_ratio_[:d].sum())
    st.markdown(t("embeddings.dims_result", d=d, kept=f"{kept:.0%}", overlap=f"{overlap_d:.0%}", k=OVERLAP_K))


@st.fragment
def map_section(texts: tuple[str, ...], groups: list[str], embedded: emb.Embedded) -> None:
    """PCA or t-SNE map in 2D/3D, and the nearest neighbours of a picked entry in 384 dimensions."""
    X, n = embedded.X, len(texts)
    st.header(t("embeddings.map_header"))
    st.markdown(t("embeddings.map_intro"))
    c1, c2, c3 = st.columns(3)
    with c1:
        method = st.segmented_control(
            t("embeddings.method_label"),
            ("pca", "tsne"),
            default="pca",
            format_func=METHOD_NAMES.get,
            key="emb_method",
            required=True,
        )
    with c2:
        dims = st.segmented_control(
            t("embeddings.map_dims_label"),
            (2, 3),
            default=2,
            format_func=lambda v: f"{v}D",
            key="emb_map_dims",
            required=True,
        )
    method, dims, perplexity = method or "pca", dims or 2, None
    if method == "tsne":
        with c3:
            perplexity = slider("embeddings.perplexity_label", PERPLEXITY_SLIDER, "emb_perplexity")
        with st.spinner(t("embeddings.tsne_running")):
            coords, axis = tsne_map(texts, dims, perplexity), "t-SNE"
    else:
        coords, axis = pca_map(texts, dims), "PC"
    c1, c2 = st.columns([3, 2])
    with c2:
        picked = pick("embeddings.pick_label", texts, "emb_pick")
        metrics = {m: t(f"embeddings.metrics.{m}") for m in ("cosine", "euclidean")}
        metric = st.radio(
            t("embeddings.metric_label"),
            list(metrics),
            format_func=metrics.get,
            key="emb_metric",
            horizontal=True,
        )
        raw = st.toggle(t("embeddings.raw_label"), key="emb_raw", help=t("embeddings.raw_help"))
        hi = min(K_SLIDER[1], n - 1)
        k = slider("embeddings.k_label", (K_SLIDER[0], hi, min(K_SLIDER[2], hi), 1), "emb_k")
        order, scores = emb.nearest(embedded.raw if raw else X, picked, min(k, hi), metric)
        score_name = "cos" if metric == "cosine" else t("embeddings.metrics.distance")
        title = t("embeddings.chart.neighbours_title", text=charts.short(texts[picked]))
        # Built in the learner's session: one figure per entry, metric and k, too many to share.
        build = partial(charts.bars_figure, [texts[i] for i in order], scores, title, score_name)
        chart("emb_neighbours", (current_language(), texts, picked, metric, raw, k), build, public=False)
    with c1:
        title = t("embeddings.chart.map_title", method=METHOD_NAMES[method], dims=dims)
        build = partial(charts.map_figure, coords, texts, groups, title, axis, (picked, list(order)))
        signature = (current_language(), texts, tuple(groups), method, dims, perplexity, picked, tuple(order))
        chart("emb_map", signature, build, public=False)
    st.markdown(t("embeddings.neighbours_explain"))


def use_analogy(words: tuple[str, str, str]) -> None:
    st.session_state["emb_a"], st.session_state["emb_b"], st.session_state["emb_c"] = words


@st.fragment
def analogy_section() -> None:
    """a - b + c against a list of candidates, with the inputs kept in the ranking (honestly)."""
    st.header(t("embeddings.analogy_header"))
    st.markdown(t("embeddings.analogy_intro"))
    for col, words in zip(st.columns(len(ANALOGIES)), ANALOGIES):
        label = f"{words[0]} − {words[1]} + {words[2]}"
        col.button(label, on_click=use_analogy, args=(words,), key=f"emb_an_{words[0]}")
    for name, default in zip("abc", ANALOGIES[0]):
        st.session_state.setdefault(f"emb_{name}", default)  # the buttons above may change these
    inputs = [col.text_input(name, key=f"emb_{name}", max_chars=200).strip() for col, name in zip(st.columns(3), "abc")]
    text = st.text_area(t("embeddings.candidates_label"), t("embeddings.default_candidates"), key="emb_cands")
    candidates = [entry.text for entry in emb.parse_entries(text, "")[0]]
    if not all(inputs) or not candidates:
        st.error(t("embeddings.analogy_incomplete"), icon=":material/error:")
        return
    words = tuple(dict.fromkeys(inputs + candidates))
    V = embed_texts(words).X  # (m, 384)
    where = {w: i for i, w in enumerate(words)}
    scores = emb.analogy(*(V[where[w]] for w in inputs), V)  # (m,)
    ranked = list(np.argsort(-scores, kind="stable"))
    shown = ranked[:10]
    greyed = {j for j, i in enumerate(shown) if words[i] in inputs}
    title = t("embeddings.chart.analogy_title", **{k: charts.short(w, 40) for k, w in zip("abc", inputs)})
    build = partial(charts.bars_figure, [words[i] for i in shown], scores[shown], title, "cos", greyed)
    chart("emb_analogy", (current_language(), words, tuple(inputs)), build, public=only_shipped_texts(words))
    best = next((words[i] for i in ranked if words[i] not in inputs), "—")
    if words[ranked[0]] in inputs:
        top = words[ranked[0]]
        st.warning(
            t("embeddings.analogy_input_wins", top=for_markdown(top), best=for_markdown(best)), icon=":material/info:"
        )
    else:
        st.success(t("embeddings.analogy_result", best=for_markdown(best)))
    st.markdown(t("embeddings.analogy_caveat"))


@st.fragment
def search_section() -> None:
    """Vector search over the course FAQ (in the learner's language) plus the learner's passages."""
    st.header(t("embeddings.search_header"))
    st.markdown(t("embeddings.search_intro"))
    kb_lang = st.segmented_control(
        t("embeddings.kb_language"),
        LANGUAGES,
        default=current_language(),
        format_func=LANGUAGE_NAMES.get,
        key="emb_kb_lang",
        required=True,
    )
    faq = load_catalog(kb_lang or "en")["embeddings.knowledge_base"]
    passages = [p.strip() for p in faq.splitlines() if p.strip()]
    own_text = st.text_area(t("embeddings.own_passages_label"), key="emb_own", placeholder=t("embeddings.own_help"))
    own, fixed = emb.parse_entries(own_text, "", limit=emb.MAX_ENTRIES - len(passages))
    own = [p for p in own if p.text not in passages]
    cut_chars = [False] * len(passages) + [p.cut for p in own]  # the course's passages are short
    passages += [p.text for p in own]
    if fixed["dropped"]:
        st.warning(t("embeddings.notice.dropped", count=fixed["dropped"], limit=emb.MAX_ENTRIES))
    query = st.text_input(t("embeddings.query_label"), t("embeddings.default_query"), key="emb_query", max_chars=1000)
    top = slider("embeddings.topk_label", TOPK_SLIDER, "emb_topk")
    if not query.strip():
        st.error(t("embeddings.empty_query"), icon=":material/error:")
        return
    P, q = embed_texts(tuple(passages)), embed_texts((query.strip(),))  # the "vector database"; the query
    cut = emb.entries_cut(cut_chars, P) + emb.entries_cut([False], q)
    if cut:
        st.warning(t("embeddings.notice.truncated", count=cut, limit=emb.MAX_TOKENS), icon=":material/cut:")
    unknown, total = int(P.n_unknown.sum() + q.n_unknown.sum()), int(P.n_tokens.sum() + q.n_tokens.sum())
    if unknown:
        st.warning(t("embeddings.unknown_share", unknown=unknown, total=total, share=f"{unknown / total:.0%}"))
    order, scores = emb.top_k(q.X[0], P.X, top)
    hits = [passages[i] for i in order]
    chart(
        "emb_search",
        (current_language(), tuple(passages), query, top),
        partial(charts.bars_figure, hits, scores, t("embeddings.chart.search_title"), "cos"),
        public=False,  # the learner's query and passages; and one figure per k
    )
    for rank, (passage, score) in enumerate(zip(hits, scores), start=1):
        st.text(f"{rank}.  {score:.3f}  {passage}")
    st.markdown(t("embeddings.rag_explain", count=len(passages)))


setup_page("embeddings")
st.markdown(t("embeddings.intro"))
if current_language() == "zh":
    st.warning(t("embeddings.chinese_quality"), icon=":material/translate:")
try:
    with st.spinner(t("embeddings.loading_model")):
        get_model()
    minilm_loaded = True
except ArtefactError as problem:  # the sections below need MiniLM; the character map does not
    missing = isinstance(problem, emb.ModelMissing)
    st.error(t("embeddings.model_missing") if missing else t("embeddings.model_broken", problem=problem.reason),
             icon=":material/error:")  # fmt: skip
    minilm_loaded = False


def set_entries(catalog_key: str) -> None:
    st.session_state["emb_entries"] = t(catalog_key)


def minilm_sections() -> None:
    """Everything that embeds text with MiniLM."""
    st.header(t("embeddings.entries_header"))
    st.session_state.setdefault("emb_entries", t("embeddings.default_entries"))
    text = st.text_area(t("embeddings.entries_label"), height=260, key="emb_entries")
    c1, c2 = st.columns(2)
    c1.button(
        t("embeddings.restore_examples"), on_click=set_entries, args=("embeddings.default_entries",), key="emb_reset"
    )
    c2.button(t("embeddings.try_chinese"), on_click=set_entries, args=("embeddings.chinese_entries",), key="emb_zh")
    st.caption(t("embeddings.entries_help", limit=emb.MAX_ENTRIES, tokens=emb.MAX_TOKENS))
    entries, fixed = emb.parse_entries(text, t("embeddings.no_group"))
    if len(entries) < emb.MIN_ENTRIES:
        st.error(t("embeddings.too_few", minimum=emb.MIN_ENTRIES), icon=":material/error:")
        st.info(t("embeddings.using_defaults"))
        entries, fixed = emb.parse_entries(t("embeddings.default_entries"), t("embeddings.no_group"))
    texts = tuple(entry.text for entry in entries)
    with st.spinner(t("embeddings.embedding")):
        embedded = embed_texts(texts)
    entries_notices(fixed, embedded, entries)

    numbers_section(texts, embedded.X)
    similarity_section(texts, embedded.raw)
    dimensions_section(texts, embedded.X)
    map_section(texts, [entry.group for entry in entries], embedded)
    analogy_section()
    search_section()


if minilm_loaded:
    minilm_sections()


def char_map_figure(directory: str):
    """The tiny GPT's 65 character vectors on a 2D map."""
    model, vocab, _ = get_tiny_gpt(directory)
    W = model.wte.weight.detach().cpu().numpy()  # (vocab, n_embd)
    coords, kept = emb.char_map(W)
    shown = [show_char(c) for c in vocab.chars]
    groups = [t(f"embeddings.char_classes.{emb.char_class(c)}") for c in vocab.chars]
    title = t("embeddings.chart.chars_title", n=len(vocab), dims=W.shape[1], kept=f"{100 * kept.sum():.0f}")
    return charts.map_figure(coords, shown, groups, title, "PC")


st.header(t("embeddings.chars_header"))
st.markdown(t("embeddings.chars_intro"))
try:
    directory = str(tiny_gpt_dir())
    chart("emb_chars", (current_language(), directory), lambda: char_map_figure(directory))
    st.markdown(t("embeddings.chars_explain"))
except ArtefactError as problem:  # missing or corrupt model files: only this section is affected
    st.info(t("embeddings.chars_missing", problem=problem.reason), icon=":material/info:")
vocabulary("embeddings")
show_code(
    emb.embed,
    emb.cosine_similarity,
    emb.PCA.fit,
    emb.PCA.reconstruct,
    emb.nearest,
    emb.analogy,
    emb.top_k,
    emb.char_map,
)
lesson_footer("embeddings")
