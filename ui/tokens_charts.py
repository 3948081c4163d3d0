"""Figures for the tokens lesson, built from core.tokens' results.

The hero is a scrub figure (ui/scrub.py): a sentence's tokens after each merge of a BPE learned on
the lesson's corpus, as chips on one line, above the corpus's length in tokens and the vocabulary's
size against the number of merges. The trade-off chart: vocabulary size against the length of a
held-out text and the size of the embedding table.
"""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.tokens import Bpe, BpeState, Tradeoff
from ui.figures import COLORS, style
from ui.i18n import t
from ui.literal import for_plotly
from ui.scrub import Frame, build_template
from ui.token_chips import shown_text

CHIP_COLORS = ("#A6CEE3", "#FDD0A2")  # light blue, light orange: neighbours alternate; dark text reads on both
CHIP_TEXT = "#1A1A1A"
HERO_HEIGHT = 410


def quoted(token: str) -> str:
    """A token in a title or a sentence: visible spaces, in quotes."""
    return f"“{shown_text(token)}”"


def bpe_ids(bpe: Bpe) -> dict[str, int]:
    return {token: i for i, token in enumerate(bpe.vocab)}


def _chips(tokens: list[str], ids: dict[str, int], newest: set[str]) -> tuple[dict, dict, dict]:
    """A state's chips: a bar per token, as wide as its characters (neighbours alternate colours, tokens
    in `newest` outlined), its text on it and its id under it. Text traces, not the bars' own text: a
    bar's inside text is measured to fit at every redraw of a drag. The y values are in the base figure:
    a state carries only what changes."""
    widths = [len(token) for token in tokens]
    starts = [sum(widths[:i]) for i in range(len(tokens))]
    centres = [s + w / 2 for s, w in zip(starts, widths)]
    shown = [for_plotly(shown_text(token)) for token in tokens]
    token_ids = [ids.get(token, "?") for token in tokens]
    bars = {
        "x": widths,
        "base": starts,
        "customdata": [[text, i] for text, i in zip(shown, token_ids)],
        "marker": {
            "color": [i % 2 for i in range(len(tokens))],  # 0, 1, 0, ...: the colour scale's two ends
            "colorscale": [[0, CHIP_COLORS[0]], [1, CHIP_COLORS[1]]],
            "cmin": 0,
            "cmax": 1,
            "line": {
                "color": [COLORS["reference"] if token in newest else "white" for token in tokens],
                "width": [3 if token in newest else 1 for token in tokens],
            },
        },
    }
    return bars, {"x": centres, "text": shown}, {"x": centres, "text": [str(i) for i in token_ids]}


def _hero_base(sample: str, bpe: Bpe, first: BpeState, most: int, corpus_name: str) -> go.Figure:
    """What no state changes: the chips' row (drawn at state 0), and the text's length in tokens against
    the vocabulary's size, one point per merge: the vocabulary grows to the right, the text shrinks down."""
    ids = bpe_ids(bpe)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.34, 0.66], vertical_spacing=0.16)
    first_bars, first_words, first_ids = _chips(first.tokens, ids, set())
    fig.add_trace(go.Bar(orientation="h", y=[0] * most, hovertemplate=t("tokens.chart.hover_chip"), width=0.9,
                         **first_bars), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(mode="text", textfont={"size": 17, "color": CHIP_TEXT}, hoverinfo="skip", y=[0] * most,
                             **first_words), row=1, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(mode="text", textfont={"size": 11}, hoverinfo="skip", y=[-0.62] * most, **first_ids),
                  row=1, col=1)  # fmt: skip
    merges = list(range(len(bpe.corpus_tokens)))
    fig.add_trace(go.Scatter(x=list(bpe.vocab_sizes), y=list(bpe.corpus_tokens), mode="lines", customdata=merges,
                             line={"color": COLORS["model"], "width": 2.5},
                             name=t("tokens.chart.corpus_tokens", corpus=corpus_name),
                             hovertemplate=t("tokens.chart.hover_corpus")), row=2, col=1)  # fmt: skip
    marker = {"size": 12, "color": COLORS["model"], "line": {"color": "white", "width": 1.5}}
    fig.add_trace(go.Scatter(x=[first.vocab_size], y=[first.corpus_tokens], mode="markers", hoverinfo="skip",
                             marker=marker), row=2, col=1)  # fmt: skip
    fig.update_layout(bargap=0)
    fig.update_xaxes(range=[0, max(len(sample), 1)], visible=False, row=1, col=1)
    fig.update_yaxes(range=[-1.0, 0.55], visible=False, row=1, col=1)
    fig.update_xaxes(title_text=t("tokens.chart.vocab_axis"), tickformat=",d", row=2, col=1)
    fig.update_yaxes(title_text=t("tokens.chart.corpus_axis"), tickformat=",d", row=2, col=1)
    style(fig, "", "", "", height=HERO_HEIGHT)
    fig.update_layout(showlegend=False)
    return fig


def _hero_title(bpe: Bpe, state: BpeState) -> str:
    """A state's title: the vocabulary and the corpus after k merges; the k-th merge and the sentence."""
    per_char = f"{state.corpus_tokens / bpe.corpus_tokens[0]:.2f}"
    title = t("tokens.chart.hero_frame", k=state.k, n=len(bpe.merges), vocab=f"{state.vocab_size:,}",
              tokens=f"{state.corpus_tokens:,}", per_char=per_char)  # fmt: skip
    if not state.k:
        return (
            title + "<br>" + t("tokens.chart.hero_start", alphabet=f"{len(bpe.alphabet):,}", sample=len(state.tokens))
        )
    merge = bpe.merges[state.k - 1]
    a, b, token = (for_plotly(quoted(x)) for x in (*merge.pair, merge.token))
    return title + "<br>" + t("tokens.chart.hero_merge", k=state.k, a=a, b=b, token=token, count=f"{merge.count:,}",
                              sample=len(state.tokens))  # fmt: skip


def hero_template(sample: str, bpe: Bpe, states: list[BpeState], corpus_name: str) -> dict:
    """Every state of the merge slider: the sample's tokens after k merges (tokens made since the state
    before outlined), and where k sits on the curves of the corpus's length in tokens and the vocabulary's size."""
    ids = bpe_ids(bpe)
    most = max(len(state.tokens) for state in states)  # the chips' y values, in the base: one row
    base = _hero_base(sample, bpe, states[0], most, corpus_name)
    frames, previous = [], 0
    for state in states:
        newest = {m.token for m in bpe.merges[previous : state.k]}  # made since the state before: outlined
        bars, words, labels = _chips(state.tokens, ids, newest)
        previous = state.k
        marker = {"x": [state.vocab_size], "y": [state.corpus_tokens]}
        frames.append(Frame([bars, words, labels, marker], _hero_title(bpe, state)))
    spec = build_template(base, [0, 1, 2, 4], frames, [str(s.k) for s in states], t("tokens.chart.merge_prefix"))
    # Plotly anchors a two-line title's first line at the top: pushed down a line so it is not cut off.
    for layout in [spec["layout"], *(frame["layout"] for frame in spec["frames"])]:
        layout["title"] = {**layout["title"], "y": 0.93}
    return spec


def tradeoff_figure(rows: list[Tradeoff], d: int) -> go.Figure:
    """The held-out text's length in tokens (falls) and the embedding table's size (grows) against V."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    V = [r.vocab_size for r in rows]
    fig.add_trace(go.Scatter(x=V, y=[r.tokens for r in rows], mode="lines+markers", name=t("tokens.chart.held_tokens"),
                             customdata=[r.merges for r in rows], line={"color": COLORS["model"], "width": 3},
                             hovertemplate=t("tokens.chart.hover_held")))  # fmt: skip
    fig.add_trace(go.Scatter(x=V, y=[r.embedding_params for r in rows], mode="lines+markers",
                             name=t("tokens.chart.table_size", d=d), line={"color": COLORS["data"], "dash": "dot"},
                             hovertemplate=t("tokens.chart.hover_table")), secondary_y=True)  # fmt: skip
    style(fig, t("tokens.chart.tradeoff_title"), t("tokens.chart.vocab_axis"), "", height=320)
    fig.update_yaxes(title_text=t("tokens.chart.held_axis"), title_font={"color": COLORS["model"]}, tickformat=",d",
                     rangemode="tozero", secondary_y=False)  # fmt: skip
    fig.update_yaxes(title_text=t("tokens.chart.table_axis", d=d), title_font={"color": COLORS["data"]},
                     tickformat="~s", tickmode="auto", nticks=6, rangemode="tozero", showgrid=False,
                     secondary_y=True)  # fmt: skip
    fig.update_xaxes(tickformat=",d")
    fig.update_layout(showlegend=False)  # the axis titles name the lines, in their colours
    return fig
