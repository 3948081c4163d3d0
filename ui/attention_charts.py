"""Figures for lesson 7, built from core.attention's results (NumPy arrays and Heads)."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import attention as att
from ui.figures import COLORS, rounded, style
from ui.i18n import t
from ui.literal import for_plotly
from ui.scrub import Frame, build_template

VISIBLE = {"\n": "↵", " ": "␣", "\t": "⇥"}
TIE = 0.005  # two weights closer than this are called a tie in a title (they print the same)
PART = {"color": COLORS["data"], "line": {"color": "white", "width": 1}}  # one word's share of an output


def show_char(c: str) -> str:
    return VISIBLE.get(c, c)


def _ticks(labels: list[str], size: int = 11) -> dict:
    """Numeric axis positions with text labels: repeated labels (two 'the', two 'e') stay apart."""
    return {"tickvals": list(range(len(labels))), "ticktext": list(labels), "tickfont": {"size": size}}


def vector(v) -> str:
    """(0.15, 0.20, …): a vector for a title, two decimals, never '-0.00'."""
    return "(" + ", ".join(f"{float(x) + 0.0:.2f}" for x in v) + ")"


# --- The hero: one word's row, from scores to its output ---------------------------------------------


def _query_title(words: list[str], head: att.Head, i: int) -> str:
    """The frame's title: the word looking, where its weight goes (or the tie), and its output."""
    w = head.weights[i].numpy()
    first, second = np.argsort(-w, kind="stable")[:2]
    fields = {"n": i + 1, "word": words[i], "w": f"{w[first]:.2f}", "A": vector(head.output[i].numpy())}
    if w[second] >= w[first] - TIE:
        return t("attention.chart.query_tie", a=words[first], b=words[second], **fields)
    return t("attention.chart.query_frame", top=words[first], **fields)


def _query_frame(words: list[str], head: att.Head, i: int) -> Frame:
    T = len(words)
    scores = [None if np.isneginf(s) else float(s) for s in head.scores[i].numpy()]
    weights = head.weights[i].numpy()
    own = [COLORS["accent"] if j == i else COLORS["data"] for j in range(T)]  # the word looking
    parts = att.contributions(head, i)  # (T, d_v): row j is w_ij v_j
    data = [{"y": scores, "marker": {"color": own}}, {"y": weights.tolist(), "marker": {"color": own}}]
    shade = [{**PART, "opacity": 0.25 + 0.75 * float(w)} for w in weights]  # a frame replaces the whole marker
    data += [{"y": parts[j].tolist(), "marker": shade[j]} for j in range(T)]
    data.append({"y": head.output[i].numpy().tolist()})
    return Frame(data, _query_title(words, head, i))


def _padded(lo: float, hi: float) -> list[float]:
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    pad = 0.08 * (hi - lo or 1.0)
    return [lo - pad if lo < 0 else 0.0, hi + pad]


def query_template(words: list[str], features: list[str], head: att.Head, scale: bool) -> dict:
    """Every word's row of one head, one frame per word: its scores, its weights (softmax of the
    scores) and its output A_i stacked from what each word adds (w_ij v_j, darker for more weight)."""
    T, d_v = len(words), head.V.shape[1]
    titles = [t("attention.chart.panel_scores" if scale else "attention.chart.panel_scores_raw")]
    titles += [t("attention.chart.panel_weights"), t("attention.chart.panel_output")]
    fig = make_subplots(1, 3, column_widths=[0.28, 0.28, 0.44], subplot_titles=titles, horizontal_spacing=0.07)
    hover = "%{customdata}: %{y:.2f}<extra></extra>"
    for col in (1, 2):
        fig.add_trace(go.Bar(x=list(range(T)), customdata=words, hovertemplate=hover, showlegend=False), 1, col)
        fig.update_xaxes(**_ticks(words), row=1, col=col)
    for word in words:
        part = go.Bar(
            x=list(range(d_v)),
            name=word,
            text=[word] * d_v,
            textposition="inside",
            insidetextanchor="middle",
            marker=PART,
            hovertemplate=f"{word}: %{{y:.2f}}<extra></extra>",
            showlegend=False,
        )
        fig.add_trace(part, 1, 3)
    total = {"symbol": "diamond", "size": 12, "color": COLORS["model"], "line": {"color": "white", "width": 1}}
    fig.add_trace(go.Scatter(x=list(range(d_v)), mode="markers", marker=total, showlegend=False), 1, 3)
    fig.update_xaxes(**_ticks(features), row=1, col=3)
    frames = [_query_frame(words, head, i) for i in range(T)]
    finite = head.scores.numpy()[np.isfinite(head.scores.numpy())]
    fig.update_yaxes(range=_padded(float(finite.min()), float(finite.max())), row=1, col=1)
    fig.update_yaxes(range=[0, 1.05], row=1, col=2)
    parts = np.stack([att.contributions(head, i) for i in range(T)])  # (T, T, d_v)
    fig.update_yaxes(range=_padded(np.minimum(parts, 0).sum(1).min(), np.maximum(parts, 0).sum(1).max()), row=1, col=3)
    fig.update_layout(barmode="relative", uniformtext={"mode": "hide", "minsize": 10})
    style(fig, "", "", "", height=400)
    return build_template(fig, list(range(T + 3)), frames, words, t("attention.chart.query_prefix"))


def num(x: float) -> str:
    """A number for the formulas: 2 decimals, no '-0.00'."""
    return f"{x + 0.0:.2f}"


def spell_table(words: list[str], head: att.Head, i: int, columns: list[str]) -> pd.DataFrame:
    """Word i's row step by step: score, e^(score − max), weight, and what each word adds to A_i.
    columns: the translated names of the word, score and weight columns."""
    s, w = head.scores[i].numpy(), head.weights[i].numpy()
    _, e = att.softmax_terms(s)  # e^(s - m): a masked score (-inf) gives 0
    return pd.DataFrame(
        {
            columns[0]: words,
            columns[1]: ["−∞" if np.isneginf(x) else num(x) for x in s],
            "e^(s − max)": [f"{x:.3g}" for x in e],
            columns[2]: [num(x) for x in w],
            "w_ij · v_j": [vector(p) for p in att.contributions(head, i)],
        }
    )


def spell_latex(head: att.Head, i: int, scale: bool) -> list[str]:
    """The formulas of word i's row with its numbers: the scores, the softmax, and A_i = Σ_j w_ij v_j."""
    s, w, V = head.scores[i].numpy(), head.weights[i].numpy(), head.V.numpy()
    m, e = att.softmax_terms(s)
    n, row, col = i + 1, f"{i + 1}j", f"{i + 1}k"
    scaled = rf"\frac{{q_{{{n}}}\cdot k_j}}{{\sqrt{{{head.K.shape[1]}}}}}" if scale else rf"q_{{{n}}}\cdot k_j"
    vec = lambda v: "(" + ",\\ ".join(num(float(x)) for x in v) + ")"  # noqa: E731
    terms = [rf"{num(w[j])}\,{vec(V[j])}" for j in range(len(w)) if w[j] > 0]
    body = r" \\ &\quad + ".join(" + ".join(terms[k : k + 2]) for k in range(0, len(terms), 2))  # two a line
    return [
        rf"s_{{{row}}} = {scaled},\qquad m = \max_k s_{{{col}}} = {num(m)}",
        rf"w_{{{row}}} = \frac{{e^{{s_{{{row}}}}}}}{{\sum_k e^{{s_{{{col}}}}}}}"
        rf" = \frac{{e^{{s_{{{row}}} - m}}}}{{\sum_k e^{{s_{{{col}}} - m}}}}"
        rf" = \frac{{e^{{s_{{{row}}} - m}}}}{{{e.sum():.3g}}}",
        rf"\begin{{aligned}}A_{{{n}}} &= \sum_j w_{{{n}j}}\, v_j \\ &= {body} \\ "
        rf"&= {vec(head.output[i].numpy())}\end{{aligned}}",
    ]


# --- Whole matrices -------------------------------------------------------------------------------


def square_figure(words: list[str], title: str, weights: bool) -> go.Figure:
    """A (T, T) map over the words, zeros until update_heatmaps writes the values: scores (signed,
    red-blue) or weights (0 to 1, blues)."""
    T, axes = len(words), (t("attention.chart.looked_at_axis"), t("attention.chart.looking_axis"))
    scale = {"zmin": 0, "zmax": 1, "colorscale": "Blues"} if weights else {}
    fig = matrix_figure(np.zeros((T, T)), words, words, title, *axes, **scale)
    fig.update_traces(showscale=False, textfont={"size": 11})  # a narrow column: the numbers are in the cells
    return fig


def row_maps_figure(words: list[str], titles: list[str], cols_list: list[list[str]], title: str, **scale) -> go.Figure:
    """Several (T, ·) maps over the words side by side, zeros until update_heatmaps writes them."""
    blanks = [np.zeros((len(words), len(cols))) for cols in cols_list]
    return side_by_side(blanks, titles, words, cols_list, title, **scale)


def heatmap(M, rows, cols, zmin=None, zmax=None, colorscale="RdBu_r", numbers=False, **kwargs) -> go.Heatmap:
    """A heatmap on numeric axes (labels go on the ticks); hovering names the row and the column."""
    return go.Heatmap(
        z=M,
        x=list(range(len(cols))),
        y=list(range(len(rows))),
        hovertext=[[f"{r} → {c}" for c in cols] for r in rows],
        hovertemplate="%{hovertext}: %{z:.3f}<extra></extra>",
        zmin=zmin,
        zmax=zmax,
        colorscale=colorscale,
        texttemplate="%{z:.2f}" if numbers else None,
        textfont={"size": 13},
        **kwargs,
    )


def matrix_figure(M, rows, cols, title, x_title="", y_title="", zmin=None, zmax=None, colorscale="RdBu_r", height=None):
    """One labelled heatmap, rows top to bottom; numbers written in when the matrix is small."""
    M = np.asarray(M, dtype=float)
    if zmin is None and colorscale == "RdBu_r":
        zmin, zmax = symmetric_range([M])
    fig = go.Figure(heatmap(M, rows, cols, zmin, zmax, colorscale, M.size <= 64))
    fig.update_xaxes(**_ticks(cols))
    fig.update_yaxes(**_ticks(rows), autorange="reversed")
    height = height or max(260, 120 + 24 * len(rows))
    return style(fig, title, x_title, y_title, height=min(height, 900))


def side_by_side(matrices: list, titles: list[str], rows, cols_list, title, zmin=None, zmax=None, colorscale="RdBu_r"):
    """Several small heatmaps in one row, sharing the row labels (the words)."""
    n = len(matrices)
    matrices = [np.asarray(M, dtype=float) for M in matrices]
    if zmin is None:  # one colour scale for all, centred on 0, so the single colour bar is true for each
        zmin, zmax = symmetric_range(matrices)
    fig = make_subplots(1, n, subplot_titles=titles, horizontal_spacing=0.06)
    for i, (M, cols) in enumerate(zip(matrices, cols_list)):
        trace = heatmap(M, rows, cols, zmin, zmax, colorscale, M.size <= 64, showscale=i == n - 1)
        fig.add_trace(trace, 1, i + 1)
        if len(cols) <= 16:
            fig.update_xaxes(**_ticks(cols), row=1, col=i + 1)
        fig.update_yaxes(**_ticks(rows), autorange="reversed", row=1, col=i + 1, showticklabels=i == 0)
    return style(fig, title, "", "", height=max(280, 150 + 26 * len(rows)))


def symmetric_range(matrices) -> tuple[float, float]:
    """One colour range centred on 0 that covers every matrix (NaN, the masked cells, ignored)."""
    top = max((float(np.nanmax(np.abs(M))) if np.isfinite(M).any() else 0.0) for M in matrices) or 1.0
    return -top, top


def update_heatmaps(fig: go.Figure, matrices, symmetric: bool = False, title: str | None = None) -> None:
    """New values for a figure's heatmaps, in trace order: far cheaper than building it again."""
    matrices = [np.asarray(M, dtype=float) for M in matrices]
    lo, hi = symmetric_range(matrices) if symmetric else (None, None)
    with fig.batch_update():
        for trace, M in zip(fig.data, matrices):
            trace.z = M
            if symmetric:
                trace.zmin, trace.zmax = lo, hi
        if title is not None:
            fig.layout.title.text = title


def dims(n: int, prefix: str = "") -> list[str]:
    return [f"{prefix}{i + 1}" for i in range(n)]


def saturation_figure(raw: np.ndarray, scaled: np.ndarray, d: int) -> go.Figure:
    keys = dims(len(raw), "k")
    fig = go.Figure(
        [
            go.Bar(x=keys, y=raw, name=t("attention.chart.unscaled"), marker_color=COLORS["model"]),
            go.Bar(x=keys, y=scaled, name=t("attention.chart.scaled"), marker_color=COLORS["data"]),
        ]
    )
    fig.update_yaxes(range=[0, 1.02])
    title = t("attention.chart.saturation_title", d=d)
    return style(fig, title, t("attention.chart.key_axis"), t("attention.chart.weight_axis"), height=320)


def update_saturation(raw: np.ndarray, scaled: np.ndarray, d: int, fig: go.Figure) -> None:
    with fig.batch_update():
        fig.data[0].y, fig.data[1].y = raw, scaled
        fig.layout.title.text = t("attention.chart.saturation_title", d=d)


# --- Positions -------------------------------------------------------------------------------------


def position_lines_figure(pe: np.ndarray, columns: list[int]) -> go.Figure:
    """A few dimensions of the encoding along the positions: clock hands turning at their own speeds."""
    colors = [COLORS["data"], COLORS["model"], COLORS["reference"]]
    fig = go.Figure(
        [
            go.Scatter(
                y=pe[:, j],
                mode="lines+markers",
                marker={"size": 4},
                line={"color": colors[k % 3]},
                name=t("attention.chart.pe_dim", j=j),
                hovertemplate=t("attention.chart.hover_pe_line"),
            )
            for k, j in enumerate(columns)
        ]
    )
    fig.update_yaxes(range=[-1.1, 1.1])
    title = t("attention.chart.pe_lines_title", d=pe.shape[1])
    return style(fig, title, t("attention.chart.pos_axis"), t("attention.chart.pe_value_axis"), height=330)


def tie_figure(groups: list[str], names: list[str], before: np.ndarray, after: np.ndarray) -> go.Figure:
    """Weights two words give two others, without and with positions: (groups, names) each."""
    x = [[g for g in groups for _ in names], [n for _ in groups for n in names]]
    fig = go.Figure(
        [
            go.Bar(x=x, y=before.ravel(), name=t("attention.chart.without_positions"), marker_color=COLORS["muted"]),
            go.Bar(x=x, y=after.ravel(), name=t("attention.chart.with_positions"), marker_color=COLORS["data"]),
        ]
    )
    fig.update_traces(texttemplate="%{y:.2f}", textposition="outside")
    fig.update_yaxes(range=[0, 1])
    return style(fig, t("attention.chart.tie_title"), "", t("attention.chart.weight_axis"), height=330)


def encoding_figure(pe: np.ndarray) -> go.Figure:
    T, d = pe.shape
    fig = go.Figure(go.Heatmap(z=pe, zmin=-1, zmax=1, colorscale="RdBu_r", hovertemplate=t("attention.chart.hover_pe")))
    fig.update_yaxes(autorange="reversed")
    title = t("attention.chart.pe_title", T=T, d=d)
    return style(fig, title, t("attention.chart.dim_axis"), t("attention.chart.pos_axis"), height=380)


def position_similarity_figure(cos: np.ndarray) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(z=cos, zmin=-1, zmax=1, colorscale="RdBu_r", hovertemplate=t("attention.chart.hover_pos_sim"))
    )
    fig.update_yaxes(autorange="reversed")
    title = t("attention.chart.pos_sim_title")
    return style(fig, title, t("attention.chart.pos_axis"), t("attention.chart.pos_axis"), height=380)


# --- Real models ---------------------------------------------------------------------------------------


def attention_map(weights: np.ndarray, labels: list[str], title: str, generated_from: int | None = None) -> go.Figure:
    """One head's (T, T) weights: row = the token looking, column = the token looked at."""
    characters = all(len(label) == 1 for label in labels)  # a tiny GPT's: drawn upright (Chinese ones too)
    labels = [for_plotly(label) for label in labels]  # a learner's words or characters
    # No title under the x axis: the scrub slider sits there. The y axis title says how to read it.
    fig = matrix_figure(weights, labels, labels, title, "", t("attention.chart.map_axis"), 0, 1, "Blues")
    fig.data[0].texttemplate = None
    fig.data[0].colorbar = {"thickness": 12}
    fig.update_layout(height=min(900, max(600, 320 + 18 * len(labels))))
    if characters:  # up to 64 (a block) side by side: one character per column, smaller past 48
        size = 11 if len(labels) <= 48 else 9
        fig.update_xaxes(tickangle=0, tickfont={"size": size})
        fig.update_yaxes(tickfont={"size": size})
    if generated_from is not None and generated_from < len(labels):
        T = len(labels)
        box = {"type": "rect", "line": {"color": COLORS["model"], "width": 2}, "fillcolor": "rgba(0,0,0,0)"}
        fig.add_shape(**box, x0=-0.5, x1=T - 0.5, y0=generated_from - 0.5, y1=T - 0.5)
        fig.add_annotation(
            x=T - 0.5,
            y=generated_from - 0.5,
            text=t("attention.chart.generated_label"),
            showarrow=False,
            xanchor="right",
            yanchor="bottom",
            font={"color": COLORS["model"]},
        )
    return fig


def link_title(tokens: list[str], layer: int, head: int, link) -> str:
    """MiniLM's frame title: the head, and its strongest link between two words (from core)."""
    i, j, w = int(link[0]), int(link[1]), float(link[2])
    if w <= 0:
        return t("attention.chart.minilm_frame_plain", layer=layer, head=head)
    src, dst = for_plotly(tokens[i]), for_plotly(tokens[j])
    return t("attention.chart.minilm_frame", layer=layer, head=head, src=src, dst=dst, w=f"{w:.2f}")


def heads_template(labels: list[str], maps: np.ndarray, title, generated_from: int | None = None) -> dict:
    """Every layer and head of a model as one frame each: maps (n_layer, n_head, T, T); title(layer,
    head), counted from 1, gives each frame's title."""
    n_layer, n_head = maps.shape[:2]
    base = attention_map(maps[0, 0], labels, "", generated_from)
    frames = [
        Frame([{"z": rounded(maps[layer, head], 4)}], title(layer + 1, head + 1))
        for layer in range(n_layer)
        for head in range(n_head)
    ]
    steps = [f"{layer + 1}·{head + 1}" for layer in range(n_layer) for head in range(n_head)]
    spec = build_template(base, [0], frames, steps, t("attention.chart.head_prefix"))
    spec["layout"]["sliders"][0]["pad"] = {"t": 80, "b": 0}  # below the rotated token labels
    return spec


# --- Numbers for people ------------------------------------------------------------------------------


def _two_digits(x: float) -> str:
    """Two significant digits, written out: 150, 1.2, 0.012 (never 1.5e+02)."""
    if x <= 0 or not np.isfinite(x):
        return f"{x:g}"
    place = 1 - int(np.floor(np.log10(x)))
    return f"{round(x, place):,.{max(place, 0)}f}"


def readable(x: float) -> str:
    """1.4e9 as "1.4 billion" (14亿): two significant digits and the language's own large numbers."""
    for scale, word in (item.split(" ") for item in t("attention.number_words").split(",")):
        if x >= float(scale):
            return t("attention.number_format", n=_two_digits(x / float(scale)), word=word)
    return _two_digits(x)


def duration(seconds: float) -> str:
    """A time in the unit that reads best: ms, s, min, h or days."""
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        if seconds >= size:
            return t(f"attention.units.{unit}", v=_two_digits(seconds / size))
    return t("attention.units.ms", v=_two_digits(seconds * 1000))


# --- Why attention replaced the RNN ------------------------------------------------------------------


def dependence_figure() -> go.Figure:
    hover = t("attention.chart.hover_dependence")
    fig = go.Figure(
        [
            go.Scatter(
                mode="lines+markers",
                name=t("attention.chart.rnn_trace"),
                line={"color": COLORS["model"]},
                hovertemplate=hover,
            ),
            go.Scatter(
                mode="lines+markers",
                name=t("attention.chart.attention_trace"),
                line={"color": COLORS["data"]},
                hovertemplate=hover,
            ),
        ]
    )
    fig.update_yaxes(type="log", exponentformat="power")
    title = t("attention.chart.dependence_title")
    style(fig, title, t("attention.chart.word_axis"), t("attention.chart.dep_axis"), height=340)
    # The legend above the plot: below it, long rotated words would run into it in a narrow column.
    fig.update_layout(legend={"yanchor": "bottom", "y": 1.0}, margin={"t": 80})
    return fig


def update_dependence_figure(fig: go.Figure, words: list[str], rnn: np.ndarray, attn: np.ndarray) -> None:
    x = np.arange(len(words))
    rnn = np.maximum(rnn, 1e-30)
    with fig.batch_update():
        fig.data[0].x, fig.data[0].y, fig.data[0].text = x, rnn, words
        fig.data[1].x, fig.data[1].y, fig.data[1].text = x, attn, words
        fig.layout.xaxis.update(**_ticks(words))
        fig.layout.yaxis.dtick = _decades_per_tick(rnn, attn)


def _decades_per_tick(*values: np.ndarray, most: int = 6) -> int:
    """A tick every n powers of ten, at most `most` labels: each label is a superscripted text
    the browser measures on every redraw (a quarter of the chart's drawing time with one a decade)."""
    lo = min(float(np.min(v)) for v in values)
    hi = max(float(np.max(v)) for v in values)
    decades = np.log10(max(hi, 1e-30)) - np.log10(max(lo, 1e-30))
    return max(1, int(np.ceil(decades / most)))
