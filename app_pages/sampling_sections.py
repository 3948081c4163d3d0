"""Lesson 9's sections after the hero: the cut-offs, one character at a time and 1,000 draws, for
the chosen tiny GPT, and the helpers the page and app_pages/sampling_text.py (generating text) share.
Imported by app_pages/sampling.py; not a page itself (ui/lessons.py names the pages). Fragments live
here, caches in app_pages/sampling_data.py, so their decorators run once per process, not per rerun.
"""

import math

import streamlit as st
import torch

from app_pages.sampling_data import (
    EX3_P,
    TEMP_SLIDER,
    TEMPERATURES,
    TOP_P_SLIDER,
    TOP_PS,
    Loaded,
    next_logits,
    shipped_prompt,
    writable,
)
from core import sampling as smp
from ui import exercise
from ui import sampling_charts as charts
from ui.figures import chart, show
from ui.i18n import current_language, t
from ui.scrub import scrub_figure
from ui.widgets import slider

N_DRAWS = 1000
EXERCISES = 3


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


def nucleus_card(logits: torch.Tensor, lesson: Loaded) -> None:
    """Exercise 3: which characters does top-p keep at T = 1? The choices come from the ranking; a
    learner's prompt may need more than the five shown, and then that is the answer."""
    vocab, p = lesson.vocab, EX3_P[lesson.name]
    ranked, kept, mass = smp.nucleus_choice(logits, p)
    n = int((smp.distribution(logits, 1.0, None, p) > 0).sum())  # all it keeps, not only among the five
    options = {i: " ".join(charts.show_char(vocab.chars[c]) for c in ranked[:i]) for i in range(1, len(ranked) + 1)}
    options["more"] = t("sampling.ex3_more", n=len(ranked))
    answer = n if n in options else "more"
    explain = t("sampling.ex3_explain" if n in options else "sampling.ex3_explain_more", p=p, n=n, mass=f"{mass:.2f}",
                chars=options.get(n, options[len(ranked)]), shown=len(ranked))  # fmt: skip
    exercise.choice("sampling", 3, EXERCISES, t("sampling.ex3_question", p=p), options, answer=answer,
                    explain=explain, preset={"smp_temp": 1.0, "smp_top_k": len(vocab), "smp_top_p": p})  # fmt: skip


def top_k_slider(vocab_size: int) -> None:
    """k from 1 to the whole vocabulary (65 or 4,000), where the whole vocabulary means "off". After a
    switch of model, "off" stays off and a k beyond the new vocabulary becomes "off"."""
    state = st.session_state
    k, was = state.get("smp_top_k"), state.get("smp_top_k_max")
    if k is not None and (k == was or k > vocab_size):
        state["smp_top_k"] = vocab_size
    state["smp_top_k_max"] = vocab_size
    slider("sampling.top_k_label", (1, vocab_size, vocab_size, 1), "smp_top_k", help=t("sampling.top_k_help"))


@st.fragment
def cut_section(lesson: Loaded) -> None:
    """top-k and top-p at the chosen temperature; top-p scrubbed in its figure."""
    vocab, ids = lesson.vocab, lesson.ids
    c1, c2 = st.columns(2)
    with c1:
        top_k_slider(len(vocab))
    with c2:
        p = slider("sampling.top_p_label", TOP_P_SLIDER, "smp_top_p", help=t("sampling.top_p_help"))
    settings = chosen_settings(len(vocab))
    temperature, top_k, top_p = settings.temperature, settings.top_k, settings.top_p
    directory = lesson.directory
    logits = next_logits(directory, ids)  # (vocab,), □ masked
    if temperature == 0:
        st.info(t("sampling.cut_greedy"), icon=":material/info:")
    t_cut = max(temperature, TEMPERATURES[1])  # at T = 0 only one character is left to cut
    signature = (directory, ids, t_cut, top_k, current_language())
    build = lambda: charts.top_p_template(vocab.chars, logits, t_cut, top_k, TOP_PS, writable(vocab))  # noqa: E731
    public = shipped_prompt(directory, ids)
    show(scrub_figure("smp_top_p", signature, build, smp.nearest_index(TOP_PS, p), public), "smp_top_p_chart")
    model_p, final_p = smp.distribution(logits, 1.0), smp.distribution(logits, temperature, top_k, top_p)
    m1, m2, m3 = st.columns(3)
    most = writable(vocab)  # all equally likely: the most uncertain the next character can be
    m1.metric(t("sampling.entropy_model"), f"{smp.bits(model_p):.2f}",
              help=t("sampling.entropy_help", n=f"{most:,}", bits=f"{math.log2(most):.1f}"))  # fmt: skip
    m2.metric(t("sampling.entropy_final"), f"{smp.bits(final_p):.2f}")
    m3.metric(t("sampling.kept"), f"{int((final_p > 0).sum()):,} / {most:,}")
    nucleus_card(logits, lesson)


# --- One character at a time, and many draws ------------------------------------------------------------
def draw_next(lesson: Loaded) -> None:
    """Sample one character with the chosen settings and append it to the learner's text."""
    walk = st.session_state.setdefault("smp_walk", [])
    context = (list(lesson.ids) + walk)[-lesson.model.config.block_size :]
    s = chosen_settings(len(lesson.vocab))
    probs = smp.distribution(next_logits(lesson.directory, tuple(context)), s.temperature, s.top_k, s.top_p)
    walk.append(smp.draw(probs, len(walk) + 1000 * int(st.session_state.get("smp_seed", 0))))


@st.fragment
def step_section(lesson: Loaded) -> None:
    """The autoregressive loop from inside: one character, appended, and the next distribution."""
    vocab, ids = lesson.vocab, lesson.ids
    walk = st.session_state.get("smp_walk", [])
    if st.session_state.get("smp_walk_prompt") != (lesson.directory, ids):  # a new prompt or model: a new text
        st.session_state["smp_walk_prompt"], walk = (lesson.directory, ids), []
        st.session_state["smp_walk"] = walk
    c1, c2 = st.columns([1, 1])
    c1.button(t("sampling.next_char"), icon=":material/arrow_forward:", key="smp_next", on_click=draw_next,
              args=(lesson,))  # fmt: skip
    c2.button(t("sampling.restart_walk"), icon=":material/restart_alt:", key="smp_walk_reset",
              on_click=lambda: st.session_state.update(smp_walk=[]))  # fmt: skip
    st.code(vocab.decode(list(ids) + walk), language=None, wrap_lines=True)  # learner text: never as Markdown
    context = tuple((list(ids) + walk)[-lesson.model.config.block_size :])
    s = chosen_settings(len(vocab))
    logits = next_logits(lesson.directory, context)
    final_p = smp.distribution(logits, s.temperature, s.top_k, s.top_p)
    model_p, temp_p = smp.distribution(logits, 1.0), smp.distribution(logits, s.temperature)
    order = charts.top_order(final_p.numpy())
    build = lambda: charts.step_figure(vocab.chars, order)  # noqa: E731
    update = lambda figure: charts.update_distribution_figure(  # noqa: E731
        figure, order, model_p.numpy(), temp_p.numpy(), final_p.numpy(), None, None, 0, 0
    )
    # The order is of the learner's text's distribution: built in their session.
    chart("smp_step_dist", (lesson.directory, tuple(order.tolist()), current_language()), build, update, public=False)
    k, p = s.top_k or "—", f"{s.top_p:.2f}" if s.top_p else "—"
    st.caption(t("sampling.step_using", temp=f"{s.temperature:.2f}", k=k, p=p))
    if walk:
        st.caption(t("sampling.walk_last", char=charts.show_char(vocab.chars[walk[-1]]), n=len(walk)))


@st.fragment
def draws_section(lesson: Loaded) -> None:
    vocab = lesson.vocab
    s = chosen_settings(len(vocab))
    final_p = smp.distribution(next_logits(lesson.directory, lesson.ids), s.temperature, s.top_k, s.top_p)
    if st.button(t("sampling.draw_again"), icon=":material/casino:", key="smp_redraw"):
        st.session_state["smp_draw_seed"] = st.session_state.get("smp_draw_seed", 0) + 1
    seed = st.session_state.get("smp_draw_seed", 0)
    counts = smp.sample_counts(final_p, N_DRAWS, torch.Generator().manual_seed(seed)).numpy()
    draws_order = charts.top_order(final_p.numpy())
    chart(
        "smp_draws",
        (lesson.directory, tuple(draws_order.tolist()), current_language()),
        lambda: charts.samples_figure(vocab.chars, draws_order),
        lambda figure: charts.update_samples_figure(figure, vocab.chars, draws_order, final_p.numpy(), counts),
        public=False,  # ordered by the distribution after the learner's text
    )
    st.caption(t("sampling.draws_gap", gap=f"{smp.draw_gap(counts, final_p.numpy()):.1%}", seed=seed))
