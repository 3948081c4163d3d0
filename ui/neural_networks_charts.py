"""Figures and formulas for lesson 3, built from core.neural_networks' results."""

from types import MappingProxyType

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import neural_networks as nnc
from ui.figures import COLORS, style
from ui.i18n import current_language, t
from ui.scrub import Frame, build_template

# The sign of a weight or gradient: the course's diverging pair (RdBu, as lesson 5's kernels), never
# the model's orange.
POSITIVE, NEGATIVE = "#B2182B", "#2166AC"
FILL = MappingProxyType({"input": "#f2f2f2", "on": "#fff1dc", "off": "#d9d9d9", "win": "#cdeedd", "lose": "#ffffff"})
RUN_COLORS = (COLORS["model"], COLORS["accent"], COLORS["warning"])  # deep, wide, the learner's
NEURON_DASHES = ("solid", "dash", "dot")
NODES, CAPTIONS, SWATCH, RING = 4, 5, 6, 7  # trace indices in a diagram (0-3: the edges)
FIXED = (0, 1, 2, 3, RING)  # what the weights (or gradients) and the selected neuron fix
SWATCH_MARKER = MappingProxyType({"size": 44, "symbol": "square"})
NODE_SIZE = 44  # px: the nodes of a column sit about 55 px apart in the hero


def fmt(v: float, digits: int = 4) -> str:
    """A number as the diagram shows it: up to 4 significant digits, a true minus sign."""
    return f"{v:.{digits}g}".replace("-", "−")


def _column_y(n: int) -> np.ndarray:
    """Vertical positions of n nodes, centred on 0, one unit apart, first node on top."""
    return (n - 1) / 2 - np.arange(n)


# --- The network diagram: bands for edges, circles for nodes ----------------------------------------
def _edge_data(edge_values: list[np.ndarray], names: list[list[str]], selected) -> list[dict]:
    """The FIXED traces of a diagram: band outlines by sign (positive, negative), an invisible hover
    point on every edge, the numbers on the selected neuron's incoming edges, and its ring."""
    biggest = max(float(np.max(np.abs(v))) for v in edge_values) or 1.0
    ys = [_column_y(len(column)) for column in names]
    bands = {True: ([], []), False: ([], [])}
    hover, labels = ([], [], []), ([], [], [])
    for n, values in enumerate(edge_values):
        for j in range(values.shape[0]):
            for i in range(values.shape[1]):
                v = float(values[j, i])
                x0, y0, x1, y1 = n, ys[n][i], n + 1, ys[n + 1][j]
                h = 0.012 + 0.05 * abs(v) / biggest  # half the band's thickness
                bx, by = bands[v >= 0]
                bx += [x0, x1, x1, x0, x0, None]
                by += [y0 - h, y1 - h, y1 + h, y0 + h, y0 - h, None]
                hover[0].append(x0 + 0.42 * (x1 - x0))
                hover[1].append(y0 + 0.42 * (y1 - y0))
                hover[2].append([f"{names[n][i]} → {names[n + 1][j]}", fmt(v)])
                if selected == (n, j):
                    labels[0].append(x0 + 0.3 * (x1 - x0))
                    labels[1].append(y0 + 0.3 * (y1 - y0))
                    labels[2].append(fmt(v))
    return [
        {"x": bands[True][0] or [None], "y": bands[True][1] or [None]},
        {"x": bands[False][0] or [None], "y": bands[False][1] or [None]},
        {"x": hover[0], "y": hover[1], "customdata": hover[2]},
        {"x": labels[0], "y": labels[1], "text": labels[2]},
        {"x": [selected[0] + 1] if selected else [], "y": [ys[selected[0] + 1][selected[1]]] if selected else []},
    ]


def _node_data(values: list[np.ndarray], hidden_on, winner: int | None, hover: list[str], digits: int = 4) -> dict:
    """The node trace's changing part: values, and fills (switched off, winner)."""
    flat = [(c, k) for c in range(len(values)) for k in range(len(values[c]))]
    fills = []
    for c, k in flat:
        if c == 0:
            fills.append(FILL["input"])
        elif c == 1:
            fills.append(FILL["on"] if hidden_on is None or hidden_on[k] else FILL["off"])
        else:
            fills.append(FILL["win"] if k == winner else FILL["lose"])
    return {
        "text": [fmt(float(values[c][k]), 4 if c == 0 else digits) for c, k in flat],  # inputs: always 4
        "marker": {"size": NODE_SIZE, "color": fills, "line": {"width": 1.5, "color": "#777"}},
        "customdata": hover,
    }


def _captions(names: list[list[str]], probs=None, winner: int | None = None) -> list[str]:
    """Every node's name; the outputs with their probability, a tick on the winner."""
    outputs = [
        name if probs is None else f"{'✓ ' if k == winner else ''}{name} {probs[k]:.0%}"
        for k, name in enumerate(names[2])
    ]
    return [*names[0], *names[1], *outputs]


def diagram(names: list[list[str]], legend: tuple[str, str]) -> go.Figure:
    """The base of both diagrams, values to come: two band traces (legend: the sign), the edges'
    hover points, edge numbers, nodes, captions (inputs left, outputs right) and a colour swatch."""
    last = len(names) - 1
    node_x = [c for c, column in enumerate(names) for _ in column]
    node_y = [y for column in names for y in _column_y(len(column))]
    fig = go.Figure()
    for color, name in zip((POSITIVE, NEGATIVE), legend):
        fig.add_scatter(
            fill="toself", mode="lines", line={"width": 0}, fillcolor=color, opacity=0.75, name=name, hoverinfo="skip"
        )
    fig.add_scatter(
        mode="markers",
        marker={"size": 16, "opacity": 0},
        showlegend=False,
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
    )
    fig.add_scatter(
        mode="text",
        showlegend=False,
        hoverinfo="skip",
        textfont={"size": 13, "color": "#111", "shadow": "0 0 3px #fff, 0 0 3px #fff"},
    )
    fig.add_scatter(
        x=node_x,
        y=node_y,
        mode="markers+text",
        textfont={"size": 12, "color": "#111"},
        showlegend=False,
        hovertemplate="%{customdata}<extra></extra>",
    )
    fig.add_scatter(
        x=[x - 0.22 if x == 0 else x + 0.22 if x == last else x for x in node_x],
        y=[y if x in (0, last) else y - 0.33 for x, y in zip(node_x, node_y)],
        textposition=["middle left" if x == 0 else "middle right" if x == last else "bottom center" for x in node_x],
        mode="text",
        showlegend=False,
        hoverinfo="skip",
        textfont={"size": 13, "color": "#333", "shadow": "0 0 3px #fff, 0 0 3px #fff"},
    )
    fig.add_scatter(
        x=[-1.4],
        y=[0],
        mode="markers",
        showlegend=False,
        hoverinfo="skip",
        marker={**SWATCH_MARKER, "color": "rgba(0,0,0,0)"},
    )
    ring = {"size": NODE_SIZE + 8, "color": "rgba(0,0,0,0)", "line": {"width": 4, "color": COLORS["warning"]}}
    fig.add_scatter(mode="markers", marker=ring, showlegend=False, hoverinfo="skip")
    fig.update_xaxes(visible=False, range=[-1.62, last + 0.85])
    fig.update_yaxes(visible=False, range=[-1.9, 1.85])
    style(fig, "", "", "", height=460)
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0.0})
    return fig


def _apply(fig: go.Figure, indices, data: list[dict]) -> None:
    for index, values in zip(indices, data):
        fig.data[index].update(values)


def _hero_frame(sweep: nnc.Sweep, m: int, activation: str, names, colour: bool) -> list[dict]:
    """Nodes, captions and swatch for the sweep's m-th input."""
    fwd = sweep.fwd
    x, z, a, s = fwd.x[m], fwd.zs[0][m], fwd.activations[0][m], fwd.out[m]
    hover = [f"{n}<br>{fmt(v)}" for n, v in zip(names[0], x)]
    hover += [f"{n}<br>z = {fmt(zk)}<br>a = {fmt(ak)}" for n, zk, ak in zip(names[1], z, a)]
    hover += [f"{n}<br>{t('neural_networks.chart.score')} {fmt(sk)}" for n, sk in zip(names[2], s)]
    winner = int(sweep.winners[m])
    r, g, b = (int(round(min(max(v, 0.0), 255.0))) for v in x[:3])
    swatch = f"rgb({r},{g},{b})" if colour else "rgba(0,0,0,0)"
    return [
        _node_data([x, a, s], a != 0 if activation == "relu" else None, winner, hover),
        {"text": _captions(names, sweep.probs[m], winner)},
        {"marker": {**SWATCH_MARKER, "color": swatch, "line": {"width": 1 if colour else 0, "color": "#555"}}},
    ]


def hero_template(sweep: nnc.Sweep, layers, index: int, activation: str, names, selected, colour: bool) -> dict:
    """The leaf network at every value of input `index` (core's sweep), one frame each: node values,
    switched-off hidden neurons grey, the winning output green with its probability, and (`colour`)
    the colour that R, G and B make, left of the inputs. The edges show the weights, fixed."""
    fig = diagram(names, (t("neural_networks.chart.positive"), t("neural_networks.chart.negative")))
    _apply(fig, FIXED, _edge_data([layer.W for layer in layers], names, selected))
    frames = []
    for m, value in enumerate(sweep.values):
        p, winner = sweep.probs[m], names[2][int(sweep.winners[m])]
        title = t(
            "neural_networks.chart.hero_frame",
            name=names[0][index],
            value=f"{value:g}",
            first=names[2][0],
            p1=f"{p[0]:.0%}",
            second=names[2][1],
            p2=f"{p[1]:.0%}",
            winner=winner,
        )
        frames.append(Frame(_hero_frame(sweep, m, activation, names, colour), title))
    _apply(fig, (NODES, CAPTIONS, SWATCH), frames[0].data)
    labels = [f"{v:g}" for v in sweep.values]
    return build_template(fig, [NODES, CAPTIONS, SWATCH], frames, labels, f"{names[0][index]} = ")


def backward_figure(x, step: nnc.BackpropStep, names, selected) -> go.Figure:
    """The backward pass on the same diagram: the input in the input nodes, δ = ∂L/∂z in the others,
    ∂L/∂w on the edges (each is the δ of its neuron times the value it reads)."""
    fig = diagram(names, (t("neural_networks.chart.positive_grad"), t("neural_networks.chart.negative_grad")))
    fig.update_layout(title={"text": t("neural_networks.chart.gradient_title")}, height=320, margin={"t": 60})
    fig.update_yaxes(range=[-1.95, 1.95])
    update_backward_figure(fig, x, step, names, selected)
    return fig


def update_backward_figure(fig: go.Figure, x, step: nnc.BackpropStep, names, selected) -> None:
    """New gradients (same names, same selection) for a backward_figure, in place."""
    hover = [f"{n}<br>{fmt(v)}" for n, v in zip(names[0], x)]
    hover += [f"{n}<br>δ = {fmt(d)}" for n, d in zip(names[1] + names[2], [*step.deltas[0], *step.deltas[1]])]
    values = [np.asarray(x, dtype=float), step.deltas[0], step.deltas[1]]
    nodes = _node_data(values, None, None, hover, digits=2)  # two digits fit a node; hover has four
    with fig.batch_update():
        _apply(fig, FIXED, _edge_data([g.W for g in step.grads], names, selected))
        _apply(fig, (NODES, CAPTIONS), [nodes, {"text": _captions(names)}])


# --- One neuron and its activation --------------------------------------------------------------------
def _activation_points(z: np.ndarray, selected: int | None, activation: str) -> dict:
    """The hidden neurons' points at z on the curve g: where they sit, labels placed, the selected ringed."""
    shown = np.clip(z, -6, 6)
    order = np.argsort(shown)  # neighbours' labels go to opposite sides, so close points stay readable
    positions = [""] * len(z)
    for rank, k in enumerate(order):
        positions[k] = "top left" if rank % 2 == 0 else "bottom right"
    return {
        "x": shown.tolist(),
        "y": nnc.activate(shown, activation).tolist(),
        "customdata": z.tolist(),
        "textposition": positions,
        "marker": {
            "size": [16 if k == selected else 11 for k in range(len(z))],
            "line": {"width": [3 if k == selected else 0 for k in range(len(z))], "color": COLORS["warning"]},
        },
    }


def activation_figure(activation: str, z_hidden: np.ndarray, names: list[str], selected: int | None) -> go.Figure:
    """The activation curve g(z), and where each hidden neuron's z lands on it (the selected one ringed)."""
    z = np.linspace(-6, 6, 241)
    name = t(f"neural_networks.activation_names.{activation}")
    fig = go.Figure(
        go.Scatter(
            x=z,
            y=nnc.activate(z, activation),
            mode="lines",
            name=name,
            line={"color": COLORS["model"], "width": 3},
            hovertemplate="z = %{x:.2f}<br>g(z) = %{y:.3f}<extra></extra>",
        )
    )
    fig.add_scatter(
        mode="markers+text",
        text=names,
        name=t("neural_networks.chart.hidden_points"),
        marker={"color": COLORS["data"]},
        hovertemplate=t("neural_networks.chart.hover_hidden"),
    )
    update_activation_figure(fig, activation, z_hidden, selected)
    fig.update_xaxes(range=[-6.5, 6.5])
    style(fig, t("neural_networks.chart.activation_title"), "z", "g(z)", height=270)
    fig.update_layout(legend={"orientation": "v", "yanchor": "top", "y": 0.98, "xanchor": "left", "x": 0.02})
    return fig


def activation_template(activation: str, zs: np.ndarray, names: list[str], selected: int | None) -> dict:
    """activation_figure at every state of the hero's input, for ui/scrub.py: frame i puts the hidden
    neurons' points at zs[i] (states × 3). Scatter traces only, so a jump skips Plotly's redraw. Its own
    slider is hidden: the hero's input moves it."""
    fig = activation_figure(activation, zs[0], names, selected)
    frames = []
    for z in np.asarray(zs, dtype=float):
        points = _activation_points(z, selected, activation)
        frames.append(Frame([{key: points[key] for key in ("x", "y", "customdata", "textposition")}], ""))
    labels = [str(i) for i in range(len(frames))]
    return build_template(fig, [1], frames, labels, "", redraw=False, slider=False)


def update_activation_figure(fig: go.Figure, activation: str, z_hidden: np.ndarray, selected: int | None) -> None:
    """Move the hidden neurons' points of an activation_figure (same activation), in place."""
    fig.data[1].update(_activation_points(np.asarray(z_hidden, dtype=float), selected, activation))


# --- Starting weights ------------------------------------------------------------------------------------
def symmetry_figure(runs: list[nnc.SymmetryRun], names: list[str]) -> go.Figure:
    """For each start, the data, what the trained network draws, and what each hidden neuron computes."""
    titles = [
        t(f"neural_networks.chart.symmetry_{run.start}", loss=f"{run.loss:.3f}", spread=f"{run.spread:.2g}")
        for run in runs
    ]
    fig = make_subplots(rows=1, cols=len(runs), subplot_titles=titles, shared_yaxes=True, horizontal_spacing=0.06)
    grid = np.linspace(*nnc.X_RANGE, 121)
    for col, run in enumerate(runs, start=1):
        first = col == 1
        fig.add_scatter(
            x=run.x[::4],
            y=run.y[::4],
            mode="markers",
            name=t("neural_networks.chart.data"),
            marker={"size": 5, "color": COLORS["data"]},
            showlegend=first,
            row=1,
            col=col,
        )
        fwd = nnc.forward(run.layers, grid[:, None], "tanh")
        for k, name in enumerate(names):
            fig.add_scatter(
                x=grid,
                y=fwd.activations[0][:, k],
                mode="lines",
                name=name,
                showlegend=first,
                line={"color": COLORS["muted"], "dash": NEURON_DASHES[k], "width": 2},
                row=1,
                col=col,
            )
        fig.add_scatter(
            x=grid,
            y=fwd.out[:, 0],
            mode="lines",
            name=t("neural_networks.chart.network_output"),
            line={"color": COLORS["model"], "width": 3},
            showlegend=first,
            row=1,
            col=col,
        )
    style(fig, t("neural_networks.chart.symmetry_title"), "x", "y", height=360)
    fig.update_annotations(font={"size": 13})
    return fig


def gradient_norm_figure(norms: dict[str, np.ndarray]) -> go.Figure:
    """Per-layer gradient norms, layer 1 nearest the input, on a log axis."""
    colors = {"sigmoid": COLORS["model"], "relu": COLORS["data"], "tanh": COLORS["reference"]}
    fig = go.Figure()
    for name in norms:
        fig.add_scatter(
            mode="lines+markers",
            name=t(f"neural_networks.activation_names.{name}"),
            line={"color": colors.get(name, COLORS["accent"])},
            hovertemplate=t("neural_networks.chart.hover_norm"),
        )
    update_gradient_norm_figure(fig, norms)
    fig.update_yaxes(type="log", exponentformat="power")
    return style(
        fig,
        t("neural_networks.chart.norm_title"),
        t("neural_networks.chart.layer_axis"),
        t("neural_networks.chart.norm_axis"),
    )


def update_gradient_norm_figure(fig: go.Figure, norms: dict[str, np.ndarray]) -> None:
    """New norms (same activations, any depth) for a gradient_norm_figure, in place."""
    with fig.batch_update():
        for trace, values in zip(fig.data, norms.values()):
            trace.x, trace.y = np.arange(1, len(values) + 1), np.maximum(values, 1e-300)


# --- Deep and thin, or wide and shallow: a training run replayed ----------------------------------------
def run_name(run: nnc.FitResult) -> str:
    c = run.config
    return t("neural_networks.chart.run_name", depth=c.depth, width=c.width, params=run.n_params)


def fit_template(x, y, runs: list[nnc.FitResult]) -> dict:
    """Every kept state of the runs (they share their steps): each network's curve over the data
    (left) and where it is on its loss curve (right, log scale)."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.09)
    fig.add_scatter(
        x=x,
        y=y,
        mode="markers",
        name=t("neural_networks.chart.data"),
        marker={"size": 4, "color": COLORS["data"]},
        row=1,
        col=1,
    )
    for run, color in zip(runs, RUN_COLORS):
        fig.add_scatter(
            x=run.x_grid,
            y=run.snapshots_[0],
            mode="lines",
            name=run_name(run),
            line={"color": color, "width": 3},
            row=1,
            col=1,
        )
    for run, color in zip(runs, RUN_COLORS):
        fig.add_scatter(
            y=run.loss_history_,
            mode="lines",
            line={"color": color, "width": 1.5},
            showlegend=False,
            hovertemplate=t("neural_networks.chart.hover_loss"),
            row=1,
            col=2,
        )
    for color in RUN_COLORS[: len(runs)]:
        fig.add_scatter(
            mode="markers",
            marker={"size": 11, "color": color, "line": {"width": 2, "color": "white"}},
            showlegend=False,
            hoverinfo="skip",
            row=1,
            col=2,
        )
    style(fig, "", "x", "y", height=430)
    fig.update_xaxes(title_text=t("neural_networks.chart.step_axis"), row=1, col=2)
    fig.update_yaxes(title_text=t("neural_networks.chart.loss_axis"), type="log", exponentformat="power", row=1, col=2)
    fig.update_yaxes(range=[float(np.min(y)) - 0.6, float(np.max(y)) + 0.6], row=1, col=1)
    steps = max(runs, key=lambda r: len(r.snapshot_steps_)).snapshot_steps_
    curves = [1 + k for k in range(len(runs))]
    markers = [1 + 2 * len(runs) + k for k in range(len(runs))]
    frames = []
    for i, step in enumerate(steps):
        kept = [min(i, len(run.snapshots_) - 1) for run in runs]  # a run that diverged stays at its last
        data = [{"y": run.snapshots_[k].tolist()} for run, k in zip(runs, kept)]
        data += [{"x": [run.snapshot_steps_[k]], "y": [run.snapshot_losses_[k]]} for run, k in zip(runs, kept)]
        losses = " · ".join(f"{run_name(run)}: {run.snapshot_losses_[k]:.3g}" for run, k in zip(runs, kept))
        frames.append(Frame(data, t("neural_networks.chart.fit_frame", step=step, losses=losses)))
    _apply(fig, curves + markers, frames[0].data)
    return build_template(fig, curves + markers, frames, [str(s) for s in steps], t("neural_networks.chart.fit_prefix"))


# --- Formulas -------------------------------------------------------------------------------------------
def num(v: float) -> str:
    """A number for the arithmetic: two decimals when that is exact (the article's 0.10), else 6 digits."""
    return f"{v:.2f}" if abs(v * 100 - round(v * 100)) < 1e-9 else f"{v:.6g}"


def _term(a: float, w: float) -> str:
    return rf"{a:g}\cdot{num(w) if w >= 0 else '(' + num(w) + ')'}"


def vec(v) -> str:
    return r"\begin{pmatrix}" + r"\\".join(f"{e:.4f}" for e in v) + r"\end{pmatrix}"


def neuron_latex(s: nnc.NodeSum, activation: str | None) -> str:
    """The neuron's arithmetic, aligned: the weighted sum, plus the bias, then the activation."""
    terms = [_term(a, w) for a, w in zip(s.inputs, s.weights)]
    half = (len(terms) + 1) // 2
    lines = [
        rf"\textstyle\sum_i w_i a_i &= {' + '.join(terms[:half])}",
        rf"&\quad + {' + '.join(terms[half:])}",
        rf"&= {s.weighted_sum:.6g} \approx {round(s.weighted_sum, 2):g}",
        rf"z = \textstyle\sum_i w_i a_i + b &= {s.weighted_sum:.6g} + ({num(s.bias)})",
        rf"&= {s.z:.6g} \approx {round(s.z, 2):g}",
    ]
    if activation == "none":
        lines.append(rf"a &= z = {s.a:.6g}")
    elif activation is not None:
        name = t(f"neural_networks.activation_names.{activation}")
        lines.append(rf"a = \mathrm{{{name}}}(z) &= \mathrm{{{name}}}({s.z:.6g}) = {s.a:.6g}")
    return r"\begin{aligned}" + r"\\".join(lines) + r"\end{aligned}"


def matrix_latex(single: nnc.Layer) -> str:
    rows = r"\\".join(" & ".join(f"{v:.4f}" for v in row) for row in single.W)
    return rf"W = W_2 W_1 = \begin{{pmatrix}}{rows}\end{{pmatrix}},\quad b = W_2 b_1 + b_2 = {vec(single.b)}"


def chain_latex(layers, step: nnc.BackpropStep, z_hidden, activation: str) -> list[str]:
    """δ of the output layer, then δ of the hidden layer reusing it."""
    d1, d2 = step.deltas
    slopes = nnc.activation_grad(z_hidden, activation)
    return [
        rf"\delta_2 = \frac{{\partial L}}{{\partial s}} = p - y = {vec(d2)},\qquad"
        r"\frac{\partial L}{\partial W_2} = \delta_2\, a_1^\top",
        rf"\delta_1 = (W_2^\top \delta_2) \odot g'(z_1) = {vec(layers[1].W.T @ d2)} \odot {vec(slopes)} = {vec(d1)},"
        r"\qquad \frac{\partial L}{\partial W_1} = \delta_1\, x^\top",
    ]


def softmax_latex(scores: np.ndarray, probs: np.ndarray) -> str:
    s1, s2 = (f"{v:.4f}" for v in scores)
    general = r"p_i = \frac{e^{s_i}}{\sum_j e^{s_j}}"
    return rf"{general}:\qquad e^{{{s1}}} / (e^{{{s1}}} + e^{{{s2}}}) = {probs[0]:.4f}"


# --- Tables and sentences that quote core's numbers ----------------------------------------------------------
def neuron_name(node: tuple[int, int], names: list[list[str]]) -> str:
    """A neuron's name in the text: "hidden neuron 2", or the output's name."""
    layer, k = node
    return t("neural_networks.hidden_name", number=k + 1) if layer == 0 else names[2][k]


def collapse_table(check: nnc.CollapseCheck, outputs: list[str]) -> pd.DataFrame:
    columns = [t("neural_networks.network_column"), t("neural_networks.single_column")]
    return pd.DataFrame({columns[0]: check.network, columns[1]: check.linear}, index=outputs)


def gradient_frame(rows: list[nnc.GradientRow], names: list[list[str]]) -> pd.DataFrame:
    """core.gradient_table's rows, each parameter named by the neurons it joins."""

    def parameter(r: nnc.GradientRow) -> str:
        to = neuron_name((r.layer, r.neuron), names)
        if r.source == nnc.BIAS:
            return t("neural_networks.bias_of", name=to)
        return f"{names[0][r.source] if r.layer == 0 else neuron_name((0, r.source), names)} → {to}"

    columns = [
        t(f"neural_networks.grad_columns.{c}") for c in ("parameter", "value", "gradient", "autograd", "new_value")
    ]
    return pd.DataFrame([(parameter(r), r.value, r.grad, r.autograd, r.new_value) for r in rows], columns=columns)


def sweep_story(sweep: nnc.Sweep, names: list[list[str]], activation: str, index: int) -> str:
    """What the whole scrub shows, true whatever state is on screen: where the answer changes, and
    where ReLU switches hidden neurons on or off."""
    name, comma = names[0][index], t("neural_networks.list_sep")
    start = names[2][int(sweep.winners[0])]
    changes = sweep.winner_changes()
    flips = comma.join(t("neural_networks.at_value", value=f"{v:g}", winner=names[2][w]) for v, w in changes)
    story = [
        t("neural_networks.hero_flips", name=name, start=start, flips=flips)
        if changes
        else t("neural_networks.hero_no_flip", name=name, winner=start)
    ]
    for k in range(3) if activation == "relu" else ():
        moves, neuron = sweep.hidden_changes(k), neuron_name((0, k), names)
        neuron = neuron[:1].upper() + neuron[1:]  # it starts a sentence
        if moves:
            parts = [t(f"neural_networks.switch_{'on' if on else 'off'}", value=f"{v:g}") for v, on in moves]
            story.append(t("neural_networks.hidden_switches", neuron=neuron, moves=comma.join(parts)))
        elif not sweep.fwd.activations[0][0, k]:
            story.append(t("neural_networks.hidden_stays_off", neuron=neuron))
    return ("" if current_language() == "zh" else " ").join(story)
