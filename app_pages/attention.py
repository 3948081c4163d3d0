"""Lesson 7 — Attention and the transformer: why RNNs forget, positions, one head step by step,
many heads, and the real attention of the course's tiny GPT and of MiniLM.

Each section is an st.fragment: moving a slider reruns only its own section, and the parts a slider
redraws alone (a layer/head map, the √d chart, the multi-head maps) are fragments inside it. The
step-through and the multi-head figures live in app_pages/attention_sections.py; the real models' sections below.
"""

from functools import partial

import streamlit as st
import torch

from app_pages import attention_sections as sections
from core import attention as att
from core import sampling as smp
from core.artefacts import ArtefactError, shown_path
from ui import attention_charts as charts
from ui.figures import chart
from ui.frame import lesson_footer, lesson_link
from ui.i18n import LANGUAGES, current_language, load_catalog, t
from ui.layout import setup_page, show_code, vocabulary
from ui.minilm import get_minilm, get_minilm_eager
from ui.private_cache import private_unless
from ui.tiny_gpt import get_model, model_dir
from ui.widgets import slider

# Ranges and defaults, in one place: (min, max, default, step).
RNN_LEN_SLIDER = (4, 40, 16, 1)
RADIUS_SLIDER = (0.5, 1.5, 0.9, 0.05)
PE_DIM_SLIDER = (8, 128, 64, 8)
PE_LEN_SLIDER = (8, 100, 50, 1)
GPT_NEW_SLIDER = (0, 40, 24, 1)
MAX_GPT_PROMPT = 48  # characters shown: beyond this a heatmap's labels stop being readable
MAX_MINILM_TOKENS = 32
MAX_TEXT = 2000  # characters a learner may type in the text boxes


def shipped_gpt_prompt(directory: str, ids: tuple[int, ...], n_new: int, seed: int) -> bool:
    """Whether ids are the section's default prompt in either language (shared by every learner)."""
    model, vocab, _ = get_model(directory)
    defaults = (load_catalog(lang)["attention.gpt_default_prompt"] for lang in LANGUAGES)
    return any(ids == tuple(smp.prepare_prompt(d, vocab, model.config.block_size).ids) for d in defaults)


def shipped_sentence(text: str) -> bool:
    return any(text == load_catalog(lang)["attention.minilm_default"] for lang in LANGUAGES)


@private_unless(shipped_gpt_prompt)
@st.cache_data(max_entries=64, show_spinner=False)
def gpt_run(directory: str, ids: tuple[int, ...], n_new: int, seed: int):
    """Generate n_new characters (seeded), then the attention over prompt + generated text."""
    model = get_model(directory)[0]
    start = torch.tensor([ids])  # (1, T)
    out = smp.generate(model, start, n_new, 1.0, top_k=10, generator=torch.Generator().manual_seed(seed))[0].tolist()
    shown = out[-model.config.block_size :]  # the model reads at most block_size characters
    return shown, len(out) - len(shown), att.gpt_attention(model, shown)


@private_unless(shipped_sentence)
@st.cache_data(max_entries=32, show_spinner=False)
def minilm_run(text: str) -> att.EncoderAttention:
    return att.minilm_attention(get_minilm_eager(), get_minilm().tokenizer, text, MAX_MINILM_TOKENS)


def loaded_configs():
    """The tiny GPT's and MiniLM's configurations, None for a model that cannot be loaded."""
    try:
        gpt_config = get_model(str(model_dir()))[0].config
    except ArtefactError:  # the GPT section has already explained what is missing
        gpt_config = None
    try:
        minilm_config = get_minilm_eager().config
    except ArtefactError:
        minilm_config = None
    return gpt_config, minilm_config


setup_page("attention")
st.markdown(t("attention.intro"))


# --- 1. Why an RNN forgets --------------------------------------------------------------------------
@st.fragment
def rnn_section() -> None:
    c1, c2 = st.columns(2)
    with c1:
        n = slider("attention.rnn_len_label", RNN_LEN_SLIDER, "att_rnn_len", help=t("attention.rnn_len_help"))
    with c2:
        radius = slider("attention.radius_label", RADIUS_SLIDER, "att_rnn_radius", help=t("attention.radius_help"))
    rnn, attn = sections.dependence_chart("att_dep", n, radius)
    m1, m2 = st.columns(2)
    m1.metric(t("attention.rnn_ratio"), f"{rnn[0] / rnn[-1]:.1e}", help=t("attention.ratio_help"))
    m2.metric(t("attention.attn_ratio"), f"{attn[0] / attn[-1]:.2f}", help=t("attention.ratio_help"))


st.header(t("attention.rnn_header"))
st.markdown(t("attention.rnn_intro"))
rnn_section()
st.latex(
    r"h_t = \tanh(W_{xh}\,x_t + W_{hh}\,h_{t-1}),\qquad \frac{\partial h_T}{\partial x_t} = "
    r"\Big(\prod_{s=t+1}^{T} \mathrm{diag}(1-h_s^2)\,W_{hh}\Big)\,\mathrm{diag}(1-h_t^2)\,W_{xh}"
)
st.markdown(t("attention.rnn_explain"))


# --- 2. Positions ----------------------------------------------------------------------------------
@st.fragment
def position_section() -> None:
    c1, c2 = st.columns(2)
    with c1:
        d = slider("attention.pe_dim_label", PE_DIM_SLIDER, "att_pe_dim")
    with c2:
        T = slider("attention.pe_len_label", PE_LEN_SLIDER, "att_pe_len")
    pe = att.sinusoidal_encoding(T, d)  # (T, d)
    similarity = att.cosine_matrix(pe)  # (T, T)
    pe_title = t("attention.chart.pe_title", T=T, d=d)
    lang = current_language()
    left, right = st.columns(2)
    with left:
        update = lambda f: charts.update_heatmaps(f, [pe], title=pe_title)  # noqa: E731
        chart("att_pe", (lang,), lambda: charts.encoding_figure(pe), update)
    with right:
        build = partial(charts.position_similarity_figure, similarity)
        chart("att_pe_sim", (lang,), build, lambda f: charts.update_heatmaps(f, [similarity]))
    st.markdown(t("attention.pe_added"))
    words = t("attention.step_words").split()
    X = att.word_vectors(words, d).numpy()  # (5, d)
    pe_words = att.sinusoidal_encoding(len(words), d)  # (5, d)
    added = [X, pe_words, X + pe_words]
    title = t("attention.chart.added_title", d=d)
    chart(
        "att_pe_added",
        (lang, tuple(words), d if d <= 16 else "wide"),  # up to 16 dimensions get a labelled tick each
        lambda: charts.side_by_side(
            added,
            [t("attention.chart.word_vectors"), t("attention.chart.positions"), t("attention.chart.sum")],
            words,
            [charts.dims(d)] * 3,
            title,
        ),
        lambda f: charts.update_heatmaps(f, added, symmetric=True, title=title),
    )


st.header(t("attention.pe_header"))
st.markdown(t("attention.pe_intro"))
position_section()
st.latex(
    r"PE_{(pos,\,2i)} = \sin\!\Big(\frac{pos}{10000^{2i/d}}\Big),\qquad "
    r"PE_{(pos,\,2i+1)} = \cos\!\Big(\frac{pos}{10000^{2i/d}}\Big)"
)
st.markdown(t("attention.pe_explain"))

# --- 3 and 4. One head step by step; several heads --------------------------------------------------
st.header(t("attention.step_header"))
st.markdown(t("attention.step_intro"))
sections.step_section()


# --- 5. The tiny GPT's attention ---------------------------------------------------------------------
@st.fragment
def gpt_section() -> None:
    try:
        model, vocab, _ = get_model(str(model_dir()))
    except ArtefactError as problem:  # missing or corrupt files: explain, keep the rest of the page
        st.error(
            t("attention.gpt_missing", path=shown_path(model_dir()), problem=problem.reason), icon=":material/error:"
        )
        return
    config = model.config
    text = st.text_input(
        t("attention.gpt_prompt_label"), t("attention.gpt_default_prompt"), max_chars=MAX_TEXT, key="att_gpt_prompt"
    )
    c1, c2 = st.columns([3, 1])
    with c1:
        n_new = slider("attention.gpt_new_label", GPT_NEW_SLIDER, "att_gpt_new", help=t("attention.gpt_new_help"))
    with c2:
        seed = st.number_input(t("attention.seed_label"), 0, 999_999, 0, key="att_gpt_seed")
    if len(text) > MAX_GPT_PROMPT:
        st.info(t("attention.gpt_cut", limit=MAX_GPT_PROMPT, cut=len(text) - MAX_GPT_PROMPT), icon=":material/cut:")
        text = text[-MAX_GPT_PROMPT:]
    prompt = smp.prepare_prompt(text, vocab, config.block_size)
    if prompt.unknown:
        st.warning(t("attention.gpt_unknown", chars=" ".join(prompt.unknown[:20])), icon=":material/translate:")
    if not prompt.ids:
        st.warning(t("attention.gpt_empty"), icon=":material/edit_note:")
        return
    ids, cut, weights = gpt_run(str(model_dir()), tuple(prompt.ids), int(n_new), int(seed))
    if cut:
        st.info(t("attention.gpt_block_cut", block=config.block_size, cut=cut), icon=":material/cut:")
    generated_from = max(0, len(prompt.ids) - cut) if n_new else None
    shown = vocab.decode(ids)
    st.code(shown, language=None, wrap_lines=True)  # learner text: never as Markdown
    # The maps' labels are the learner's text, unless it is the shipped prompt: then they are shared.
    public = shipped_gpt_prompt(str(model_dir()), tuple(prompt.ids), int(n_new), int(seed))
    labels = [charts.show_char(c) for c in shown]
    gpt_head_map(config, tuple(ids), labels, weights, generated_from, public)
    st.markdown(t("attention.gpt_explain"))
    signature = (current_language(), tuple(ids))
    build = lambda: charts.all_heads_figure(weights, t("attention.chart.gpt_all_title"))  # noqa: E731
    chart("att_gpt_all", signature, build, public=public)


@st.fragment  # choosing a layer and head reruns only this map, not the generation and the 16 heads
def gpt_head_map(config, ids: tuple[int, ...], labels: list[str], weights, generated_from: int | None, public: bool):
    c1, c2 = st.columns(2)
    with c1:
        layer = slider("attention.layer_label", (1, config.n_layer, 1, 1), "att_gpt_layer")
    with c2:
        head = slider("attention.head_label", (1, config.n_head, 1, 1), "att_gpt_head")
    title = t("attention.chart.gpt_title", layer=layer, head=head)
    chosen = weights[layer - 1, head - 1]  # (T, T)
    chart(
        "att_gpt_map",
        (current_language(), ids, generated_from),
        lambda: charts.attention_map(chosen, labels, title, generated_from),
        lambda f: charts.update_heatmaps(f, [chosen], title=title),
        public,
    )


st.header(t("attention.gpt_header"))
st.markdown(t("attention.gpt_intro"))
gpt_section()


# --- 6. MiniLM's attention ---------------------------------------------------------------------------
@st.fragment
def minilm_section() -> None:
    try:
        encoder = get_minilm_eager()
    except ArtefactError:
        st.error(t("attention.minilm_missing"), icon=":material/error:")
        return
    text = st.text_input(
        t("attention.minilm_label"), t("attention.minilm_default"), max_chars=MAX_TEXT, key="att_lm_text"
    )
    if not text.strip():
        st.warning(t("attention.minilm_empty"), icon=":material/edit_note:")
        return
    result = minilm_run(text)
    if result.cut:
        st.info(t("attention.minilm_cut", limit=MAX_MINILM_TOKENS, cut=result.cut), icon=":material/cut:")
    minilm_head_map(encoder, text, result)
    st.markdown(t("attention.minilm_explain"))
    st.subheader(t("attention.overview_header"))
    st.markdown(t("attention.overview_intro"))
    build = lambda: charts.all_heads_figure(result.weights, t("attention.chart.minilm_all_title"))  # noqa: E731
    chart("att_lm_all", (current_language(), text), build, public=shipped_sentence(text))


@st.fragment  # choosing a layer and head reruns only this map and its check, not the 72-head overview
def minilm_head_map(encoder, text: str, result: att.EncoderAttention) -> None:
    n_layer, n_head = encoder.config.num_hidden_layers, encoder.config.num_attention_heads
    c1, c2 = st.columns(2)
    with c1:
        layer = slider("attention.layer_label", (1, n_layer, 1, 1), "att_lm_layer")
    with c2:
        head = slider("attention.head_label", (1, n_head, 1, 1), "att_lm_head")
    ours = att.minilm_head_by_hand(encoder, result.hidden[layer - 1], layer - 1, head - 1)
    library = result.weights[layer - 1, head - 1]
    title = t("attention.chart.minilm_title", layer=layer, head=head)
    chart(
        "att_lm_map",
        (current_language(), text),
        lambda: charts.attention_map(ours.weights.numpy(), result.tokens, title),
        lambda f: charts.update_heatmaps(f, [ours.weights.numpy()], title=title),
        shipped_sentence(text),  # the tokens label the map: the learner's words, unless shipped
    )
    gap = float(abs(ours.weights.numpy() - library).max())
    st.metric(t("attention.by_hand_gap"), f"{gap:.1e}", help=t("attention.by_hand_help"))


st.header(t("attention.minilm_header"))
st.markdown(t("attention.minilm_intro"))
minilm_section()

# --- 7. Huge matrices -------------------------------------------------------------------------------
st.header(t("attention.scale_header"))
sections.scale_section(*loaded_configs())

st.markdown(t("attention.links"))
lesson_link("embeddings", numbered=True)
lesson_link("sampling", numbered=True)
vocabulary("attention")
show_code(
    att.rnn_jacobian_norms,
    att.sinusoidal_encoding,
    att.one_head,
    att.multi_head,
    att.minilm_head_by_hand,
    att.attention_macs,
)
lesson_footer("attention")
