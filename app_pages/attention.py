"""Lesson 8 — Attention and the transformer: one word's row of attention weights (the hero), every
row, several heads, word order, a real model's heads (MiniLM), and why attention replaced the RNN.
The one-head part is in app_pages/attention_sections.py, word order and the RNN in attention_sequence.py
(all fragments); the tiny GPT's attention (run once opened) and the cost of attention are asides."""

import numpy as np
import streamlit as st

from app_pages import attention_sections as sections
from app_pages import attention_sequence as sequence
from core import attention as att
from core import sampling as smp
from core.artefacts import ArtefactError, shown_path
from ui import attention_charts as charts
from ui.figures import show
from ui.frame import go_deeper, lesson_footer, try_this, what_you_saw
from ui.i18n import current_language, t
from ui.layout import setup_page, show_code, vocabulary
from ui.minilm import get_minilm, get_minilm_eager
from ui.private_cache import private_unless
from ui.scrub import scrub_figure
from ui.tiny_gpt import get_model, model_dir, model_switch
from ui.widgets import slider

# Ranges and defaults, in one place: (min, max, default, step).
RNN_LEN_SLIDER = (4, 40, 16, 1)
RADIUS_SLIDER = (0.5, 1.5, 0.9, 0.05)
PE_SHOWN = (50, 64)  # positions × dimensions of the encoding drawn
PE_LINES = (4, 12, 24)  # dimensions drawn as lines: periods of about 11, 35 and 200 positions at d = 64
GPT_NEW_SLIDER = (0, 40, 24, 1)
MAX_GPT_PROMPT = 48  # characters shown: beyond this a heatmap's labels stop being readable
MAX_MINILM_TOKENS = 32
MAX_TEXT = 2000  # characters a learner may type in the text boxes
SENTENCE = "The animal didn't cross the street because it was too tired."  # MiniLM reads English
PRONOUN, ANTECEDENT = "it", "animal"  # the default head is the one that links these most strongly
# Each tiny GPT's prompt: its own kind of text (Tang: a poem's title, poet and lines, 杜甫《月夜》).
GPT_PROMPTS = {
    "shakespeare": "ROMEO: But soft, what light",
    "tang": "《月夜》杜甫\n今夜鄜州月，闺中只独看。\n遥怜小儿女，未解忆长",
}


def shipped_prompt(directory: str, name: str, ids: tuple[int, ...], *_) -> bool:
    """Whether ids are the aside's default prompt (then its result is shared by every learner)."""
    model, vocab, _ = get_model(directory)
    return ids == tuple(smp.prepare_prompt(GPT_PROMPTS[name], vocab, model.config.block_size).ids)


@private_unless(shipped_prompt)
@st.cache_data(max_entries=64, show_spinner=False)
def gpt_run(directory: str, name: str, ids: tuple[int, ...], n_new: int):
    """The continuation (never the unknown id □) and every head's attention."""
    model, vocab, _ = get_model(directory)
    return att.gpt_continue(model, list(ids), n_new, seed=0, banned=vocab.unknown_id)


@private_unless(lambda text: text == SENTENCE)
@st.cache_data(max_entries=32, show_spinner=False)
def minilm_run(text: str) -> tuple[att.EncoderAttention, np.ndarray]:
    """The library's attention on `text`, and every head recomputed from the model's weights."""
    result = att.minilm_attention(get_minilm_eager(), get_minilm().tokenizer, text, MAX_MINILM_TOKENS)
    return result, att.minilm_heads_by_hand(get_minilm_eager(), result)  # (n_layer, n_head, T, T)


@st.cache_resource(show_spinner=False)
def default_head() -> tuple[int, int, float]:
    """The head (layer, head, from 1) in which PRONOUN gives ANTECEDENT the most weight on SENTENCE."""
    result, maps = minilm_run(SENTENCE)
    i, j = result.tokens.index(PRONOUN), result.tokens.index(ANTECEDENT)
    layer, head = att.head_linking(maps, i, j)
    return layer + 1, head + 1, float(maps[layer, head, i, j])


@st.cache_resource(show_spinner=False)
def cpu_macs_per_second() -> float:
    """This server's speed, measured once."""
    return att.macs_per_second()


setup_page("attention")
st.markdown(t("attention.intro"))
sections.head_section()

# --- Word order ------------------------------------------------------------------------------------
st.header(t("attention.pe_header"))
sequence.order_section(PE_SHOWN, PE_LINES)


# --- A real model: MiniLM ---------------------------------------------------------------------------
@st.fragment
def minilm_section() -> None:
    try:
        encoder = get_minilm_eager()
    except ArtefactError:
        st.error(t("attention.minilm_missing"), icon=":material/error:")
        return
    n_layer, n_head = encoder.config.num_hidden_layers, encoder.config.num_attention_heads
    first_layer, first_head, link = default_head()
    c0, c1, c2 = st.columns([4, 1, 1])
    text = c0.text_input(t("attention.minilm_label"), SENTENCE, max_chars=MAX_TEXT, key="att_lm_text")
    with c1:
        layer = slider("attention.layer_label", (1, n_layer, first_layer, 1), "att_lm_layer")
    with c2:
        head = slider("attention.head_label", (1, n_head, first_head, 1), "att_lm_head")
    if not text.strip():
        st.warning(t("attention.minilm_empty"), icon=":material/edit_note:")
        return
    result, maps = minilm_run(text)
    if result.cut:
        st.info(t("attention.minilm_cut", limit=MAX_MINILM_TOKENS, cut=result.cut), icon=":material/cut:")
    special = att.special_tokens(result.tokens)
    links = att.strongest_links(maps, special)  # (n_layer, n_head, 3)
    title = lambda i, h: charts.link_title(result.tokens, i, h, links[i - 1, h - 1])  # noqa: E731
    build = lambda: charts.heads_template(result.tokens, maps, title)  # noqa: E731
    active = (layer - 1) * n_head + head - 1
    left, right = st.columns([3, 2])
    with left:
        show(scrub_figure("att_lm", (current_language(), text), build, active, text == SENTENCE), "att_lm_chart")
    with right:  # what the map shows, beside it
        if text == SENTENCE:
            what_you_saw(t("attention.minilm_saw", layer=first_layer, head=first_head, w=f"{link:.2f}"))
        census = att.head_census(maps, special)
        st.markdown(t("attention.minilm_explain", total=n_layer * n_head, **census))
    with go_deeper(t("attention.by_hand_header")):
        gap = f"{float(np.abs(maps - result.weights).max()):.1e}"
        st.markdown(t("attention.by_hand", hs=encoder.config.hidden_size // n_head, gap=gap))


st.header(t("attention.minilm_header"))
st.markdown(t("attention.minilm_intro"))
try_this(t("attention.minilm_try"))
minilm_section()


# --- Why attention replaced the RNN ----------------------------------------------------------------
st.header(t("attention.rnn_header"))
st.markdown(t("attention.rnn_intro"))
sequence.rnn_section(RNN_LEN_SLIDER, RADIUS_SLIDER)
st.markdown(t("attention.gpu"))
with go_deeper(t("attention.scale_header")):
    speed, g = cpu_macs_per_second(), att.GPT3
    big = sum(att.attention_macs(g["T"], g["d_model"]).values()) * g["n_layer"]  # every layer, one context
    numbers = {"big": charts.readable(big), "speed": charts.readable(speed), "time": charts.duration(big / speed)}
    numbers |= {"T": f"{g['T']:,}", "layers": g["n_layer"], "d": f"{g['d_model']:,}"}
    st.markdown(t("attention.scale_explain", small=sum(att.attention_macs(5, 4).values()), **numbers))


@st.fragment
def gpt_section() -> None:
    """The tiny GPT continues a prompt; every layer and head of its attention, scrubbed."""
    st.markdown(t("attention.gpt_intro"))
    name = model_switch()
    try:
        model, vocab, _ = get_model(str(model_dir()))
    except ArtefactError as problem:  # missing or corrupt files: explain, keep the rest of the page
        message = t("attention.gpt_missing", path=shown_path(model_dir()), problem=problem.reason)
        st.error(message, icon=":material/error:")
        return
    label = t("attention.gpt_prompt_label")  # each model keeps its own prompt while the learner switches
    text = st.text_input(label, GPT_PROMPTS[name], max_chars=MAX_TEXT, key=f"att_gpt_prompt_{name}")
    n_new = slider("attention.gpt_new_label", GPT_NEW_SLIDER, "att_gpt_new", help=t("attention.gpt_new_help"))
    if len(text) > MAX_GPT_PROMPT:
        st.info(t("attention.gpt_cut", limit=MAX_GPT_PROMPT, cut=len(text) - MAX_GPT_PROMPT), icon=":material/cut:")
        text = text[-MAX_GPT_PROMPT:]
    prompt = smp.prepare_prompt(text, vocab, model.config.block_size)
    if prompt.unknown:
        st.warning(t("attention.gpt_unknown", chars=" ".join(prompt.unknown[:20])), icon=":material/translate:")
    if not prompt.ids:
        st.warning(t(f"attention.gpt_empty_{name}"), icon=":material/edit_note:")
        return
    directory, ids = str(model_dir()), tuple(prompt.ids)
    shown, cut, weights = gpt_run(directory, name, ids, int(n_new))
    if cut:
        st.info(t("attention.gpt_block_cut", block=model.config.block_size, cut=cut), icon=":material/cut:")
    st.code(vocab.decode(shown), language=None, wrap_lines=True)  # learner text: never as Markdown
    labels = [charts.show_char(c) for c in vocab.decode(shown)]
    title = lambda i, h: t("attention.chart.gpt_title", layer=i, head=h)  # noqa: E731
    generated_from = max(0, len(ids) - cut) if n_new else None
    n_layer, n_head = weights.shape[:2]
    c1, c2 = st.columns(2)
    with c1:
        layer = slider("attention.layer_label", (1, n_layer, 1, 1), "att_gpt_layer")
    with c2:
        head = slider("attention.head_label", (1, n_head, 1, 1), "att_gpt_head")
    build = lambda: charts.heads_template(labels, weights, title, generated_from)  # noqa: E731
    signature, active = (current_language(), directory, tuple(shown), generated_from), (layer - 1) * n_head + head - 1
    show(scrub_figure("att_gpt", signature, build, active, shipped_prompt(directory, name, ids)), "att_gpt_chart")
    st.markdown(t("attention.gpt_explain"))


with (gpt_aside := go_deeper(t("attention.gpt_header"), key="att_gpt_open")):
    if gpt_aside.open:  # its figure holds every layer and head of the tiny GPT: a third of the page's data
        gpt_section()

st.markdown(t("attention.llm_place"))
vocabulary("attention")
show_code(att.one_head, att.contributions, att.multi_head, att.sinusoidal_encoding, att.minilm_head_by_hand,
          att.rnn_jacobian_norms)  # fmt: skip
lesson_footer("attention")
