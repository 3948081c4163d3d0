"""Lesson 7's hands-on sections: one head step by step with editable matrices, multi-head
attention on the same words, why scores are divided by √d, and how big the matrices get.

Imported by app_pages/attention.py; not a page itself (ui/lessons.py names the pages).
"""

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st
import torch

from core import attention as att
from ui import attention_charts as charts
from ui.figures import chart
from ui.i18n import current_language, t

SAT_DIMS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
WEIGHT_NAMES = ("Wq", "Wk", "Wv")
QKV_TITLES = ["Q = X Wq", "K = X Wk", "V = X Wv"]
HEAD_COUNTS = [1, 2, 4]  # ways to cut d_model = 4 into equal heads
RNN_D = 8  # word-vector size for the RNN comparison


@st.cache_data(max_entries=64, show_spinner=False)
def _dependence(words: tuple[str, ...], radius: float):
    X = att.word_vectors(list(words), RNN_D)  # (T, D)
    return att.rnn_dependence(X, radius), att.attention_dependence(X)


def dependence_chart(key: str, n: int, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Section 1's chart for the lesson's sentence cut or repeated to n words; returns the RNN's and
    the attention head's dependence on each word, (n,) each."""
    sentence = t("attention.rnn_sentence").split()
    words = tuple(sentence[i % len(sentence)] for i in range(n))
    rnn, attn = _dependence(words, radius)
    update = lambda f: charts.update_dependence_figure(f, list(words), rnn, attn)  # noqa: E731
    chart(key, (current_language(),), charts.dependence_figure, update)
    return rnn, attn


def _num(x: float) -> str:
    """A number for the formulas: 2 decimals, no '-0.00'."""
    return f"{x + 0.0:.2f}"


def _vec(v) -> str:
    return "(" + ",\\ ".join(_num(float(x)) for x in v) + ")"


def editor(name: str, default: np.ndarray, rows: list[str], col_labels: list[str], key: str) -> np.ndarray:
    """An editable small matrix; bad cells get a message, keep the edit, and the default is used."""
    cols = [str(j + 1) for j in range(default.shape[1])]  # language-neutral names keep edits across languages
    frame = pd.DataFrame([[f"{v:g}" for v in row] for row in default], index=rows, columns=cols)
    version = st.session_state.get("att_editor_version", 0)
    config = {c: st.column_config.TextColumn(label, width="small") for c, label in zip(cols, col_labels)}
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
        tabs = st.tabs(list(WEIGHT_NAMES))
        out = []
        for tab, name, default, prefix in zip(tabs, WEIGHT_NAMES, (att.STEP_WQ, att.STEP_WK, att.STEP_WV), "qkv"):
            with tab:
                st.caption(t(f"attention.{name.lower()}_help"))
                out.append(editor(name, default, features, charts.dims(4, prefix), f"att_{name.lower()}"))
    return (X, *out)


def spell_out(words: list[str], head: att.Head, i: int, scale: bool) -> None:
    """Word i's row: scores, softmax, and A_i = Σ_j w_ij v_j written with the actual numbers."""
    s, w, V = head.scores[i].numpy(), head.weights[i].numpy(), head.V.numpy()
    m, e = att.softmax_terms(s)  # e^(s - m): a masked score (-inf) gives 0
    table = pd.DataFrame(
        {
            t("attention.col_word"): words,
            t("attention.col_score"): ["−∞" if np.isneginf(x) else _num(x) for x in s],
            "e^(s − max)": [f"{x:.3g}" for x in e],
            t("attention.col_weight"): [_num(x) for x in w],
            "v_j": [_vec(v).replace("\\ ", " ") for v in V],
            "w_ij · v_j": [_vec(x * v).replace("\\ ", " ") for x, v in zip(w, V)],
        }
    )
    st.dataframe(table, hide_index=True)
    d = head.K.shape[1]
    scaled = rf"\frac{{q_{{{i + 1}}}\cdot k_j}}{{\sqrt{{{d}}}}}" if scale else rf"q_{{{i + 1}}}\cdot k_j"
    row, col = f"{i + 1}j", f"{i + 1}k"
    st.latex(rf"s_{{{row}}} = {scaled},\qquad m = \max_k s_{{{col}}} = {_num(m)}")
    st.latex(
        rf"w_{{{row}}} = \frac{{e^{{s_{{{row}}}}}}}{{\sum_k e^{{s_{{{col}}}}}}}"
        rf" = \frac{{e^{{s_{{{row}}} - m}}}}{{\sum_k e^{{s_{{{col}}} - m}}}}"
        rf" = \frac{{e^{{s_{{{row}}} - m}}}}{{{e.sum():.3g}}}"
    )
    st.caption(t("attention.softmax_minus_max"))
    terms = [rf"{_num(w[j])}\,{_vec(V[j])}" for j in range(len(words)) if w[j] > 0]
    lines = [" + ".join(terms[k : k + 2]) for k in range(0, len(terms), 2)]  # two terms a line: fits the page
    body = r" \\ &\quad + ".join(lines)
    st.latex(
        rf"\begin{{aligned}}A_{{{i + 1}}} &= \sum_j w_{{{i + 1}j}}\, v_j \\ &= {body} \\ "
        rf"&= {_vec(head.output[i].numpy())}\end{{aligned}}"
    )


@st.fragment
def step_section() -> None:
    """Section 3 (one head) and section 4 (several heads) share the learner's matrices."""
    words = t("attention.step_words").split()
    X, Wq, Wk, Wv = (torch.tensor(M) for M in _matrices(words))
    c1, c2, c3 = st.columns(3)
    scale = c1.toggle(t("attention.scale_toggle"), True, key="att_scale", help=t("attention.scale_help"))
    causal = c2.toggle(t("attention.causal_toggle"), False, key="att_causal", help=t("attention.causal_help"))
    i = c3.selectbox(t("attention.word_label"), range(len(words)), 0, format_func=words.__getitem__, key="att_word")
    head = att.one_head(X, Wq, Wk, Wv, scale=scale, causal=causal)
    # The figures are built from zeros of the right shape (shared by every learner: the learner's
    # matrices never reach a shared build) and the update writes this run's numbers in.
    T = len(words)
    signature = (current_language(), tuple(words))
    qkv = [head.Q.numpy(), head.K.numpy(), head.V.numpy()]
    chart(
        "att_qkv",
        signature,
        lambda: charts.side_by_side(
            [np.zeros((T, 4))] * 3,
            QKV_TITLES,
            words,
            [charts.dims(4, p) for p in "qkv"],
            t("attention.chart.qkv_title"),
        ),
        lambda f: charts.update_heatmaps(f, qkv, symmetric=True),
    )
    left, right = st.columns(2)
    scores = head.scores.numpy().copy()
    scores[np.isneginf(scores)] = np.nan  # masked: drawn blank
    title = t("attention.chart.scores_scaled_title" if scale else "attention.chart.scores_raw_title")
    weights = head.weights.numpy()
    with left:
        chart(
            "att_scores",
            signature,
            lambda: charts.matrix_figure(np.zeros((T, T)), words, words, title),
            lambda f: charts.update_heatmaps(f, [scores], symmetric=True, title=title),
        )
    with right:
        build = lambda: charts.matrix_figure(  # noqa: E731
            np.zeros((T, T)), words, words, t("attention.chart.weights_title"), zmin=0, zmax=1, colorscale="Blues"
        )
        chart("att_weights", signature, build, lambda f: charts.update_heatmaps(f, [weights]))
    if causal:
        st.caption(t("attention.masked_note"))
    st.markdown(t("attention.spell_intro", word=words[i], n=i + 1))
    spell_out(words, head, i, scale)
    output = head.output.numpy()
    chart(
        "att_output",
        signature,
        lambda: charts.matrix_figure(np.zeros((T, 4)), words, charts.dims(4, "a"), t("attention.chart.output_title")),
        lambda f: charts.update_heatmaps(f, [output], symmetric=True),
    )
    st.markdown(t("attention.step_explain"))
    saturation()
    st.header(t("attention.multi_header"))
    st.markdown(t("attention.multi_intro"))
    multi_head(words, X, Wq, Wk, Wv, causal)


@st.fragment  # its slider reruns only this part, not the matrices and the head above it
def saturation() -> None:
    st.subheader(t("attention.sat_header"))
    st.markdown(t("attention.sat_intro"))
    d = int(st.select_slider(t("attention.sat_label"), SAT_DIMS, 64, key="att_sat_d", bind="query-params"))
    raw, scaled = att.softmax_saturation(d)
    chart(
        "att_sat",
        (current_language(),),
        lambda: charts.saturation_figure(raw, scaled, d),
        partial(charts.update_saturation, raw, scaled, d),
    )
    m1, m2 = st.columns(2)
    m1.metric(t("attention.sat_entropy_raw"), f"{att.entropy_bits(raw):.2f}")
    m2.metric(t("attention.sat_entropy_scaled"), f"{att.entropy_bits(scaled):.2f}")


@st.fragment  # the number of heads reruns only this part; the learner's matrices come in as arguments
def multi_head(words: list[str], X, Wq, Wk, Wv, causal: bool) -> None:
    n = int(st.select_slider(t("attention.heads_label"), HEAD_COUNTS, 2, key="att_heads", bind="query-params"))
    result = att.multi_head(X, Wq, Wk, Wv, torch.tensor(att.STEP_WO), n, causal=causal)
    maps = [h.weights.numpy() for h in result.heads]
    titles = [t("attention.chart.head_n", n=k + 1) for k in range(n)]
    T = len(words)
    signature = (current_language(), tuple(words), n)
    chart(
        "att_heads_maps",
        signature,
        lambda: charts.side_by_side(
            [np.zeros((T, T))] * n, titles, words, [words] * n, t("attention.chart.heads_title"), 0, 1, "Blues"
        ),
        lambda f: charts.update_heatmaps(f, maps),
    )
    hs = 4 // n
    concat_cols = [f"h{k // hs + 1}·{k % hs + 1}" for k in range(4)]
    mixed = [result.concat.numpy(), result.output.numpy()]
    left, right = st.columns([2, 1])
    with left:
        chart(
            "att_concat",
            signature,
            lambda: charts.side_by_side(
                [np.zeros((T, 4))] * 2,
                [t("attention.chart.concat"), t("attention.chart.projected")],
                words,
                [concat_cols, charts.dims(4, "o")],
                t("attention.chart.concat_title"),
            ),
            lambda f: charts.update_heatmaps(f, mixed, symmetric=True),
        )
    with right:
        chart("att_wo", (n,), lambda: charts.matrix_figure(att.STEP_WO, concat_cols, charts.dims(4, "o"), "Wo"))
    st.markdown(t("attention.multi_explain", n=n, hs=hs))


@st.cache_resource(show_spinner=False)
def cpu_macs_per_second() -> float:
    """This server's speed, measured once."""
    return att.macs_per_second()


def scale_section(gpt_config=None, minilm_config=None) -> None:
    """Multiply-adds of attention, for the lesson's models and for GPT-3, and the time on this CPU."""
    st.markdown(t("attention.scale_intro"))
    models = [(t("attention.scale_rows.step"), 5, 4, 1)]
    if gpt_config is not None:
        models.append((t("attention.scale_rows.gpt"), gpt_config.block_size, gpt_config.n_embd, gpt_config.n_layer))
    if minilm_config is not None:
        models.append(
            (t("attention.scale_rows.minilm"), 256, minilm_config.hidden_size, minilm_config.num_hidden_layers)
        )
    g = att.GPT3
    models.append((t("attention.scale_rows.gpt3"), g["T"], g["d_model"], g["n_layer"]))
    speed = cpu_macs_per_second()
    rows = []
    for name, T, d, layers in models:
        per_layer = sum(att.attention_macs(T, d).values())
        rows.append(
            {
                t("attention.col_model"): name,
                t("attention.col_tokens"): f"{T:,}",
                t("attention.col_width"): f"{d:,}",
                t("attention.col_layer_macs"): f"{per_layer:,}",
                t("attention.col_all_macs"): f"{per_layer * layers:.3g}",
                t("attention.col_cpu_time"): f"{per_layer * layers / speed:.3g}",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    gpt3_all = sum(att.attention_macs(g["T"], g["d_model"]).values()) * g["n_layer"]
    st.markdown(t("attention.scale_explain", speed=f"{speed / 1e9:.1f}", gpt3=f"{gpt3_all / 1e12:.0f}"))
