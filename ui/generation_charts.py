"""Figures for the generation lesson, built from core.generation's results and the saved training run.

The hero is a scrub figure (ui/scrub.py): one checkpoint of a training run per state, with the text the
model wrote at that step, the loss curves up to it and its last layer's attention on a fixed line. Then the
residual stream of the learner's prompt, the parameters by part, the beam-search tree and the cost of a
new character with and without the KV cache.
"""

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.generation import BeamResult, Part, Trace
from ui.figures import COLORS, style
from ui.i18n import t
from ui.literal import for_plotly
from ui.sampling_charts import show_char
from ui.scrub import Frame, build_template

HERO_HEIGHT = 580
SAMPLE_WIDTH, SAMPLE_LINES = 54, 11  # what the sample's panel holds at 1300 px: wider lines continue below
SAMPLE_FONT = {"family": "ui-monospace, SFMono-Regular, Menlo, Consolas, 'Noto Sans Mono CJK SC', monospace",
               "size": 13}  # fmt: skip
ATTENTION_SCALE = [[0, "#FFFFFF"], [1, COLORS["data"]]]
ATTENTION_PANEL_PX = 400  # about the attention panel's side at 1300 px: a cell's marker fills most of its square


def sample_lines(text: str, width: int = SAMPLE_WIDTH, most: int = SAMPLE_LINES) -> list[str]:
    """A sample's lines as written, a line longer than `width` characters continued on the next; at most
    `most` lines, the last ending in "…" when the text goes on."""
    lines = [line[i : i + width] for line in text.split("\n") for i in range(0, max(len(line), 1), width)]
    return lines if len(lines) <= most else lines[: most - 1] + [lines[most - 1] + "…"]


def sample_markup(text: str) -> str:
    """A sample as Plotly text: its characters as written (escaped), its lines kept, its spaces too."""
    return "<br>".join(for_plotly(line).replace(" ", "\u00a0") or "\u00a0" for line in sample_lines(text))


def attention_cells(n: int) -> list[tuple[int, int]]:
    """The lower triangle's cells (row i reads, column j is read), row by row: a causal model attends to
    nothing later, so the rest of the square is never drawn."""
    return [(i, j) for i in range(n) for j in range(i + 1)]


def _hero_base(run: dict, labels: list[str], ln_v: float) -> go.Figure:
    """What no state changes: the panels (the sample's, top left, has hidden 0..1 axes and holds the text as
    a trace), the ln V line, the axes' ranges and the attention's labels. Scatter traces only: the figure is
    scrubbed without Plotly's redraw (ui/scrub.py), so the attention is a square marker per cell. No legend:
    the loss panel's title names its lines in their colours."""
    loss_title = t("generation.chart.loss_title", train=COLORS["data"], val=COLORS["model"])
    attention_title = t("generation.chart.attention_title", layer=run["attention_layer"])
    fig = make_subplots(rows=2, cols=2, column_widths=[0.52, 0.48], row_heights=[0.5, 0.5],
                        specs=[[{}, {"rowspan": 2}], [{}, None]], horizontal_spacing=0.1, vertical_spacing=0.14,
                        subplot_titles=(t("generation.chart.sample_title"), attention_title, loss_title))  # fmt: skip
    last = run["checkpoints"][-1]["step"]
    for name, color in (("train", COLORS["data"]), ("val", COLORS["model"])):
        fig.add_trace(go.Scatter(x=[0], y=[0], mode="lines", line={"color": color, "width": 2.5},
                                 name=t(f"generation.chart.{name}_loss"),
                                 hovertemplate=t("generation.chart.hover_loss")), row=2, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", hoverinfo="skip",
                             marker={"size": 11, "color": COLORS["model"], "line": {"color": "white", "width": 1.5}}),
                  row=2, col=1)  # fmt: skip
    fig.add_trace(go.Scatter(x=[0, last], y=[ln_v, ln_v], mode="lines", line={"color": COLORS["muted"], "dash": "dash"},
                             hoverinfo="skip"), row=2, col=1)  # fmt: skip
    fig.add_annotation(text=t("generation.chart.ln_v", v=f"{ln_v:.2f}"), x=last, y=ln_v, xanchor="right",
                       yanchor="bottom", showarrow=False, font={"size": 11, "color": COLORS["muted"]},
                       row=2, col=1)  # fmt: skip
    n = len(labels)
    cells = attention_cells(n)
    fig.add_trace(go.Scatter(x=[j for _, j in cells], y=[i for i, _ in cells], mode="markers",
                             marker={"symbol": "square", "size": ATTENTION_PANEL_PX // n, "color": [0] * len(cells),
                                     "colorscale": ATTENTION_SCALE, "cmin": 0, "cmax": 100, "line": {"width": 0}},
                             customdata=[[labels[i], labels[j]] for i, j in cells],
                             hovertemplate=t("generation.chart.hover_attention")), row=1, col=2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[0], y=[1], text=[""], mode="text", textposition="bottom right", textfont=SAMPLE_FONT,
                             hoverinfo="skip"), row=1, col=1)  # fmt: skip
    top = max(ln_v, max(c["val_loss"] for c in run["checkpoints"])) * 1.2
    fig.update_xaxes(visible=False, range=[0, 1], row=1, col=1)
    fig.update_yaxes(visible=False, range=[0, 1], row=1, col=1)
    fig.update_xaxes(range=[-20, last + 20], row=2, col=1)
    fig.update_yaxes(range=[0, top], title_text=t("generation.chart.loss_axis"), row=2, col=1)
    ticks = {"tickvals": list(range(n)), "ticktext": labels, "tickfont": {"size": 9}, "tickangle": 0,
             "range": [-0.5, n - 0.5], "showgrid": False, "zeroline": False}  # fmt: skip
    fig.update_xaxes(**ticks, row=1, col=2)
    fig.update_yaxes(**{**ticks, "range": [n - 0.5, -0.5]}, scaleanchor="x2", constrain="domain",
                     row=1, col=2)  # square cells, the first character on top  # fmt: skip
    fig.update_xaxes(constrain="domain", row=1, col=2)
    style(fig, "", "", "", height=HERO_HEIGHT)
    fig.update_layout(showlegend=False)
    return fig


def hero_label(point: dict, last: int) -> str:
    """A state's headline, shown as the in-figure slider's current value: the step and its losses."""
    return t("generation.chart.hero_frame", step=point["step"], last=last, train=f"{point['train_loss']:.2f}",
             val=f"{point['val_loss']:.2f}", ppl=f"{math.exp(point['val_loss']):.1f}")  # fmt: skip


def hero_template(run: dict, head: int, ln_v: float) -> dict:
    """Every checkpoint of the run: the sample written at that step (top left, lines kept), the losses up to
    it with the current point, and head `head` of the last layer attending over the fixed line. Only scatter
    traces change, so a drag skips the redraw; the state's numbers are the slider's current value."""
    labels = [for_plotly(show_char(c)) for c in run["attention_text"]]
    base = _hero_base(run, labels, ln_v)
    frames, points = [], run["checkpoints"]
    for i, point in enumerate(points):
        steps = [p["step"] for p in points[: i + 1]]
        train = {"x": steps, "y": [p["train_loss"] for p in points[: i + 1]]}
        val = {"x": steps, "y": [p["val_loss"] for p in points[: i + 1]]}
        marker = {"x": [point["step"]], "y": [point["val_loss"]]}
        cells = {"marker": {"color": [value for row in point["attention"][head] for value in row]}}
        sample = {"text": [sample_markup(point["sample"])]}
        frames.append(Frame([train, val, marker, cells, sample], ""))
    last = points[-1]["step"]
    spec = build_template(base, [0, 1, 2, 4, 5], frames, [hero_label(p, last) for p in points], "", redraw=False)
    slider = spec["layout"]["sliders"][0]
    slider["font"] = {"color": "rgba(0,0,0,0)"}  # 41 long labels would cover the rail: only the current one shows
    slider["currentvalue"] = {"font": {"size": 14, "color": "#31333F"}, "xanchor": "left"}
    spec["layout"]["margin"]["t"] = 40  # no title above: the headline is the slider's current value
    return spec


# --- The block, opened ---------------------------------------------------------------------------------
def stream_rows(n_layer: int) -> list[str]:
    rows = [t("generation.chart.row_embedding")]
    for layer in range(1, n_layer + 1):
        rows += [t("generation.chart.row_attention", layer=layer), t("generation.chart.row_mlp", layer=layer)]
    return rows


def stream_figure(trace: Trace, chars: str) -> go.Figure:
    """What each sub-layer adds to the residual stream at each position (the norm of its addition), with
    the stream's own norm after it in the hover; top to bottom in the order a character meets them."""
    n_layer, T = trace.attention.shape
    added = [trace.embedding] + [row for layer in range(n_layer) for row in (trace.attention[layer], trace.mlp[layer])]
    labels = [for_plotly(show_char(chars[i])) for i in trace.ids]
    rows = stream_rows(n_layer)
    custom = [[[labels[j], f"{trace.stream[r, j]:.1f}"] for j in range(T)] for r in range(len(rows))]
    fig = go.Figure(go.Heatmap(z=np.round(np.array(added), 2), x=list(range(T)), y=rows, customdata=custom,
                               colorscale="Blues", colorbar={"title": {"text": t("generation.chart.norm_bar")},
                                                             "thickness": 12},
                               hovertemplate=t("generation.chart.hover_stream")))  # fmt: skip
    fig.update_xaxes(tickvals=list(range(T)), ticktext=labels, tickangle=0, tickfont={"size": 10})
    fig.update_yaxes(autorange="reversed")
    style(fig, t("generation.chart.stream_title"), t("generation.chart.position_axis"), "", height=270)
    return fig


def parts_figure(parts: list[Part]) -> go.Figure:
    """The parameters by kind of part, the blocks' summed over their layers; each bar labelled."""
    order, counts = [], {}
    for part in parts:
        if part.name not in counts:
            order.append(part.name)
        counts[part.name] = counts.get(part.name, 0) + part.count
    layers = {part.name: sum(p.name == part.name for p in parts) for part in parts}
    names = [t(f"generation.parts.{n}") + (f" ×{layers[n]}" if layers[n] > 1 else "") for n in order]
    values = [counts[n] for n in order]
    fig = go.Figure(go.Bar(x=values, y=names, orientation="h", marker_color=COLORS["model"],
                           text=[f"{v:,}" for v in values], textposition="outside", cliponaxis=False,
                           hovertemplate=t("generation.chart.hover_part")))  # fmt: skip
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, max(values) * 1.3], tickformat="~s")
    style(fig, t("generation.chart.parts_title"), t("generation.chart.parts_axis"), "", height=330)
    return fig


# --- Decoding --------------------------------------------------------------------------------------------
def _paths(result: BeamResult) -> list[list[tuple[int, ...]]]:
    """Each node's new ids from the prompt on, step by step."""
    paths: list[list[tuple[int, ...]]] = []
    for s, nodes in enumerate(result.steps):
        paths.append([(paths[s - 1][n.parent] if s else ()) + (n.token,) for n in nodes])
    return paths


def beam_figure(result: BeamResult, chars: str, greedy_ids: tuple[int, ...]) -> go.Figure:
    """The search as a tree: at each step the candidates kept (rank top to bottom), joined to the beam they
    extend; the best text's branch in orange, greedy's characters circled; each branch's end labelled with
    its total log-probability."""
    paths, best = _paths(result), tuple(result.beams[0].ids)
    edges = {"x": [], "y": []}
    x, y, text, hover, colour, line = [], [], [], [], [], []
    ends_x, ends_y, ends_text = [], [], []
    for s, nodes in enumerate(result.steps):
        for i, node in enumerate(nodes):
            edges["x"] += [s, s + 1, None]
            edges["y"] += [0 if s == 0 else node.parent, i, None]
            path = paths[s][i]
            x.append(s + 1)
            y.append(i)
            text.append(for_plotly(show_char(chars[node.token])))
            hover.append(t("generation.chart.hover_node", text=for_plotly("".join(chars[c] for c in path)),
                           logp=f"{node.logp:.2f}"))  # fmt: skip
            colour.append(COLORS["model"] if best[: len(path)] == path else "#DDDDDD")
            line.append(COLORS["reference"] if greedy_ids[: len(path)] == path else "white")
            if node.finished or s + 1 == len(result.steps):  # a branch's end: its total log-probability
                ends_x.append(s + 1.5)
                ends_y.append(i)
                ends_text.append(f"{node.logp:.1f}")
    fig = go.Figure()
    fig.add_trace(go.Scatter(**edges, mode="lines", line={"color": COLORS["muted"], "width": 1}, hoverinfo="skip",
                             showlegend=False))  # fmt: skip
    root = {"size": 12, "color": COLORS["data"], "symbol": "square"}
    fig.add_trace(go.Scatter(x=[0], y=[0], mode="markers", marker=root, name=t("generation.chart.prompt_node"),
                             hoverinfo="skip"))  # fmt: skip
    fig.add_trace(go.Scatter(x=x, y=y, mode="markers+text", text=text, textfont={"size": 11, "color": "#1A1A1A"},
                             marker={"size": 17, "color": colour, "line": {"color": line, "width": 2}},
                             hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
                             name=t("generation.chart.best_node")))  # fmt: skip
    fig.add_trace(go.Scatter(x=ends_x, y=ends_y, mode="text", text=ends_text, textfont={"size": 11},
                             textposition="middle right", hoverinfo="skip", showlegend=False))  # fmt: skip
    steps = len(result.steps)
    fig.update_xaxes(range=[-0.6, steps + 3.2], dtick=5)
    fig.update_yaxes(autorange="reversed", showticklabels=False, showgrid=False, zeroline=False)
    height = 150 + 30 * max(len(nodes) for nodes in result.steps)
    title = t("generation.chart.beam_title", width=len(result.steps[-1]) if steps else 0)
    style(fig, title, t("generation.chart.beam_axis"), "", height=height)
    fig.update_layout(showlegend=False)
    return fig


def candidates_figure(chars: str, top: list[tuple[int, float]]) -> go.Figure:
    """The next character's most likely candidates, most likely on top."""
    labels = [f"{for_plotly(show_char(chars[i]))} " for i, _ in top]
    probs = [p for _, p in top]
    fig = go.Figure(go.Bar(x=probs, y=list(range(len(top))), orientation="h", marker_color=COLORS["model"],
                           text=[f"{p:.1%}" for p in probs], textposition="outside", cliponaxis=False,
                           hovertemplate=t("generation.chart.hover_candidate")))  # fmt: skip
    fig.update_yaxes(tickvals=list(range(len(top))), ticktext=labels, autorange="reversed", tickfont={"size": 15})
    fig.update_xaxes(range=[0, 1.15], tickformat=".0%")
    style(fig, t("generation.chart.candidates_title"), t("generation.chart.prob_axis"), "", height=240)
    return fig


# --- The cost of writing -----------------------------------------------------------------------------------
def cost_figure(contexts: list[int], cached: list[int], plain: list[int]) -> go.Figure:
    """Multiply-adds for one new character against the context's length, with and without the KV cache."""
    fig = go.Figure()
    lines = (("plain", plain, COLORS["model"], None), ("cached", cached, COLORS["reference"], "dash"))
    for name, values, color, dash in lines:
        fig.add_trace(go.Scatter(x=contexts, y=values, mode="lines", line={"color": color, "width": 3, "dash": dash},
                                 name=t(f"generation.chart.cost_{name}"),
                                 hovertemplate=t("generation.chart.hover_cost")))  # fmt: skip
    fig.update_yaxes(type="log", tickformat="~s")
    style(fig, t("generation.chart.cost_title"), t("generation.chart.context_axis"), t("generation.chart.macs_axis"),
          height=280)  # fmt: skip
    fig.update_layout(legend={"yanchor": "top", "y": 0.98, "xanchor": "left", "x": 0.02, "bgcolor": "rgba(0,0,0,0)"})
    return fig
