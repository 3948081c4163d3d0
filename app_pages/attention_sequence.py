"""Lesson 8's word order and the RNN against attention (imported by app_pages/attention.py; not a
page): attention ignores order until positions break exercise 1's tie, and the RNN's dependence on
far words fades where attention's does not (bench/floor_page.py draws its chart too)."""

import numpy as np
import streamlit as st

from app_pages.attention_sections import CAT, EXERCISES, MOUSE, MY, A
from core import attention as att
from ui import attention_charts as charts
from ui import exercise
from ui.figures import chart
from ui.frame import go_deeper, what_you_saw
from ui.i18n import current_language, t
from ui.widgets import slider

RNN_D = 8  # word-vector size for the RNN comparison


@st.cache_data(max_entries=64, show_spinner=False)
def dependence(words: tuple[str, ...], radius: float) -> tuple[np.ndarray, np.ndarray]:
    X = att.word_vectors(list(words), RNN_D)  # (T, D)
    return att.rnn_dependence(X, radius), att.attention_dependence(X)


def sentence(n: int) -> tuple[str, ...]:
    """The lesson's long sentence cut (or repeated) to n words."""
    words = t("attention.rnn_sentence").split()
    return tuple(words[i % len(words)] for i in range(n))


def dependence_chart(key: str, n: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """The RNN against attention on n words; returns the RNN's and the attention head's dependence
    on each word, (n,) each."""
    words = sentence(n)
    rnn, attn = dependence(words, radius)
    update = lambda f: charts.update_dependence_figure(f, list(words), rnn, attn)  # noqa: E731
    chart(key, (current_language(),), charts.dependence_figure, update)
    return rnn, attn


def order_section(shown: tuple[int, int], lines: tuple[int, ...]) -> None:
    """Attention ignores order: the tie of exercise 1, and positions breaking it (starting matrices);
    the encoding itself folded away (`shown`: positions × dimensions drawn)."""
    words, lang = t("attention.step_words").split(), current_language()
    names = {"cat": words[CAT], "mouse": words[MOUSE], "my": words[MY], "a": words[A]}
    st.markdown(t("attention.pe_intro", **names))
    pe = att.sinusoidal_encoding(*shown)  # (T, d)
    before, after = att.order_tie((CAT, MOUSE), (MY, A))
    numbers = {f"{who}{to}{when}": charts.num(w[i, j]) for when, w in (("", before), ("2", after))
               for i, who in enumerate("cm") for j, to in enumerate("ma")}  # fmt: skip
    left, right = st.columns(2)
    with left:
        chart("att_pe_lines", (lang,), lambda: charts.position_lines_figure(pe, lines))
    with right:
        build = lambda: charts.tie_figure([words[CAT], words[MOUSE]], [words[MY], words[A]], before, after)  # noqa: E731
        chart("att_tie", (lang,), build)
    what_you_saw(t("attention.pe_saw", **names, **numbers))
    with (aside := go_deeper(t("attention.pe_deeper_header"), key="att_pe_open")):
        st.latex(
            r"PE_{(pos,\,2i)} = \sin\!\Big(\frac{pos}{10000^{2i/d}}\Big),\qquad "
            r"PE_{(pos,\,2i+1)} = \cos\!\Big(\frac{pos}{10000^{2i/d}}\Big)"
        )
        st.markdown(t("attention.pe_explain"))
        if not aside.open:
            return
        left, right = st.columns(2)
        with left:
            chart("att_pe", (lang,), lambda: charts.encoding_figure(pe))
        with right:
            chart("att_pe_sim", (lang,), lambda: charts.position_similarity_figure(att.cosine_matrix(pe)))


@st.fragment
def rnn_section(length: tuple, strength: tuple) -> None:
    """The RNN's dependence on each word against attention's, and exercise 3 (the longest sentence).
    length, strength: the two sliders' (min, max, default, step)."""
    c1, c2 = st.columns(2)
    with c1:
        n = slider("attention.rnn_len_label", length, "att_rnn_len", help=t("attention.rnn_len_help"))
    with c2:
        radius = slider("attention.radius_label", strength, "att_rnn_radius", help=t("attention.radius_help"))
    left, right = st.columns([3, 2])
    with left:
        rnn, attn = dependence_chart("att_dep", n, radius)
        spread = attn[:-1] / attn[-1]  # every earlier word against the last one, which also asks
        lo, hi = (f"{x:.2f}" for x in (spread.min(), spread.max()))
        what_you_saw(t("attention.rnn_saw", n=n, rnn=charts.readable(rnn[-1] / rnn[0]), lo=lo, hi=hi))
    longest = length[1]
    far = dependence(sentence(longest), radius)[0]
    ratio = far[-1] / far[0]
    answer = "ten" if ratio < 100 else ("thousand" if ratio < 3e4 else "million")
    options = {key: t(f"attention.ex3_{key}") for key in ("ten", "thousand", "million")}
    explain = t("attention.ex3_explain", n=longest, radius=f"{radius:.2f}", rnn=charts.readable(ratio))
    question = t("attention.ex3_question", n=longest)
    with right:
        exercise.choice("attention", 3, EXERCISES, question, options, answer, explain, {"att_rnn_len": longest})
