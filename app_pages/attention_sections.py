"""Lesson 8's one-head part (imported by app_pages/attention.py; not a page), as one fragment: the
hero, the matrices to edit, every row with the √d and causal toggles, and several heads. Word order
and the RNN against attention are in app_pages/attention_sequence.py."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import attention as att
from ui import attention_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, try_this
from ui.i18n import current_language, t
from ui.scrub import scrub_figure

SAT_DIMS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
WEIGHT_NAMES = ("Wq", "Wk", "Wv")
DEFAULTS = (att.STEP_X, att.STEP_WQ, att.STEP_WK, att.STEP_WV)
HEAD_COUNTS = [1, 2, 4]  # ways to cut d_model = 4 into equal heads
QUERY = (1, 5, 3)  # the word looking (min, max, default): "chased", the verb, which finds its two nouns
EXERCISES = 3
CAT, MY, A, MOUSE = 1, 0, 3, 4  # exercise 1 and the order section: where the nouns look


def editor(name: str, default: np.ndarray, rows: list[str], col_labels: list[str], key: str) -> np.ndarray:
    """An editable small matrix; bad cells get a message, keep the edit, and the default is used."""
    cols = [str(j + 1) for j in range(default.shape[1])]  # language-neutral names keep edits across languages
    frame = pd.DataFrame([[f"{v:g}" for v in row] for row in default], index=rows, columns=cols)
    version = st.session_state.get("att_editor_version", 0)
    config = {c: st.column_config.TextColumn(label) for c, label in zip(cols, col_labels)}  # sized to the label
    edited = st.data_editor(frame, key=f"{key}_{version}", column_config=config)
    try:
        return att.parse_matrix(edited.itertuples(index=False, name=None), default.shape)
    except att.MatrixError as problem:
        st.error(t(f"attention.matrix_errors.{problem.code}", matrix=name, **problem.fields), icon=":material/error:")
        st.info(t("attention.using_default", matrix=name))
        return default


def _fresh_editors() -> None:
    """New editor keys: the matrices start again from their defaults (a callback runs before the rerun)."""
    st.session_state["att_editor_version"] = st.session_state.get("att_editor_version", 0) + 1


def _matrices(words: list[str]) -> tuple[np.ndarray, ...]:
    features = t("attention.features").split(",")
    left, right = st.columns([1, 1])
    with left:
        st.markdown(t("attention.x_label"))
        X = editor("X", att.STEP_X, words, features, "att_x")
        st.button(
            t("attention.reset_matrices"), icon=":material/restart_alt:", key="att_reset", on_click=_fresh_editors
        )
    with right:
        out = []
        for tab, name, default in zip(st.tabs(list(WEIGHT_NAMES)), WEIGHT_NAMES, DEFAULTS[1:]):
            with tab:
                st.caption(t(f"attention.{name.lower()}_help"))
                out.append(editor(name, default, features, charts.dims(4, name[1].lower()), f"att_{name.lower()}"))
    return (X, *out)


@st.fragment
def head_section() -> None:
    """The hero and the sections after it share the learner's matrices and toggles: one fragment."""
    words = t("attention.step_words").split()
    hero_box = st.container()  # drawn first, filled once the matrices and the toggles are known
    with st.expander(t("attention.edit_header"), icon=":material/table_edit:"):
        st.markdown(t("attention.edit_intro"))
        matrices = _matrices(words)
    st.header(t("attention.rows_header"))
    st.markdown(t("attention.rows_intro"))
    c1, c2 = st.columns(2)
    scale = c1.toggle(t("attention.scale_toggle"), True, key="att_scale", help=t("attention.scale_help"))
    causal = c2.toggle(t("attention.causal_toggle"), False, key="att_causal", help=t("attention.causal_help"))
    X, Wq, Wk, Wv = (torch.tensor(M) for M in matrices)
    head = att.one_head(X, Wq, Wk, Wv, scale=scale, causal=causal)
    public = all(np.array_equal(M, D) for M, D in zip(matrices, DEFAULTS))  # learner's numbers stay private
    with hero_box:
        hero(words, matrices, head, scale, causal, public)
    rows(words, head, scale, att.one_head(X, Wq, Wk, Wv, scale=scale, causal=True))
    with (aside := go_deeper(t("attention.multi_header"), key="att_multi_open")):
        if aside.open:  # two more figures, sent only to who opens them: every query move reruns this fragment
            st.markdown(t("attention.multi_intro"))
            multi_head(words, X, Wq, Wk, Wv, causal)


def hero(words: list[str], matrices, head: att.Head, scale: bool, causal: bool, public: bool) -> None:
    """One word's row, scrubbed over the sentence; exercise 1; its arithmetic folded away."""
    st.header(t("attention.hero_header"))
    text, card = st.columns([3, 2])  # the question beside the explanation, before the chart answers it
    with text:
        st.markdown(t("attention.hero_intro"))
        try_this(t("attention.hero_try"))
    w = head.weights[CAT].numpy()
    top = int(np.argmax(w))
    tie = abs(w[MY] - w[A]) <= charts.TIE and top in (MY, A)
    answer = "tie" if tie else {MY: "my", A: "a"}.get(top, "other")
    options = {key: t(f"attention.ex1_{key}", my=words[MY], a=words[A]) for key in ("my", "a", "tie", "other")}
    fields = {"cat": words[CAT], "my": words[MY], "a": words[A], "w_my": charts.num(w[MY]), "w_a": charts.num(w[A])}
    explain = t("attention.ex1_explain_tie" if tie else "attention.ex1_explain", **fields)
    preset = {"att_query": CAT + 1, "att_scale": True, "att_causal": False}
    with card:  # outside the query's fragment: its preset sets the toggles of this whole section
        exercise.choice(
            "attention", 1, EXERCISES, t("attention.ex1_question", **fields), options, answer, explain, preset
        )
    query_view(words, matrices, head, scale, causal, public)


@st.fragment  # the query's slider reruns its chart and aside alone, not the editors and maps around them
def query_view(words: list[str], matrices, head: att.Head, scale: bool, causal: bool, public: bool) -> None:
    n = st.slider(t("attention.query_label"), *QUERY, key="att_query", bind="query-params")
    signature = (current_language(), tuple(words), tuple(M.tobytes() for M in matrices), scale, causal)
    build = lambda: charts.query_template(words, t("attention.features").split(","), head, scale)  # noqa: E731
    show(scrub_figure("att_query", signature, build, n - 1, public), "att_query_chart")
    with (aside := go_deeper(t("attention.spell_header", n=n, word=words[n - 1]), key="att_spell_open")):
        if not aside.open:  # a table and its formulas, re-sent on every query move: only once opened
            return
        st.markdown(t("attention.spell_intro", word=words[n - 1], n=n))
        columns = [t("attention.col_word"), t("attention.col_score"), t("attention.col_weight")]
        st.dataframe(charts.spell_table(words, head, n - 1, columns), hide_index=True)
        for formula in charts.spell_latex(head, n - 1, scale):
            st.latex(formula)
        st.caption(t("attention.softmax_minus_max"))


def rows(words: list[str], head: att.Head, scale: bool, masked: att.Head) -> None:
    """Every row at once: scores and weights; exercise 2 on the causal mask (`masked`: this head
    with the mask on, whatever the toggle says); Q, K, V and √d folded away."""
    T, signature = len(words), (current_language(), tuple(words))
    scores = head.scores.numpy().copy()
    scores[np.isneginf(scores)] = np.nan  # masked: drawn blank
    title = t("attention.chart.scores_scaled_title" if scale else "attention.chart.scores_raw_title")
    left, middle, right = st.columns([1.2, 1.2, 1])
    with left:
        update = lambda f: charts.update_heatmaps(f, [scores], symmetric=True, title=title)  # noqa: E731
        chart("att_scores", signature, lambda: charts.square_figure(words, title, False), update)
    with middle:
        build = lambda: charts.square_figure(words, t("attention.chart.weights_title"), True)  # noqa: E731
        chart("att_weights", signature, build, lambda f: charts.update_heatmaps(f, [head.weights.numpy()]))
    if np.isnan(scores).any():
        left.caption(t("attention.masked_note"))
    first = float(masked.weights[0, 0])
    answer = "all" if first > 0.995 else ("none" if first < 0.005 else "some")
    options = {key: t(f"attention.ex2_{key}") for key in ("all", "some", "none")}
    explain = t("attention.ex2_explain", word=words[0], w=charts.num(first), second=words[1], T=T)
    with right:  # the card beside the maps it is about
        question, preset = t("attention.ex2_question", word=words[0]), {"att_causal": True, "att_query": 1}
        exercise.choice("attention", 2, EXERCISES, question, options, answer, explain, preset)
    with (aside := go_deeper(t("attention.sat_header"), key="att_sat_open")):
        st.markdown(t("attention.sat_intro"))
        if not aside.open:
            return
        saturation()
        st.markdown(t("attention.qkv_header"))
        qkv = [head.Q.numpy(), head.K.numpy(), head.V.numpy(), head.output.numpy()]
        titles = ["Q = X Wq", "K = X Wk", "V = X Wv", t("attention.chart.output_short")]
        cols = [charts.dims(4, p) for p in "qkva"]
        build = lambda: charts.row_maps_figure(words, titles, cols, t("attention.chart.qkv_title"))  # noqa: E731
        chart("att_qkv", signature, build, lambda f: charts.update_heatmaps(f, qkv, symmetric=True))


@st.fragment  # its slider reruns only this part, not the matrices and the head above it
def saturation() -> None:
    d = int(st.select_slider(t("attention.sat_label"), SAT_DIMS, 64, key="att_sat_d", bind="query-params"))
    raw, scaled = att.softmax_saturation(d)
    update = lambda f: charts.update_saturation(raw, scaled, d, f)  # noqa: E731
    chart("att_sat", (current_language(),), lambda: charts.saturation_figure(raw, scaled, d), update)
    st.caption(t("attention.sat_largest", raw=charts.num(raw.max()), scaled=charts.num(scaled.max()), d=d))


@st.fragment  # the number of heads reruns only this part; the learner's matrices come in as arguments
def multi_head(words: list[str], X, Wq, Wk, Wv, causal: bool) -> None:
    n = int(st.select_slider(t("attention.heads_label"), HEAD_COUNTS, 2, key="att_heads", bind="query-params"))
    result = att.multi_head(X, Wq, Wk, Wv, torch.tensor(att.STEP_WO), n, causal=causal)
    signature, hs = (current_language(), tuple(words), n), 4 // n
    titles = [t("attention.chart.head_n", n=k + 1) for k in range(n)]
    build = lambda: charts.row_maps_figure(  # noqa: E731
        words, titles, [words] * n, t("attention.chart.heads_title"), zmin=0, zmax=1, colorscale="Blues"
    )
    chart("att_heads_maps", signature, build, lambda f: charts.update_heatmaps(f, [h.weights for h in result.heads]))
    st.markdown(t("attention.multi_explain_one" if n == 1 else "attention.multi_explain", n=n, hs=hs))
    st.markdown(t("attention.concat_intro"))
    cols = [[f"h{k // hs + 1}·{k % hs + 1}" for k in range(4)], charts.dims(4, "o")]
    titles = [t("attention.chart.concat"), t("attention.chart.projected")]
    build = lambda: charts.row_maps_figure(words, titles, cols, t("attention.chart.concat_title"))  # noqa: E731
    mixed = [result.concat.numpy(), result.output.numpy()]
    chart("att_concat", signature, build, lambda f: charts.update_heatmaps(f, mixed, symmetric=True))
