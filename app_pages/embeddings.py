"""Lesson 7 — Embeddings and vector search, with the real MiniLM sentence-embedding model: the hero keeps d of
MiniLM's 384 numbers and shows a word's nearest neighbours go wrong (scrubbed in the browser); then one number
against one-hot, dot product and cosine, and vector search (RAG, in app_pages/embeddings_search.py). The later
sections and the asides are in embeddings_sections.py. Sections are fragments.
"""

import streamlit as st

from app_pages import embeddings_search as search
from app_pages import embeddings_sections as sections
from app_pages.embeddings_sections import EXERCISES, names
from core import embeddings as emb
from core.artefacts import ArtefactError, shown_path
from ui import embeddings_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import LANGUAGES, current_language, load_catalog, t
from ui.layout import setup_page, show_code, vocabulary
from ui.minilm import basis_path, embed_texts, get_minilm, knowledge_base, only_shipped_texts
from ui.minilm import current_basis as get_basis
from ui.private_cache import private_unless
from ui.scrub import scrub_figure
from ui.tiny_gpt import model_dir, model_switch

DIMS = tuple(emb.dimension_ladder())  # the hero's states: d = 1, 2, 3, 4, 5, 6, 8 ... 384
DIMS_DEFAULT = 3  # so few that a word's nearest neighbours are wrong on arrival
REPRESENTATIONS = ("id", "one_hot", "minilm")  # too few numbers, too many, learned


@private_unless(only_shipped_texts)
@st.cache_data(max_entries=32, show_spinner=False)
def dims_states(texts: tuple[str, ...], i: int, basis_file: str) -> list[emb.DimsState]:
    return emb.drop_dimensions(embed_texts(texts).X, get_basis(), i, list(DIMS))


def dims_feedback(texts: tuple[str, ...], i: int, states: list[emb.DimsState], truth) -> None:
    """What the whole curve says (true at every d, so right during a drag), then exercise 1."""
    k, word = len(truth), names(texts, [i])
    d90 = emb.overlap_from(states, 0.9)
    kept = {s.d: f"{s.kept:.0%}" for s in states}
    saw = t("embeddings.dims_saw", word=word, k=k, names=names(texts, truth), n=len(texts), d90=d90, kept=kept[d90])
    low, gap = float(min(states[0].cos)), "" if current_language() == "zh" else " "
    what_you_saw(saw + (gap + t("embeddings.dims_saw_alike", low=f"{low:.2f}") if low >= 0.9 else ""))
    d = emb.right_from(states, k)
    options = {key: t(f"embeddings.ex1_{key}") for key in ("few", "dozens", "most")}
    explain = t("embeddings.ex1_explain", word=word, k=k, d=d, kept=kept[d], names=names(texts, truth))
    exercise.choice("embeddings", 1, EXERCISES, t("embeddings.ex1_question", word=word, k=k, dim=emb.DIM), options,
                    answer="few" if d < 10 else "dozens" if d <= 100 else "most", explain=explain,
                    preset={"emb_dims": DIMS[0]})  # fmt: skip


@st.fragment
def hero_section(texts: tuple[str, ...]) -> None:
    """The hero: d of 384 numbers kept, scrubbed; a word's nearest entries and every entry's."""
    c1, c2 = st.columns([1, 2])
    i = c1.selectbox(t("embeddings.word_label"), range(len(texts)), format_func=texts.__getitem__, key="emb_word")
    with c2:
        d = st.select_slider(t("embeddings.dims_label"), DIMS, DIMS_DEFAULT, key="emb_dims", bind="query-params",
                             help=t("embeddings.dims_help", dim=emb.DIM))  # fmt: skip
    try:
        basis_file = str(basis_path())
        get_basis()
    except ArtefactError as problem:  # only this section needs the shipped basis
        st.error(t("embeddings.basis_missing", path=shown_path(basis_path()), problem=problem.reason),
                 icon=":material/error:")  # fmt: skip
        return
    states = dims_states(texts, i, basis_file)
    truth = emb.nearest(embed_texts(texts).X, i, min(emb.HERO_K, len(texts) - 1))[0]
    build = lambda: charts.dims_template(list(texts), i, states, list(truth))  # noqa: E731
    signature = (current_language(), texts, i, basis_file)
    show(scrub_figure("emb_dims", signature, build, DIMS.index(d), only_shipped_texts(texts)), "emb_dims_chart")
    dims_feedback(texts, i, states, truth)


@st.fragment
def representations_section(texts: tuple[str, ...], X) -> None:
    """One number per entry, one-hot, MiniLM: the cosine of every pair, scrubbed; and exercise 2."""
    labels = {key: t(f"embeddings.representations.{key}") for key in REPRESENTATIONS}
    vectors = emb.representations(X)
    c1, c2 = st.columns([3, 2])
    with c2:
        choice = st.segmented_control(t("embeddings.representation_label"), REPRESENTATIONS, default="id",
                                      format_func=labels.get, key="emb_repr", required=True) or "id"  # fmt: skip
    with c1:
        build = lambda: charts.representations_template(list(texts), vectors, labels)  # noqa: E731
        active, public = REPRESENTATIONS.index(choice), only_shipped_texts(texts)
        show(scrub_figure("emb_repr", (current_language(), texts), build, active, public), "emb_repr_chart")
    near, far = emb.nearest(X, 0, 1)[0][0], emb.nearest(X, 0, len(texts) - 1)[0][-1]
    cos = {key: emb.cosine_similarity(V[[0, near, far]], V[[0, near, far]]) for key, V in vectors.items()}
    one_hot = cos["one_hot"][0, 1]
    numbers = {key: f"{C[0, 1]:.2f}" for key, C in cos.items()} | {"far_cos": f"{cos['minilm'][0, 2]:.2f}"}
    a, b, c = (names(texts, [j]) for j in (0, near, far))
    with c2:
        options = {key: t(f"embeddings.ex2_{key}") for key in ("one", "between", "zero")}
        question = t("embeddings.ex2_question", a=a, b=b, mini=numbers["minilm"], n=len(texts))
        exercise.choice("embeddings", 2, EXERCISES, question, options, preset={"emb_repr": "one_hot"},
                        answer="zero" if abs(one_hot) < 1e-9 else "one" if one_hot > 0.999 else "between",
                        explain=t("embeddings.ex2_explain", a=a, b=b, c=c, **numbers))  # fmt: skip


def set_entries(catalog_key: str) -> None:
    st.session_state["emb_entries"] = t(catalog_key)


def entries() -> tuple[tuple[str, ...], tuple[str, ...], emb.Embedded]:
    """The learner's list (the examples until they write their own), in an expander."""
    defaults = {load_catalog(lang)["embeddings.default_entries"] for lang in LANGUAGES}
    st.session_state.setdefault("emb_entries", t("embeddings.default_entries"))
    with st.expander(t("embeddings.entries_header"), icon=":material/edit_note:",
                     expanded=st.session_state["emb_entries"] not in defaults):  # fmt: skip
        text = st.text_area(t("embeddings.entries_label"), height=200, key="emb_entries")
        c1, c2 = st.columns(2)
        c1.button(t("embeddings.restore_examples"), on_click=set_entries, args=("embeddings.default_entries",),
                  key="emb_reset")  # fmt: skip
        c2.button(t("embeddings.try_chinese"), on_click=set_entries, args=("embeddings.chinese_entries",), key="emb_zh")
        st.caption(t("embeddings.entries_help", limit=emb.MAX_ENTRIES, tokens=emb.MAX_TOKENS))
        parsed, fixed = emb.parse_entries(text, t("embeddings.no_group"))
        if len(parsed) < emb.MIN_ENTRIES:
            st.error(t("embeddings.too_few", minimum=emb.MIN_ENTRIES), icon=":material/error:")
            st.info(t("embeddings.using_defaults"))
            parsed, fixed = emb.parse_entries(t("embeddings.default_entries"), t("embeddings.no_group"))
        texts = tuple(entry.text for entry in parsed)
        with st.spinner(t("embeddings.embedding")):
            embedded = embed_texts(texts)
        sections.entries_notices(fixed, embedded, parsed)
    return texts, tuple(entry.group for entry in parsed), embedded


def minilm_sections(model) -> None:
    """Everything that embeds text with MiniLM."""
    st.header(t("embeddings.dims_header"))
    hero = st.container()
    texts, groups, embedded = entries()
    with hero:
        st.markdown(t("embeddings.dims_intro", dim=emb.DIM, k=min(emb.HERO_K, len(texts) - 1)))
        try_this(t("embeddings.dims_try"))
        hero_section(texts)
    with go_deeper(t("embeddings.pca_header")):
        sections.pca_aside()
    st.header(t("embeddings.numbers_header"))
    vocab = f"{model.tokenizer.vocab_size:,}"
    st.markdown(t("embeddings.numbers_intro", n=len(texts), dim=emb.DIM, vocab=vocab))
    representations_section(texts, embedded.X)
    st.header(t("embeddings.similarity_header"))
    st.markdown(t("embeddings.similarity_intro"))
    sections.similarity_section(texts, embedded.raw)
    with go_deeper(t("embeddings.map_header")):
        sections.map_section(texts, groups, st.session_state.get("emb_word", 0) % len(texts))
    st.header(t("embeddings.search_header"))
    st.markdown(t("embeddings.search_intro", n=len(knowledge_base("en"))))
    try_this(t("embeddings.search_try"))
    search.search_section()
    search.search_exercise()
    st.markdown(t("embeddings.rag_explain"))
    with go_deeper(t("embeddings.analogy_header")):
        sections.analogy_section()


setup_page("embeddings")
try:
    with st.spinner(t("embeddings.loading_model")):
        minilm = get_minilm()
    st.markdown(t("embeddings.intro", dim=emb.DIM, params=f"{emb.parameter_count(minilm) / 1e6:.1f}"))
    if current_language() == "zh":
        st.warning(t("embeddings.chinese_quality"), icon=":material/translate:")
except ArtefactError as problem:  # the sections that embed text need MiniLM; the tiny GPT's table does not
    missing = isinstance(problem, emb.ModelMissing)
    st.error(t("embeddings.model_missing") if missing else t("embeddings.model_broken", problem=problem.reason),
             icon=":material/error:")  # fmt: skip
    minilm = None
if minilm is not None:
    minilm_sections(minilm)


@st.fragment
def chars_aside() -> None:
    """The chosen tiny GPT's character vectors (a switch picks the model; only this aside reruns)."""
    name = model_switch()
    st.markdown(t(f"embeddings.chars_intro_{name}", shown=charts.MAX_CHARS_SHOWN))
    try:
        directory = str(model_dir())
        chart("emb_chars", (current_language(), directory, name), lambda: charts.chars_figure(directory, name))
        st.markdown(t("embeddings.chars_explain"))
    except ArtefactError as problem:  # missing or corrupt model files or text: only this aside is affected
        st.info(t("embeddings.chars_missing", problem=problem.reason), icon=":material/info:")


st.header(t("embeddings.chars_header"))
st.markdown(t("embeddings.chars_bridge"))
with go_deeper(t("embeddings.chars_deeper")):
    chars_aside()
vocabulary("embeddings")
show_code(emb.embed, emb.cosine_similarity, emb.PCA.reconstruct, emb.drop_dimensions, emb.neighbour_overlap,
          emb.top_k, emb.rank_analogy)  # fmt: skip
lesson_footer("embeddings")
