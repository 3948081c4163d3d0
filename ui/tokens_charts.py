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
HEADLINE_Y = 1.55  # the chips' panel runs from -1 (their ids) up to the headline's top


def quoted(token: str) -> str:
    """A token in a title or a sentence: visible spaces, in quotes."""
    return f"“{shown_text(token)}”"


def bpe_ids(bpe: Bpe) -> dict[str, int]:
    return {token: i for i, token in enumerate(bpe.vocab)}


CHIP_PX = 30  # a chip's height: the width of the line that draws it
GAP = 0.08  # characters left blank at each end of a chip, so neighbours stay apart


def _segments(spans: list[tuple[float, float]]) -> dict:
    """Horizontal segments on the chips' row, one per (start, end), drawn by one line trace."""
    x, y = [], []
    for start, end in spans:
        x += [start + GAP, end - GAP, None]
        y += [0, 0, None]
    return {"x": x, "y": y}


def _chips(tokens: list[str], ids: dict[str, int], newest: set[str]) -> list[dict]:
    """A state's chips, as scatter data only (the hero is scrubbed without a redraw): the outline of the
    tokens in `newest`, the chips in two alternating colours as thick line segments as wide as their
    characters, their text on them (with the hover) and their ids under them."""
    widths = [len(token) for token in tokens]
    starts = [sum(widths[:i]) for i in range(len(tokens))]
    spans = [(s, s + w) for s, w in zip(starts, widths)]
    centres = [s + w / 2 for s, w in zip(starts, widths)]
    shown = [for_plotly(shown_text(token)) for token in tokens]
    token_ids = [ids.get(token, "?") for token in tokens]
    outline = _segments([(a - GAP / 2, b + GAP / 2) for (a, b), t_ in zip(spans, tokens) if t_ in newest])
    words = {
        "x": centres,
        "y": [0] * len(tokens),
        "text": shown,
        "customdata": [[w, i] for w, i in zip(shown, token_ids)],
    }
    labels = {"x": centres, "y": [-0.62] * len(tokens), "text": [str(i) for i in token_ids]}
    return [outline, _segments(spans[0::2]), _segments(spans[1::2]), words, labels]


def _hero_base(sample: str, bpe: Bpe, first: BpeState, corpus_name: str) -> go.Figure:
    """What no state changes: the chips' row (drawn at state 0) with the state's headline above it, and the
    text's length in tokens against the vocabulary's size, one point per merge: the vocabulary grows to the
    right, the text shrinks down. Scatter traces only (ui/scrub.py: a drag then skips Plotly's redraw)."""
    ids = bpe_ids(bpe)
    fig = make_subplots(rows=2, cols=1, row_heights=[0.42, 0.58], vertical_spacing=0.14)
    outline, even, odd, words, labels = _chips(first.tokens, ids, set())
    row = {"row": 1, "col": 1}
    fig.add_trace(go.Scatter(mode="lines", line={"color": COLORS["reference"], "width": CHIP_PX + 6}, hoverinfo="skip",
                             **outline), **row)  # fmt: skip
    for color, chips in zip(CHIP_COLORS, (even, odd)):
        fig.add_trace(go.Scatter(mode="lines", line={"color": color, "width": CHIP_PX}, hoverinfo="skip", **chips),
                      **row)  # fmt: skip
    fig.add_trace(go.Scatter(mode="text", textfont={"size": 17, "color": CHIP_TEXT},
                             hovertemplate=t("tokens.chart.hover_chip"), **words), **row)  # fmt: skip
    fig.add_trace(go.Scatter(mode="text", textfont={"size": 11}, hoverinfo="skip", **labels), **row)
    merges = list(range(len(bpe.corpus_tokens)))
    fig.add_trace(go.Scatter(x=list(bpe.vocab_sizes), y=list(bpe.corpus_tokens), mode="lines", customdata=merges,
                             line={"color": COLORS["model"], "width": 2.5},
                             name=t("tokens.chart.corpus_tokens", corpus=corpus_name),
                             hovertemplate=t("tokens.chart.hover_corpus")), row=2, col=1)  # fmt: skip
    marker = {"size": 12, "color": COLORS["model"], "line": {"color": "white", "width": 1.5}}
    fig.add_trace(go.Scatter(x=[first.vocab_size], y=[first.corpus_tokens], mode="markers", hoverinfo="skip",
                             marker=marker), row=2, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=[0], y=[HEADLINE_Y], text=[""], mode="text", textposition="bottom right",
                             textfont={"size": 14, "color": CHIP_TEXT}, hoverinfo="skip", cliponaxis=False),
                  **row)  # fmt: skip
    fig.update_xaxes(range=[0, max(len(sample), 1)], visible=False, row=1, col=1)
    fig.update_yaxes(range=[-1.0, HEADLINE_Y], visible=False, row=1, col=1)
    fig.update_xaxes(title_text=t("tokens.chart.vocab_axis"), tickformat=",d", row=2, col=1)
    fig.update_yaxes(title_text=t("tokens.chart.corpus_axis"), tickformat=",d", row=2, col=1)
    style(fig, "", "", "", height=HERO_HEIGHT)
    fig.update_layout(showlegend=False)
    return fig


def hero_headline(bpe: Bpe, state: BpeState) -> str:
    """A state's headline: the vocabulary and the corpus after k merges; the k-th merge and the sentence."""
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
    before outlined), and where k sits on the curves of the corpus's length in tokens and the vocabulary's size.
    Only scatter traces change, so a drag skips the redraw; the headline is a text trace above the chips."""
    ids = bpe_ids(bpe)
    base = _hero_base(sample, bpe, states[0], corpus_name)
    frames, previous = [], 0
    for state in states:
        newest = {m.token for m in bpe.merges[previous : state.k]}  # made since the state before: outlined
        previous = state.k
        marker = {"x": [state.vocab_size], "y": [state.corpus_tokens]}
        headline = {"text": [hero_headline(bpe, state)]}
        frames.append(Frame([*_chips(state.tokens, ids, newest), marker, headline], ""))
    labels = [str(s.k) for s in states]
    spec = build_template(base, [0, 1, 2, 3, 4, 6, 7], frames, labels, t("tokens.chart.merge_prefix"), redraw=False)
    spec["layout"]["margin"]["t"] = 20  # no title above: the headline is in the chips' panel
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
