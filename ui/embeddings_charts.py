"""Figures for lesson 6, built from core.embeddings' results."""

import unicodedata

import numpy as np
import plotly.graph_objects as go

from ui.figures import COLORS, style
from ui.i18n import t
from ui.literal import for_plotly

# One colour per group (Okabe-Ito first, then Plotly's defaults).
GROUP_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")
MAX_LABEL = 28  # longer texts are shortened on axes and points (hover shows them in full)


def short(text: str, limit: int = MAX_LABEL) -> str:
    """A learner's entry as a chart label: cut to `limit` characters, shown as typed (no HTML)."""
    return for_plotly(text if len(text) <= limit else text[: limit - 1] + "…")


def _axis_labels(texts: list[str], limit: int = MAX_LABEL) -> list[str]:
    """Unique short labels (Plotly merges equal category names)."""
    labels, seen = [], set()
    for i, text in enumerate(texts):
        label = short(text, limit)
        if label in seen:
            label = f"{label} ({i + 1})"
        seen.add(label)
        labels.append(label)
    return labels


def _label_px(label: str) -> int:
    """About how wide a tick label is drawn, in pixels (wide CJK characters count double)."""
    return sum(13 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in label)


def _fixed_margins(fig: go.Figure, left: int, bottom: int, right: int = 10) -> go.Figure:
    """Margins set once, large enough for the labels, instead of Plotly's automatic ones.

    With automatic margins Plotly measures labels, legend and colour bar after a first draw and
    draws the whole chart again; the charts a slider changes are redrawn from scratch each move.
    """
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    fig.update_layout(margin={"l": left, "r": right, "t": 50, "b": bottom})
    return fig


def heatmap_figure(M: np.ndarray, texts: list[str], title: str, value_name: str, zmin=None, zmax=None) -> go.Figure:
    """A square matrix of pair scores with the texts on both axes; numbers written in small matrices."""
    labels = _axis_labels(texts, 16)  # short: the matrix gets the width (hover shows the full text)
    n = len(labels)
    fig = go.Figure(
        go.Heatmap(
            z=M,
            x=labels,
            y=labels,
            zmin=zmin,
            zmax=zmax,
            colorscale="RdBu_r" if zmin is not None and zmin < 0 else "Viridis",
            colorbar={"title": {"text": value_name}},
            texttemplate="%{z:.2f}" if n <= 12 else None,
            hovertemplate=t("embeddings.chart.hover_pair", value=value_name),
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-45)
    style(fig, title, "", "", height=max(380, 200 + 16 * n))
    widest = max(_label_px(label) for label in labels)
    return _fixed_margins(fig, left=widest + 12, bottom=round(widest * 0.75) + 20, right=90)


def overlap_figure(ds: list[int], overlaps: list[float], d: int, overlap_at_d: float, k: int) -> go.Figure:
    """How many of each entry's nearest neighbours survive when only d dimensions are kept."""
    fig = go.Figure(
        go.Scatter(
            x=ds,
            y=np.asarray(overlaps) * 100,
            mode="lines+markers",
            name=t("embeddings.chart.overlap_curve", k=k),
            line={"color": COLORS["model"]},
            hovertemplate=t("embeddings.chart.hover_overlap"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[d],
            y=[overlap_at_d * 100],
            mode="markers",
            name=t("embeddings.chart.your_d", d=d),
            marker={"size": 14, "color": COLORS["warning"], "symbol": "diamond", "line": {"width": 1, "color": "#333"}},
            hovertemplate=t("embeddings.chart.hover_overlap"),
        )
    )
    fig.update_xaxes(type="log")
    fig.update_yaxes(range=[0, 105])
    style(fig, t("embeddings.chart.overlap_title"), t("embeddings.chart.d_axis"), t("embeddings.chart.overlap_axis"))
    return _fixed_margins(fig, left=64, bottom=120)


def map_figure(coords: np.ndarray, texts: list[str], groups: list[str], title: str, axis: str, marked=()) -> go.Figure:
    """The entries as points, one colour per group; `marked` = (picked index, neighbour indices)."""
    fig = go.Figure()
    three_d = coords.shape[1] == 3
    for g, group in enumerate(dict.fromkeys(groups)):
        idx = [i for i, name in enumerate(groups) if name == group]
        common = {
            "mode": "markers+text",
            "name": for_plotly(group),
            "text": [short(texts[i], 18) for i in idx],
            "customdata": [[for_plotly(texts[i]), for_plotly(group)] for i in idx],
            "hovertemplate": "%{customdata[0]}<extra>%{customdata[1]}</extra>",
            "textposition": "top center",
        }
        marker = {"size": 6 if three_d else 10, "color": GROUP_COLORS[g % len(GROUP_COLORS)]}
        if three_d:
            fig.add_trace(go.Scatter3d(x=coords[idx, 0], y=coords[idx, 1], z=coords[idx, 2], marker=marker, **common))
        else:
            fig.add_trace(go.Scatter(x=coords[idx, 0], y=coords[idx, 1], marker=marker, **common))
    if marked and not three_d:
        picked, neighbours = marked
        for j in neighbours:
            fig.add_trace(
                go.Scatter(
                    x=coords[[picked, j], 0],
                    y=coords[[picked, j], 1],
                    mode="lines",
                    line={"color": COLORS["muted"], "dash": "dot"},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=coords[[picked], 0],
                y=coords[[picked], 1],
                mode="markers",
                name=t("embeddings.chart.picked"),
                marker={"size": 20, "symbol": "circle-open", "color": COLORS["warning"], "line": {"width": 3}},
                hoverinfo="skip",
            )
        )
    fig = style(fig, title, f"{axis} 1", f"{axis} 2", height=520)
    if three_d:
        fig.update_layout(scene={"xaxis_title": f"{axis} 1", "yaxis_title": f"{axis} 2", "zaxis_title": f"{axis} 3"})
    return fig


def bars_figure(texts: list[str], scores: np.ndarray, title: str, score_name: str, marked=()) -> go.Figure:
    """Horizontal bars, best first at the top; texts in `marked` drawn in a muted colour."""
    colors = [COLORS["muted"] if i in marked else COLORS["data"] for i in range(len(texts))]
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=_axis_labels(texts),
            orientation="h",
            marker={"color": colors},
            customdata=[for_plotly(text) for text in texts],
            text=[f"{s:.3f}" for s in scores],
            textposition="auto",
            name=score_name,
            hovertemplate="%{customdata}<br>" + score_name + " %{x:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return style(fig, title, score_name, "", height=max(260, 120 + 32 * len(texts)))
