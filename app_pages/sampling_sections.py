"""Lesson 8's sections after the hero: the cut-offs, one character at a time, 1,000 draws and
generating text. Imported by app_pages/sampling.py; not a page itself (ui/lessons.py names the
pages). Caches and fragments live here, so their decorators run once per process, not per rerun.
"""

from dataclasses import dataclass, replace

import numpy as np
import streamlit as st
import torch

from core import gpt
from core import sampling as smp
from core.gpt_train import CharVocab
from ui import exercise
from ui import sampling_charts as charts
from ui.figures import chart, show
from ui.frame import go_deeper
from ui.i18n import current_language, t
from ui.private_cache import private_unless
from ui.scrub import scrub_figure
from ui.tiny_gpt import get_model, model_dir
from ui.widgets import slider

# Ranges and defaults, in one place: (min, max, default, step).
TEMP_SLIDER = (0.0, 3.0, 1.0, 0.05)
TOP_P_SLIDER = (0.05, 1.0, 0.9, 0.05)  # a default cut-off that shows what top-p does
LENGTH_SLIDER = (20, 500, 200, 10)
COMPARE_TEMPERATURES = (0.0, 1.0, 2.0)
N_DRAWS = 1000
# Ends mid-word, so the model is fairly sure of the next character ("o" of "thou"): temperature and
# top-p visibly change a peaked distribution, where after a space every series would look alike.
DEFAULT_PROMPT = "JULIET:\nO Romeo, Romeo! wherefore art th"
TEMPERATURES = tuple(round(v, 2) for v in np.arange(TEMP_SLIDER[0], TEMP_SLIDER[1] + 1e-9, TEMP_SLIDER[3]))
TOP_PS = tuple(round(v, 2) for v in np.arange(TOP_P_SLIDER[0], TOP_P_SLIDER[1] + 1e-9, TOP_P_SLIDER[3]))
EXERCISES = 3
EX3_P = 0.8


@dataclass(frozen=True, eq=False)
class Loaded:
    """The tiny GPT and the learner's prompt, as the page's last full run left them."""

    model: gpt.GPT
    vocab: CharVocab
    ids: tuple[int, ...]  # what the model reads ("\n" when the learner's prompt is empty)
    shown: str  # those ids as text


def shipped_prompt(directory: str, ids: tuple[int, ...]) -> bool:
    """Whether ids are the page's own default prompt (then every learner shares the result)."""
    model, vocab, _ = get_model(directory)
    return ids == tuple(smp.prepare_prompt(DEFAULT_PROMPT, vocab, model.config.block_size).ids)


@private_unless(shipped_prompt)
@st.cache_data(max_entries=16, show_spinner=False)
def next_logits(directory: str, ids: tuple[int, ...]) -> torch.Tensor:
    return get_model(directory)[0].next_logits(torch.tensor([ids]))[0]  # (vocab,)


def chosen_settings(vocab_size: int) -> smp.Settings:
    """The sampling settings, as the hero's sliders left them. The sections run as fragments of
    their own (a slider move reruns only its section), so they read the sliders' values from the
    session, here and nowhere else, and show beside each result the settings it was made with."""
    state = st.session_state
    temperature, top_p = state.get("smp_temp", TEMP_SLIDER[2]), state.get("smp_top_p", TOP_P_SLIDER[2])
    return smp.Settings.from_controls(temperature, state.get("smp_top_k", vocab_size), top_p, vocab_size)


def describe(settings: smp.Settings, seed: int) -> str:
    k, p = settings.top_k, settings.top_p
    return t("sampling.using", temp=f"{settings.temperature:.2f}", k=k or "—", p=f"{p:.2f}" if p else "—", seed=seed)


def sample_text(model, lesson: Loaded, settings: smp.Settings, length: int, seed: int, bar=None) -> str:
    """The learner's prompt continued by `model`, with a progress bar when one is given."""
    on_token = None if bar is None else (lambda i: bar.progress(i / length) if i % 20 == 0 else None)
    return smp.continue_text(model, lesson.vocab, lesson.ids, settings, length, seed, on_token)


def show_sample(prompt_text: str, text: str) -> None:
    st.code(prompt_text + text, language=None, wrap_lines=True)  # learner text: never as Markdown
    st.caption(t("sampling.repeated", share=f"{smp.repeated_share(text):.0%}"))


def nucleus_card(logits: torch.Tensor, vocab: CharVocab) -> None:
    """Exercise 3: which characters does top-p = EX3_P keep at T = 1? The choices come from the ranking."""
    ranked, kept, mass = smp.nucleus_choice(logits, EX3_P)
    options = {n: " ".join(charts.show_char(vocab.chars[i]) for i in ranked[:n]) for n in range(1, 6)}
    explain = t("sampling.ex3_explain", p=EX3_P, n=len(kept), mass=f"{mass:.2f}", chars=options[len(kept)])
    exercise.choice("sampling", 3, EXERCISES, t("sampling.ex3_question", p=EX3_P), options, answer=len(kept),
                    explain=explain, preset={"smp_temp": 1.0, "smp_top_k": len(vocab), "smp_top_p": EX3_P})  # fmt: skip


@st.fragment
def cut_section(lesson: Loaded) -> None:
    """top-k and top-p at the chosen temperature; top-p scrubbed in its figure."""
    vocab, ids = lesson.vocab, lesson.ids
    c1, c2 = st.columns(2)
    with c1:
        slider("sampling.top_k_label", (1, len(vocab), len(vocab), 1), "smp_top_k", help=t("sampling.top_k_help"))
    with c2:
        p = slider("sampling.top_p_label", TOP_P_SLIDER, "smp_top_p", help=t("sampling.top_p_help"))
    settings = chosen_settings(len(vocab))
    temperature, top_k, top_p = settings.temperature, settings.top_k, settings.top_p
    directory = str(model_dir())
    logits = next_logits(directory, ids)  # (vocab,)
    if temperature == 0:
        st.info(t("sampling.cut_greedy"), icon=":material/info:")
    t_cut = max(temperature, TEMPERATURES[1])  # at T = 0 only one character is left to cut
    signature = (directory, ids, t_cut, top_k, current_language())
    build = lambda: charts.top_p_template(vocab.chars, logits, t_cut, top_k, TOP_PS)  # noqa: E731
    public = shipped_prompt(directory, ids)
    show(scrub_figure("smp_top_p", signature, build, smp.nearest_index(TOP_PS, p), public), "smp_top_p_chart")
    model_p, final_p = smp.distribution(logits, 1.0), smp.distribution(logits, temperature, top_k, top_p)
    m1, m2, m3 = st.columns(3)
    m1.metric(t("sampling.entropy_model"), f"{smp.bits(model_p):.2f}", help=t("sampling.entropy_help"))
    m2.metric(t("sampling.entropy_final"), f"{smp.bits(final_p):.2f}")
    m3.metric(t("sampling.kept"), f"{int((final_p > 0).sum())} / {len(vocab)}")
    nucleus_card(logits, vocab)


# --- One character at a time, and many draws ------------------------------------------------------------
def draw_next(lesson: Loaded) -> None:
    """Sample one character with the chosen settings and append it to the learner's text."""
    walk = st.session_state.setdefault("smp_walk", [])
    context = (list(lesson.ids) + walk)[-lesson.model.config.block_size :]
    s = chosen_settings(len(lesson.vocab))
    probs = smp.distribution(next_logits(str(model_dir()), tuple(context)), s.temperature, s.top_k, s.top_p)
    walk.append(smp.draw(probs, len(walk) + 1000 * int(st.session_state.get("smp_seed", 0))))


@st.fragment
def step_section(lesson: Loaded) -> None:
    """The autoregressive loop from inside: one character, appended, and the next distribution."""
    vocab, ids = lesson.vocab, lesson.ids
    walk = st.session_state.get("smp_walk", [])
    if st.session_state.get("smp_walk_prompt") != ids:  # a new prompt starts a new text
        st.session_state["smp_walk_prompt"], walk = ids, []
        st.session_state["smp_walk"] = walk
    c1, c2 = st.columns([1, 1])
    c1.button(t("sampling.next_char"), icon=":material/arrow_forward:", key="smp_next", on_click=draw_next,
              args=(lesson,))  # fmt: skip
    c2.button(t("sampling.restart_walk"), icon=":material/restart_alt:", key="smp_walk_reset",
              on_click=lambda: st.session_state.update(smp_walk=[]))  # fmt: skip
    st.code(vocab.decode(list(ids) + walk), language=None, wrap_lines=True)  # learner text: never as Markdown
    context = tuple((list(ids) + walk)[-lesson.model.config.block_size :])
    s = chosen_settings(len(vocab))
    logits = next_logits(str(model_dir()), context)
    final_p = smp.distribution(logits, s.temperature, s.top_k, s.top_p)
    model_p, temp_p = smp.distribution(logits, 1.0), smp.distribution(logits, s.temperature)
    order = charts.top_order(final_p.numpy())
    build = lambda: charts.step_figure(vocab.chars, order)  # noqa: E731
    update = lambda figure: charts.update_distribution_figure(  # noqa: E731
        figure, order, model_p.numpy(), temp_p.numpy(), final_p.numpy(), None, None, 0, 0
    )
    # The order is of the learner's text's distribution: built in their session.
    chart("smp_step_dist", (tuple(order.tolist()), current_language()), build, update, public=False)
    k, p = s.top_k or "—", f"{s.top_p:.2f}" if s.top_p else "—"
    st.caption(t("sampling.step_using", temp=f"{s.temperature:.2f}", k=k, p=p))
    if walk:
        st.caption(t("sampling.walk_last", char=charts.show_char(vocab.chars[walk[-1]]), n=len(walk)))


@st.fragment
def draws_section(lesson: Loaded) -> None:
    vocab = lesson.vocab
    s = chosen_settings(len(vocab))
    final_p = smp.distribution(next_logits(str(model_dir()), lesson.ids), s.temperature, s.top_k, s.top_p)
    if st.button(t("sampling.draw_again"), icon=":material/casino:", key="smp_redraw"):
        st.session_state["smp_draw_seed"] = st.session_state.get("smp_draw_seed", 0) + 1
    seed = st.session_state.get("smp_draw_seed", 0)
    counts = smp.sample_counts(final_p, N_DRAWS, torch.Generator().manual_seed(seed)).numpy()
    draws_order = charts.top_order(final_p.numpy())
    chart(
        "smp_draws",
        (tuple(draws_order.tolist()), current_language()),
        lambda: charts.samples_figure(vocab.chars, draws_order),
        lambda figure: charts.update_samples_figure(figure, vocab.chars, draws_order, final_p.numpy(), counts),
        public=False,  # ordered by the distribution after the learner's text
    )
    st.caption(t("sampling.draws_gap", gap=f"{smp.draw_gap(counts, final_p.numpy()):.1%}", seed=seed))


# --- Generating text -----------------------------------------------------------------------------------
@st.cache_resource(max_entries=1, show_spinner=False)
def default_samples(directory: str) -> tuple[str, ...]:
    """The default prompt continued with the default settings (seed 0), then at each compared
    temperature: what the generation section shows before a learner presses anything."""
    model, vocab, _ = get_model(directory)
    ids = smp.prepare_prompt(DEFAULT_PROMPT, vocab, model.config.block_size).ids
    top_p = TOP_P_SLIDER[2] if TOP_P_SLIDER[2] < 1 else None
    return tuple(
        smp.continue_text(model, vocab, ids, smp.Settings(T, None, top_p), LENGTH_SLIDER[2], 0)
        for T in (TEMP_SLIDER[2], *COMPARE_TEMPERATURES)
    )


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
        st.session_state["smp_compare_texts"] = list(zip(temps, texts))
        bar.empty()
    shown = st.session_state.get("smp_compare_texts")
    if shown is None:  # never empty: the page's default three temperatures, made once for everyone
        st.caption(t("sampling.example_note", temp="0, 1, 2", p=f"{TOP_P_SLIDER[2]:.2f}", length=LENGTH_SLIDER[2]))
        shown = list(zip(COMPARE_TEMPERATURES, default_samples(str(model_dir()))[1:]))
    for col, (T, text) in zip(columns, shown):
        with col:
            st.markdown(t("sampling.compare_column", temp=f"{T:.1f}"))
            show_sample(lesson.shown, text)


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
        st.session_state["smp_text"] = (lesson.shown, text, describe(settings, int(seed)))
        bar.empty()
    if "smp_text" in st.session_state:
        shown, text, used = (*st.session_state["smp_text"], "")[:3]
        st.caption(used)
        show_sample(shown, text)
    else:  # never empty: an example made with the page's defaults, the same for every learner
        st.caption(t("sampling.example_note", temp="1.00", p=f"{TOP_P_SLIDER[2]:.2f}", length=LENGTH_SLIDER[2]))
        show_sample(DEFAULT_PROMPT, default_samples(str(model_dir()))[0])
    with go_deeper(t("sampling.compare_header")):  # an aside: folded away
        compare_part(lesson, length, int(seed))
