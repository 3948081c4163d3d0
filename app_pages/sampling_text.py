"""The sampling lesson's last section, generating text: the learner's prompt continued by the chosen
tiny GPT, and (folded away) the same prompt at three temperatures side by side. Imported by
app_pages/sampling.py; not a page itself. The sliders' settings and the helpers it shares with the page
are in app_pages/sampling_sections.py, the defaults and caches in app_pages/sampling_data.py.
"""

from dataclasses import replace

import streamlit as st

from app_pages.sampling_data import (
    COMPARE_TEMPERATURES,
    DEFAULT_PROMPTS,
    LENGTH_SLIDER,
    TOP_P_SLIDER,
    Loaded,
    default_samples,
)
from app_pages.sampling_sections import chosen_settings, describe, sample_text, show_sample
from ui.frame import go_deeper
from ui.i18n import t
from ui.widgets import slider


def compare_part(lesson: Loaded, length: int, seed: int) -> None:
    """The same prompt, length and seed at three temperatures side by side."""
    st.markdown(t("sampling.compare_intro"))
    columns = st.columns(3)
    temps = [
        col.number_input(t("sampling.compare_temp", n=i + 1), 0.0, 3.0, T, 0.1, key=f"smp_cmp_{i}")
        for i, (col, T) in enumerate(zip(columns, COMPARE_TEMPERATURES))
    ]
    if st.button(t("sampling.compare_button"), icon=":material/view_column:", key="smp_compare"):
        bar = st.progress(0.0, text=t("sampling.generating"))
        texts = []
        for i, T in enumerate(temps):
            settings = replace(chosen_settings(len(lesson.vocab)), temperature=T)
            texts.append(sample_text(lesson.model, lesson, settings, length, seed))
            bar.progress((i + 1) / len(temps), text=t("sampling.generating"))
        st.session_state[f"smp_compare_texts_{lesson.name}"] = (lesson.shown, list(zip(temps, texts)))
        bar.empty()
    prompt, shown = st.session_state.get(f"smp_compare_texts_{lesson.name}", (None, None))
    if shown is None:  # never empty: the page's default three temperatures, made once for everyone
        st.caption(t("sampling.example_note", temp="0, 1, 2", p=f"{TOP_P_SLIDER[2]:.2f}", length=LENGTH_SLIDER[2]))
        prompt = DEFAULT_PROMPTS[lesson.name]
        shown = list(zip(COMPARE_TEMPERATURES, default_samples(lesson.directory, prompt)[1:]))
    for col, (T, text) in zip(columns, shown):
        with col:
            st.markdown(t("sampling.compare_column", temp=f"{T:.1f}"))
            show_sample(prompt, text)


@st.fragment
def generation_section(lesson: Loaded) -> None:
    c1, c2 = st.columns([3, 1])
    with c1:
        length = slider("sampling.length_label", LENGTH_SLIDER, "smp_length")
    with c2:
        seed = st.number_input(t("sampling.seed_label"), 0, 999_999, 0, key="smp_seed", help=t("sampling.seed_help"))
    if st.button(t("sampling.generate"), type="primary", icon=":material/play_arrow:", key="smp_generate"):
        settings = chosen_settings(len(lesson.vocab))
        bar = st.progress(0.0, text=t("sampling.generating"))
        text = sample_text(lesson.model, lesson, settings, length, int(seed), bar)
        # What the text was made with, kept beside it: the sliders above live in other fragments, so
        # a caption reading them here would go stale when they move.
        st.session_state[f"smp_text_{lesson.name}"] = (lesson.shown, text, describe(settings, int(seed)))
        bar.empty()
    if f"smp_text_{lesson.name}" in st.session_state:  # each model keeps its own text
        shown, text, used = st.session_state[f"smp_text_{lesson.name}"]
        st.caption(used)
        show_sample(shown, text)
    else:  # never empty: an example made with the page's defaults, the same for every learner
        st.caption(t("sampling.example_note", temp="1.00", p=f"{TOP_P_SLIDER[2]:.2f}", length=LENGTH_SLIDER[2]))
        prompt = DEFAULT_PROMPTS[lesson.name]
        show_sample(prompt, default_samples(lesson.directory, prompt)[0])
    with go_deeper(t("sampling.compare_header")):  # an aside: folded away
        compare_part(lesson, length, int(seed))
