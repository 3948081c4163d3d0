"""Lesson 10 — How a GPT writes and learns, on the course's own tiny GPTs (Shakespeare or Tang poems).

The hero scrubs a training run's checkpoints in the browser: what the model writes, its loss and its
attention, from random characters to verse. Then what training minimizes, one block opened on the learner's
prompt, decoding (greedy, beam search, the repetition penalty, a stop character, one character at a time)
and the cost of writing with and without the KV cache. The sections live in app_pages/generation_sections.py
and app_pages/generation_decoding.py, the defaults and caches in app_pages/generation_data.py.
"""

import streamlit as st

from app_pages import generation_data as data
from app_pages import generation_decoding as decoding
from app_pages import generation_sections as sections
from core import generation as G
from core import sampling as smp
from core.learning_run import checkpoint
from ui.frame import go_deeper, lesson_footer, lesson_link, try_this
from ui.i18n import t
from ui.layout import setup_page, show_code, vocabulary
from ui.tiny_gpt import load_chosen

MAX_PROMPT = 2000  # characters a learner may type; the model reads only the last block_size of them


def read_prompt(name: str, vocab, block_size: int) -> list[int]:
    """The learner's prompt as ids: unknown characters dropped (named), the start cut to the context."""
    text = st.text_area(t("generation.prompt_label"), data.DEFAULT_PROMPTS[name], max_chars=MAX_PROMPT,
                        key=data.PROMPT_KEYS[name], height=90, help=t("generation.prompt_help"))  # fmt: skip
    prompt = smp.prepare_prompt(text, vocab, block_size)
    if prompt.unknown:
        st.warning(t("generation.unknown_chars", count=len(prompt.unknown)), icon=":material/translate:")
        st.code(" ".join(prompt.unknown[:60]) + (" …" if len(prompt.unknown) > 60 else ""), language=None)
    if prompt.cut:
        st.info(t("generation.prompt_cut", cut=prompt.cut, block=block_size), icon=":material/cut:")
    if not prompt.ids:
        st.warning(t("generation.prompt_empty"), icon=":material/edit_note:")
    return prompt.ids


def asides(lesson: data.Loaded, info: dict) -> None:
    """Side material, folded away: the run behind the hero, beams' taste for short texts, the tied head."""
    run = data.learning_run(lesson.name)
    if run is not None:
        with go_deeper(t("generation.run_header")):
            config, settings = run["config"], run["settings"]
            st.markdown(t("generation.run_text", layers=config["n_layer"], heads=config["n_head"],
                          width=config["n_embd"], block=config["block_size"], batch=settings["batch_size"],
                          steps=f"{settings['max_iters']:,}", every=settings["eval_interval"],
                          params=f"{run['parameters']:,}", seconds=f"{run['seconds']:.0f}",
                          shipped=f"{lesson.model.num_params():,}"))  # fmt: skip
            st.code(run.get("command", "python -m core.learning_run"), language="bash")
    with go_deeper(t("generation.beam_deeper_header")):
        st.markdown(t("generation.beam_deeper"))
    with go_deeper(t("generation.cache_deeper_header")):
        st.markdown(t("generation.cache_deeper", tied=t(f"generation.tied.{G.head_is_tied(lesson.model)}")))


setup_page("generation")
st.markdown(t("generation.intro"))
model, vocab, info, directory, name = load_chosen("generation.model_missing")  # name: of the model loaded
config = model.config
default = data.loaded(name, directory, data.default_ids(directory)[0])

# --- The hero: watching it learn ---------------------------------------------------------------------------
st.header(t("generation.hero_header"))
st.markdown(t("generation.hero_intro"))
sections.hero_section(default)

# --- What training minimizes ---------------------------------------------------------------------------------
st.header(t("generation.loss_header"))
sections.loss_section(default, info)

# --- The learner's prompt, read by one block opened -----------------------------------------------------------
st.header(t("generation.block_header"))
intro, box = st.columns([1, 1], vertical_alignment="center")
intro.markdown(t("generation.block_intro", layers=config.n_layer, width=config.n_embd))
with box:
    ids = read_prompt(name, vocab, config.block_size)
lesson = data.loaded(name, directory, ids)
sections.block_section(lesson)

# --- Decoding ---------------------------------------------------------------------------------------------------
st.header(t("generation.decode_header"))
intro, card = st.columns(2)  # predict first: card 2 stands before the beams that answer it
with intro:
    st.markdown(t("generation.decode_intro"))
    try_this(t("generation.decode_try"))
with card:
    decoding.beam_card(lesson)
beam_tab, step_tab = st.tabs([t("generation.tab_beam"), t("generation.tab_step")])
with beam_tab:
    decoding.decoding_section(lesson)
    with st.container(horizontal=True, gap="small", vertical_alignment="center"):
        st.markdown(t("generation.sampling_link"))
        lesson_link("sampling", numbered=True)
with step_tab:
    st.markdown(t("generation.step_intro"))
    decoding.step_section(lesson)

# --- The cost of writing ------------------------------------------------------------------------------------------
st.header(t("generation.cost_header"))
decoding.cost_section(lesson)

asides(lesson, info)
st.markdown(t("generation.where"))
with st.container(horizontal=True, gap="medium"):
    lesson_link("attention", numbered=True)
    lesson_link("sampling", numbered=True)
    lesson_link("big-picture", numbered=True)

vocabulary("generation")
show_code(G.residual_stream, G.parameter_parts, G.beam_search, G.greedy, G.macs_per_token, checkpoint)
lesson_footer("generation")
