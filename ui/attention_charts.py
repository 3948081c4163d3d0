"""Figures for lesson 7, built from core.attention's results (NumPy arrays)."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.figures import COLORS, style
from ui.i18n import t

VISIBLE = {"\n": "↵", " ": "␣", "\t": "⇥"}


def show_char(c: str) -> str:
    return VISIBLE.get(c, c)


def _ticks(labels: list[str]) -> dict:
    """Numeric axis positions with text labels: repeated labels (two 'the', two 'e') stay apart."""
    return {"tickvals": list(range(len(labels))), "ticktext": list(labels), "tickfont": {"size": 11}}


# --- 1. RNN against attention ----------------------------------------------------------------------


def dependence_figure() -> go.Figure:
    fig = go.Figure(
        [
            go.Scatter(
                mode="lines+markers",
                name=t("attention.chart.rnn_trace"),
                line={"color": COLORS["model"]},
                hovertemplate=t("attention.chart.hover_dependence"),
            ),
            go.Scatter(
                mode="lines+markers",
                name=t("attention.chart.attention_trace"),
                line={"color": COLORS["data"]},
                hovertemplate=t("attention.chart.hover_dependence"),
            ),
        ]
    )
    fig.update_yaxes(type="log", exponentformat="power")
    return style(
        fig, t("attention.chart.dependence_title"), t("attention.chart.word_axis"), t("attention.chart.dep_axis")
    )


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


# --- Heatmaps ---------------------------------------------------------------------------------------


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
        **kwargs,
    )


def matrix_figure(M, rows, cols, title, x_title="", y_title="", zmin=None, zmax=None, colorscale="RdBu_r", height=None):
    """One labelled heatmap, rows top to bottom; numbers written in when the matrix is small."""
    M = np.asarray(M, dtype=float)
    numbers = M.size <= 64
    if zmin is None and colorscale == "RdBu_r":
        zmin, zmax = symmetric_range([M])
    fig = go.Figure(heatmap(M, rows, cols, zmin, zmax, colorscale, numbers))
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


# --- 2. Positional encoding ---------------------------------------------------------------------------


def encoding_figure(pe: np.ndarray) -> go.Figure:
    T, d = pe.shape
    fig = go.Figure(
        go.Heatmap(
            z=pe,
            zmin=-1,
            zmax=1,
            colorscale="RdBu_r",
            hovertemplate=t("attention.chart.hover_pe"),
        )
    )
    fig.update_yaxes(autorange="reversed")
    return style(
        fig, t("attention.chart.pe_title", T=T, d=d), t("attention.chart.dim_axis"), t("attention.chart.pos_axis")
    )


def position_similarity_figure(cos: np.ndarray) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(z=cos, zmin=-1, zmax=1, colorscale="RdBu_r", hovertemplate=t("attention.chart.hover_pos_sim"))
    )
    fig.update_yaxes(autorange="reversed")
    return style(fig, t("attention.chart.pos_sim_title"), t("attention.chart.pos_axis"), t("attention.chart.pos_axis"))


# --- 3. One head, softmax saturation ------------------------------------------------------------------


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


# --- 5 and 6. Real models -------------------------------------------------------------------------------


def attention_map(weights: np.ndarray, labels: list[str], title: str, generated_from: int | None = None) -> go.Figure:
    """One head's (T, T) weights: row = the token looking, column = the token looked at."""
    fig = matrix_figure(
        weights,
        labels,
        labels,
        title,
        t("attention.chart.looked_at_axis"),
        t("attention.chart.looking_axis"),
        zmin=0,
        zmax=1,
        colorscale="Blues",
        height=max(420, 140 + 13 * len(labels)),
    )
    fig.data[0].texttemplate = None
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


def all_heads_figure(weights: np.ndarray, title: str) -> go.Figure:
    """Every layer × head map tiled into one heatmap (one trace: fast to draw for 72 maps)."""
    n_layer, n_head, T, _ = weights.shape
    gap = 1
    tiled = np.full((n_layer * (T + gap) - gap, n_head * (T + gap) - gap), np.nan)
    for layer in range(n_layer):
        for head in range(n_head):
            r, c = layer * (T + gap), head * (T + gap)
            tiled[r : r + T, c : c + T] = weights[layer, head]
    fig = go.Figure(go.Heatmap(z=tiled, zmin=0, zmax=1, colorscale="Blues", hoverinfo="skip"))
    centre = (T - 1) / 2
    fig.update_xaxes(
        tickvals=[h * (T + gap) + centre for h in range(n_head)], ticktext=dims(n_head), showgrid=False, zeroline=False
    )
    fig.update_yaxes(
        tickvals=[layer * (T + gap) + centre for layer in range(n_layer)],
        ticktext=dims(n_layer),
        autorange="reversed",
        showgrid=False,
        zeroline=False,
        scaleanchor="x",
    )
    height = int(min(900, max(300, 60 + 900 * n_layer / max(n_head, 1))))
    return style(fig, title, t("attention.chart.head_axis"), t("attention.chart.layer_axis"), height=height)
