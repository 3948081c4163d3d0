"""Figures for lesson 6, built from core.embeddings' results."""

import unicodedata

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from core import embeddings as emb
from ui.corpus import held_out
from ui.figures import COLORS, style
from ui.i18n import t
from ui.literal import for_plotly
from ui.sampling_charts import show_char
from ui.scrub import Frame, build_template
from ui.tiny_gpt import get_model as get_tiny_gpt

# One colour and one marker shape per group: the roles' colours first, then sky blue and black.
GROUP_COLORS = (COLORS["data"], COLORS["model"], COLORS["reference"], COLORS["accent"], "#56B4E9", "#000000")
GROUP_SYMBOLS = ("circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon")
COSINE_SCALE = {"colorscale": "RdBu_r", "zmin": -1.0, "zmax": 1.0}  # one scale for every cosine on the page
MAX_LABEL = 28  # longer texts are shortened on axes and points (hover shows them in full)
LOG_TICKS = [1, 10, 100, emb.DIM]  # a log axis labelled only where a beginner reads it right


def clip(text: str, limit: int = MAX_LABEL) -> str:
    """A text cut to `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short(text: str, limit: int = MAX_LABEL) -> str:
    """A learner's entry as a chart label: cut to `limit` characters, shown as typed (no HTML)."""
    return for_plotly(clip(text, limit))


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
    return sum(12 if unicodedata.east_asian_width(ch) in "WF" else 7 for ch in label)


# --- Words must become numbers: three representations, scrubbed ---------------------------------------


def representations_template(texts: list[str], vectors: dict, names: dict) -> dict:
    """The cosine of every pair of entries, one frame per representation (one number, one-hot, MiniLM).

    The entries label the rows only: the columns are the same entries in the same order (hover names
    both), so no label is thinned out or slanted."""
    labels = _axis_labels(texts)
    n = len(labels)
    cosines = {key: emb.cosine_similarity(V, V) for key, V in vectors.items()}  # (n, n) each
    heatmap = go.Heatmap(
        z=next(iter(cosines.values())),
        x=labels,
        y=labels,
        **COSINE_SCALE,
        colorbar={"title": {"text": "cos"}, "thickness": 14},
        texttemplate="%{z:.2f}" if n <= 12 else None,
        hovertemplate=t("embeddings.chart.hover_pair", value="cos"),
    )
    base = go.Figure(heatmap)
    base.update_yaxes(autorange="reversed", dtick=1, tickfont={"size": 11})
    base.update_xaxes(showticklabels=False)
    style(base, "", t("embeddings.chart.same_entries"), "", height=190 + 15 * n)
    widest = max(_label_px(label) for label in labels)
    base.update_layout(margin={"l": widest + 16, "r": 10})
    base.update_xaxes(automargin=False)
    base.update_yaxes(automargin=False)
    frames = []
    for key, C in cosines.items():
        others = emb.off_diagonal(C)
        title = t("embeddings.chart.repr_frame", name=names[key], numbers=vectors[key].shape[1],
                  lo=f"{others.min():.2f}", hi=f"{others.max():.2f}")  # fmt: skip
        frames.append(Frame([{"z": C.tolist()}], title))
    return build_template(base, [0], frames, list(names.values()), "")


# --- The hero: a word's neighbours as dimensions are dropped ------------------------------------------


def _neighbour_frame(state: emb.DimsState, texts: list[str], truth: set[int], low: float) -> tuple[dict, list]:
    """One state's bars, at rows 0, 1, 2 ... (nearest on top), and their entries written beside them as
    annotations: category labels would pile up across frames (Plotly keeps every category it saw)."""
    rows = list(range(len(state.order)))
    bars = {
        "x": state.cos.tolist(),
        "y": rows,
        "marker": {"color": [COLORS["reference"] if int(j) in truth else COLORS["muted"] for j in state.order]},
        "text": [f"{c:.2f}" for c in state.cos],
        "customdata": [for_plotly(texts[j]) for j in state.order],
    }
    labels = [{"x": low, "y": r, "xref": "x", "yref": "y", "text": short(texts[j], 22), "showarrow": False,
               "xanchor": "right", "xshift": -6, "font": {"size": 12}} for r, j in zip(rows, state.order)]  # fmt: skip
    return bars, labels


def dims_template(texts: list[str], i: int, states: list[emb.DimsState], truth: list[int]) -> dict:
    """Left: entry i's nearest entries when every vector keeps d numbers (green: one of its true k
    nearest, with all 384). Right: the share of every entry's k nearest kept, against d. One frame
    per d; each title quotes that state's numbers."""
    k, word, true_set = len(truth), short(texts[i], 22), set(int(j) for j in truth)
    low = min(0.0, min(float(s.cos.min()) for s in states))
    titles = (t("embeddings.chart.dims_left", word=word), t("embeddings.chart.dims_right", k=k))
    fig = make_subplots(1, 2, column_widths=[0.55, 0.45], horizontal_spacing=0.12, subplot_titles=titles)
    bars, _ = _neighbour_frame(states[0], texts, true_set, low)
    fig.add_trace(go.Bar(orientation="h", textposition="inside", insidetextanchor="end", showlegend=False,
                         hovertemplate="%{customdata}<br>cos %{x:.3f}<extra></extra>", **bars), 1, 1)  # fmt: skip
    ds, overlaps = [s.d for s in states], [100 * s.overlap for s in states]
    marker = {"size": 14, "color": COLORS["warning"], "symbol": "diamond", "line": {"width": 1, "color": "#333"}}
    hover = t("embeddings.chart.hover_overlap")
    fig.add_trace(go.Scatter(x=[ds[0]], y=[overlaps[0]], mode="markers", marker=marker, showlegend=False,
                             hovertemplate=hover), 1, 2)  # fmt: skip
    fig.add_trace(go.Scatter(x=ds, y=overlaps, mode="lines", line={"color": COLORS["data"]}, showlegend=False,
                             hovertemplate=hover), 1, 2)  # fmt: skip
    fig.update_xaxes(range=[low, 1.02], title_text="cos", row=1, col=1)
    fig.update_yaxes(range=[len(states[0].order) - 0.5, -0.5], showticklabels=False, row=1, col=1)
    fig.add_hline(y=k - 0.5, line={"dash": "dot", "color": COLORS["muted"]}, row=1, col=1)
    fig.update_xaxes(type="log", tickvals=LOG_TICKS, ticktext=[str(v) for v in LOG_TICKS], row=1, col=2)
    fig.update_xaxes(title_text=t("embeddings.chart.d_axis"), row=1, col=2)
    fig.update_yaxes(range=[0, 105], title_text=t("embeddings.chart.overlap_axis"), row=1, col=2)
    style(fig, "", "", "", height=440)
    widest = max(_label_px(short(text, 22)) for text in texts)
    fig.update_layout(margin={"l": widest + 16, "r": 10})
    frames = []
    for s in states:
        bars, labels = _neighbour_frame(s, texts, true_set, low)
        title = t("embeddings.chart.dims_frame", d=s.d, kept=f"{s.kept:.0%}", word=word, right=s.right, k=k,
                  overlap=f"{s.overlap:.0%}")  # fmt: skip
        frames.append(Frame([bars, {"x": [s.d], "y": [100 * s.overlap]}], title, labels))
    return build_template(fig, [0, 1], frames, [str(d) for d in ds], "d = ")


# --- The map (PCA / t-SNE) ------------------------------------------------------------------------------


def _label_positions(coords: np.ndarray) -> list[str]:
    """Each label on the side away from its nearest neighbour, so that close points' labels part."""
    if len(coords) < 2:
        return ["top center"] * len(coords)
    span = np.ptp(coords, axis=0) + 1e-12
    scaled = coords / span  # (n, 2) both axes on one scale
    gaps = np.linalg.norm(scaled[:, None] - scaled[None, :], axis=-1) + np.eye(len(coords)) * 1e9
    away = scaled - scaled[gaps.argmin(axis=1)]  # (n, 2) from the nearest point to this one
    positions = []
    for dx, dy in away:
        if abs(dy) >= abs(dx):
            positions.append("top center" if dy >= 0 else "bottom center")
        else:
            positions.append("middle right" if dx >= 0 else "middle left")
    return positions


def map_figure(coords: np.ndarray, texts: list[str], groups: list[str], title: str, axis: str, marked=()) -> go.Figure:
    """The entries as points, one colour and shape per group; `marked` = (picked index, neighbours)."""
    fig = go.Figure()
    positions = _label_positions(coords)
    if marked:
        positions[marked[0]] = "bottom center"  # clear of the ring drawn around the chosen word
    for g, group in enumerate(dict.fromkeys(groups)):
        idx = [i for i, name in enumerate(groups) if name == group]
        marker = {
            "size": 10,
            "color": GROUP_COLORS[g % len(GROUP_COLORS)],
            "symbol": GROUP_SYMBOLS[g % len(GROUP_SYMBOLS)],
        }
        fig.add_trace(
            go.Scatter(
                x=coords[idx, 0],
                y=coords[idx, 1],
                mode="markers+text",
                name=for_plotly(group),
                marker=marker,
                text=[short(texts[i], 18) for i in idx],
                textposition=[positions[i] for i in idx],
                textfont={"size": 11},
                cliponaxis=False,
                customdata=[[for_plotly(texts[i]), for_plotly(group)] for i in idx],
                hovertemplate="%{customdata[0]}<extra>%{customdata[1]}</extra>",
            )
        )
    if marked:
        picked, neighbours = marked
        for j in neighbours:
            fig.add_trace(go.Scatter(x=coords[[picked, j], 0], y=coords[[picked, j], 1], mode="lines",
                                     line={"color": COLORS["muted"], "dash": "dot"}, showlegend=False,
                                     hoverinfo="skip"))  # fmt: skip
        ring = {"size": 22, "symbol": "circle-open", "color": COLORS["warning"], "line": {"width": 3}}
        fig.add_trace(go.Scatter(x=coords[[picked], 0], y=coords[[picked], 1], mode="markers", marker=ring,
                                 name=t("embeddings.chart.picked"), hoverinfo="skip"))  # fmt: skip
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    pad = 0.12 * (hi - lo + 1e-9)  # room for the labels at the edges
    fig.update_xaxes(range=[lo[0] - pad[0], hi[0] + pad[0]])
    fig.update_yaxes(range=[lo[1] - pad[1], hi[1] + pad[1]])
    return style(fig, title, f"{axis} 1", f"{axis} 2", height=520)


MAX_CHARS_SHOWN = 300  # a bigger vocabulary (the Tang poems' 4,000) shows only its most frequent characters
# Kinds of Chinese characters a reader can check on the map (core.embeddings.char_class knows only the
# Latin ones): the rest are "other characters".
HANZI_KINDS = {"numeral": "一二三四五六七八九十百千万两双半", "colour": "白青红黄绿碧紫翠苍朱丹素黑",
               "direction": "东西南北上下前后左右中"}  # fmt: skip
OTHER_HANZI = "#767676"  # grey, 4.5:1 on white: the many other characters, behind the kinds in colour


def char_kind(c: str) -> str:
    """core's class of the character; a Chinese character's kind from HANZI_KINDS."""
    kind = emb.char_class(c)
    if kind in ("lower", "upper") and not c.isascii():
        return next((k for k, chars in HANZI_KINDS.items() if c in chars), "hanzi")
    return kind


def shown_ids(vocab, name: str) -> list[int]:
    """Every id of a small vocabulary; else the MAX_CHARS_SHOWN most frequent in the model's held-out
    text, most frequent first, never the unknown id □."""
    if len(vocab) <= MAX_CHARS_SHOWN and vocab.unknown_id is None:
        return list(range(len(vocab)))
    counts = torch.bincount(held_out(name, vocab), minlength=len(vocab))  # (vocab,)
    if vocab.unknown_id is not None:
        counts[vocab.unknown_id] = -1
    return torch.argsort(counts, descending=True, stable=True)[:MAX_CHARS_SHOWN].tolist()


def chars_figure(directory: str, name: str = "shakespeare") -> go.Figure:
    """The tiny GPT's character vectors (the most frequent ones of a big vocabulary) on the two
    directions along which they differ most, each character drawn as itself (no dot beside a label to
    collide with), one colour per kind."""
    model, vocab, _ = get_tiny_gpt(directory)
    ids = shown_ids(vocab, name)
    W = emb.embedding_table(model)[ids]  # (shown, n_embd)
    coords, kept = emb.char_map(W)
    chars = [show_char(vocab.chars[i]) for i in ids]
    kinds = [char_kind(vocab.chars[i]) for i in ids]
    numbers = {"n": f"{len(vocab):,}", "dims": W.shape[1], "kept": f"{100 * kept.sum():.0f}", "shown": len(ids)}
    title = t(f"embeddings.chart.chars_title{'' if len(ids) == len(vocab) else '_top'}", **numbers)
    fig = go.Figure()
    coloured = [kind for kind in dict.fromkeys(kinds) if kind != "hanzi"]  # each its own colour; the rest grey
    for kind in dict.fromkeys(kinds):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        group = t(f"embeddings.char_classes.{kind}")
        color = OTHER_HANZI if kind == "hanzi" else GROUP_COLORS[coloured.index(kind) % len(GROUP_COLORS)]
        fig.add_trace(
            go.Scatter(
                x=coords[idx, 0],
                y=coords[idx, 1],
                mode="text",
                text=[for_plotly(chars[i]) for i in idx],
                textfont={"size": 15 if len(ids) < 100 else 13, "color": color},
                name=group,
                hovertemplate="%{text}<extra>" + group + "</extra>",
            )
        )
    style(fig, title, "PC 1", "PC 2", height=500 if len(ids) < 100 else 640)
    return fig.update_layout(margin={"t": 70})


# --- Bars: analogies and search -------------------------------------------------------------------------


def bars_figure(texts: list[str], scores: np.ndarray, title: str, score_name: str, muted=(), best=()) -> go.Figure:
    """Horizontal bars, best first at the top: positions in `muted` grey (the inputs), in `best` green."""
    colors = [COLORS["muted"] if i in muted else COLORS["reference"] if i in best else COLORS["data"]
              for i in range(len(texts))]  # fmt: skip
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=_axis_labels(texts),
            orientation="h",
            marker={"color": colors},
            customdata=[for_plotly(text) for text in texts],
            text=[f"{s:.3f}" for s in scores],
            textposition="inside",
            insidetextanchor="end",
            name=score_name,
            hovertemplate="%{customdata}<br>" + score_name + " %{x:.3f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return style(fig, title, score_name, "", height=max(260, 110 + 26 * len(texts)))


def search_figure(passages: list[str], scores: np.ndarray, title: str) -> go.Figure:
    """The question's cosine with every passage of the knowledge base, best first; `update_search_figure`
    colours the k retrieved ones."""
    labels = _axis_labels(passages, 30)
    fig = go.Figure(
        go.Bar(
            x=scores,
            y=labels,
            orientation="h",
            marker={"color": [COLORS["muted"]] * len(labels)},
            customdata=[for_plotly(p) for p in passages],
            text=[f"{s:.2f}" for s in scores],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{customdata}<br>cos %{x:.3f}<extra></extra>",
            showlegend=False,
        )
    )
    fig.update_yaxes(autorange="reversed", dtick=1, tickfont={"size": 10})
    top = max(0.0, float(np.max(scores))) if len(scores) else 1.0
    fig.update_xaxes(range=[min(0.0, float(np.min(scores, initial=0.0))), top * 1.15 + 0.02])
    return style(fig, title, t("embeddings.chart.search_axis"), "", height=120 + 17 * len(labels))


def update_search_figure(fig: go.Figure, k: int) -> None:
    """The k best passages (the figure lists them best first) in the retrieved colour, the rest grey."""
    n = len(fig.data[0].y)
    fig.data[0].marker.color = [COLORS["data"] if i < k else COLORS["muted"] for i in range(n)]
