"""Figures for lesson 3, built from core.neural_networks' results."""

import numpy as np
import plotly.graph_objects as go

from core.neural_networks import X_RANGE, activate
from ui.figures import COLORS, style
from ui.i18n import t

POSITIVE, NEGATIVE = COLORS["data"], COLORS["model"]
RUN_COLORS = (COLORS["model"], COLORS["data"], COLORS["reference"], COLORS["accent"])


def _column_y(n: int) -> np.ndarray:
    """Vertical positions of n nodes, centred on 0, one unit apart, first node on top."""
    return (n - 1) / 2 - np.arange(n)


def fmt(v: float) -> str:
    """A number as the diagram and the arithmetic show it: up to 4 significant digits, true minus."""
    return f"{v:.4g}".replace("-", "−")


BAND_KEYS = ((False, False), (False, True), (True, False), (True, True))  # (positive, ours)


def _network_data(layers, node_values, edge_values=None, mask=None, selected=None, node_hover=None) -> dict:
    """The numbers a network diagram draws: band outlines, edge labels and node values.

    One band trace per (sign, source) always, empty when no edge has it (Plotly hides an empty
    trace and its legend entry), so the figure's structure never depends on the values.
    """
    edge_values = edge_values or [layer.W for layer in layers]
    biggest = max(float(np.max(np.abs(v))) for v in edge_values) or 1.0
    ys = [_column_y(len(values)) for values in node_values]
    keys = BAND_KEYS if mask is not None else BAND_KEYS[::2]
    bands = {key: ([], []) for key in keys}  # x and y of the band outlines, None between bands
    labels_x, labels_y, labels = [], [], []
    for n, values in enumerate(edge_values):
        for j in range(values.shape[0]):
            for i in range(values.shape[1]):
                v = float(values[j, i])
                ours = mask is not None and not mask[n].W[j, i]
                x0, y0, x1, y1 = n, ys[n][i], n + 1, ys[n + 1][j]
                h = 0.01 + 0.05 * abs(v) / biggest  # half the band's thickness
                bx, by = bands[(v >= 0, ours)]
                bx += [x0, x1, x1, x0, x0, None]
                by += [y0 - h, y1 - h, y1 + h, y0 + h, y0 - h, None]
                f = (0.2 if n == 0 else 0.3) * (j + 1)  # edges to different targets: labels at different x
                labels_x.append(x0 + f * (x1 - x0))
                labels_y.append(y0 + f * (y1 - y0))
                labels.append(fmt(v) + ("*" if ours else ""))
    flat = [(c, k) for c in range(len(node_values)) for k in range(len(node_values[c]))]
    is_selected = [selected == (c - 1, k) for c, k in flat]
    return {
        "bands": bands,
        "labels": (labels_x, labels_y, labels),
        "flat": flat,
        "node_x": [c for c, _ in flat],
        "node_y": [ys[c][k] for c, k in flat],
        "node_text": [fmt(float(node_values[c][k])) for c, k in flat],
        "node_color": ["#fff4d6" if s else "#f2f2f2" for s in is_selected],
        "node_line": [4 if s else 1.5 for s in is_selected],
        "hover": [node_hover[c][k] if node_hover else "" for c, k in flat],
    }


def network_figure(
    layers,
    node_values: list[np.ndarray],
    node_names: list[list[str]],
    title: str,
    mask=None,
    edge_values: list[np.ndarray] | None = None,
    selected: tuple[int, int] | None = None,
    node_hover: list[list[str]] | None = None,
) -> go.Figure:
    """The network as a diagram: a value in every node, a number on every edge.

    node_values[c] are the numbers of column c (inputs, hidden, outputs). Edges show each layer's
    W (or edge_values, e.g. gradients) as bands coloured by sign, thicker when larger; where `mask`
    says a weight is not the article's, the band is paler and its label starred. Few traces (one
    per colour and source) keep the figure fast to build; update_network_figure changes its values.
    """
    data = _network_data(layers, node_values, edge_values, mask, selected, node_hover)
    fig = go.Figure()
    for (positive, ours), (bx, by) in data["bands"].items():
        color = POSITIVE if positive else NEGATIVE
        name = t("neural_networks.chart.positive" if positive else "neural_networks.chart.negative")
        if mask is not None:
            name += " · " + t("neural_networks.chart.ours" if ours else "neural_networks.chart.article")
        fig.add_trace(
            go.Scatter(
                x=bx,
                y=by,
                fill="toself",
                mode="lines",
                line={"width": 0},
                fillcolor=color,
                opacity=0.35 if ours else 0.8,
                name=name,
                hoverinfo="skip",
            )
        )
    labels_x, labels_y, labels = data["labels"]
    fig.add_trace(
        go.Scatter(
            x=labels_x,
            y=labels_y,
            text=labels,
            mode="text",
            showlegend=False,
            hoverinfo="skip",
            textfont={"size": 11, "color": "#222", "shadow": "0 0 3px #fff, 0 0 3px #fff"},
        )
    )
    flat = data["flat"]
    fig.add_trace(
        go.Scatter(
            x=data["node_x"],
            y=data["node_y"],
            mode="markers+text",
            text=data["node_text"],
            textfont={"size": 12, "color": "#111"},
            marker={
                "size": 54,
                "color": data["node_color"],
                "line": {"width": data["node_line"], "color": COLORS["warning"]},
            },
            customdata=[[node_names[c][k], h] for (c, k), h in zip(flat, data["hover"])],
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=data["node_x"],
            y=[y - 0.37 for y in data["node_y"]],
            text=[node_names[c][k] for c, k in flat],
            mode="text",
            showlegend=False,
            hoverinfo="skip",
            textfont={"size": 12},
        )
    )
    fig.update_xaxes(visible=False, range=[-0.3, len(node_values) - 0.7])
    fig.update_yaxes(visible=False, range=[-2.2, 2.0])
    style(fig, title, "", "", height=480)
    fig.update_layout(legend={"y": -0.02, "yanchor": "top", "x": 0.5, "xanchor": "center"})
    return fig


def update_network_figure(
    fig: go.Figure,
    layers,
    node_values: list[np.ndarray],
    node_names: list[list[str]],
    mask=None,
    edge_values: list[np.ndarray] | None = None,
    selected: tuple[int, int] | None = None,
    node_hover: list[list[str]] | None = None,
) -> None:
    """Give a network_figure of the same network, names and title new values, in place."""
    data = _network_data(layers, node_values, edge_values, mask, selected, node_hover)
    n_bands = len(data["bands"])
    with fig.batch_update():
        for trace, (bx, by) in zip(fig.data[:n_bands], data["bands"].values()):
            trace.x, trace.y = bx, by
        labels = fig.data[n_bands]
        labels.x, labels.y, labels.text = data["labels"]
        nodes = fig.data[n_bands + 1]
        nodes.text = data["node_text"]
        nodes.marker.color = data["node_color"]
        nodes.marker.line.width = data["node_line"]
        nodes.customdata = [[node_names[c][k], h] for (c, k), h in zip(data["flat"], data["hover"])]


def activation_figure(activation: str, z_hidden: np.ndarray, names: list[str]) -> go.Figure:
    """The activation curve g(z), with where each hidden neuron's z lands on it."""
    z = np.linspace(-6, 6, 241)
    fig = go.Figure(
        go.Scatter(
            x=z,
            y=activate(z, activation),
            mode="lines",
            name=t(f"neural_networks.activation_names.{activation}"),
            line={"color": COLORS["model"], "width": 3},
            hovertemplate="z = %{x:.2f}<br>g(z) = %{y:.3f}<extra></extra>",
        )
    )
    shown = np.clip(z_hidden, -6, 6)
    fig.add_trace(
        go.Scatter(
            x=shown,
            y=activate(shown, activation),
            mode="markers+text",
            text=names,
            textposition="top center",
            name=t("neural_networks.chart.hidden_points"),
            marker={"size": 12, "color": COLORS["data"]},
            customdata=z_hidden,
            hovertemplate=t("neural_networks.chart.hover_hidden"),
        )
    )
    return style(fig, t("neural_networks.chart.activation_title"), "z", "g(z)", height=360)


def update_activation_figure(fig: go.Figure, activation: str, z_hidden: np.ndarray) -> None:
    """Move the hidden neurons' points of an activation_figure (same activation), in place."""
    shown = np.clip(z_hidden, -6, 6)
    with fig.batch_update():
        points = fig.data[1]
        points.x, points.y, points.customdata = shown, activate(shown, activation), z_hidden


def probabilities_figure(scores: np.ndarray, probs: np.ndarray, names: list[str]) -> go.Figure:
    """Each output's probability after softmax, labelled with the score it came from."""
    fig = go.Figure(
        go.Bar(
            x=names,
            y=probs,
            text=[f"{p:.3f}" for p in probs],
            textposition="outside",
            customdata=scores,
            marker={"color": [COLORS["reference"], COLORS["accent"]][: len(names)]},
            name=t("neural_networks.chart.probability"),
            hovertemplate=t("neural_networks.chart.hover_probability"),
        )
    )
    fig.update_yaxes(range=[0, 1.15])
    return style(
        fig,
        t("neural_networks.chart.softmax_title"),
        t("neural_networks.chart.output_axis"),
        t("neural_networks.chart.probability"),
        height=340,
    )


def update_probabilities_figure(fig: go.Figure, scores: np.ndarray, probs: np.ndarray) -> None:
    """New scores and probabilities for a probabilities_figure, in place."""
    with fig.batch_update():
        bars = fig.data[0]
        bars.y, bars.text, bars.customdata = probs, [f"{p:.3f}" for p in probs], scores


def fit_figure(x: np.ndarray, y: np.ndarray, runs: list) -> go.Figure:
    """The target points and the curve of each trained network."""
    fig = go.Figure(
        go.Scatter(
            x=x, y=y, mode="markers", name=t("neural_networks.chart.data"), marker={"size": 5, "color": COLORS["muted"]}
        )
    )
    for i, run in enumerate(runs):
        fig.add_trace(
            go.Scatter(
                x=run.x_grid,
                y=run.y_grid,
                mode="lines",
                name=run_name(run),
                line={"color": RUN_COLORS[i % len(RUN_COLORS)], "width": 2.5},
            )
        )
    fig.update_xaxes(range=list(X_RANGE))
    return style(fig, t("neural_networks.chart.fit_title"), "x", "y")


def loss_figure(runs: list) -> go.Figure:
    """Training loss per step for each run, on a log axis."""
    fig = go.Figure()
    for i, run in enumerate(runs):
        fig.add_trace(
            go.Scatter(
                y=run.loss_history_,
                mode="lines",
                name=run_name(run),
                line={"color": RUN_COLORS[i % len(RUN_COLORS)]},
                hovertemplate=t("neural_networks.chart.hover_loss"),
            )
        )
    fig.update_yaxes(type="log")
    return style(
        fig,
        t("neural_networks.chart.loss_title"),
        t("neural_networks.chart.step_axis"),
        t("neural_networks.chart.loss_axis"),
    )


def run_name(run) -> str:
    c = run.config
    return t("neural_networks.chart.run_name", depth=c.depth, width=c.width, params=run.n_params)


def gradient_norm_figure(norms: dict[str, np.ndarray]) -> go.Figure:
    """Per-layer gradient norms, layer 1 nearest the input, on a log axis."""
    colors = {"sigmoid": COLORS["model"], "relu": COLORS["data"], "tanh": COLORS["reference"]}
    fig = go.Figure()
    for name, values in norms.items():
        fig.add_trace(
            go.Scatter(
                x=np.arange(1, len(values) + 1),
                y=np.maximum(values, 1e-300),
                mode="lines+markers",
                name=t(f"neural_networks.activation_names.{name}"),
                line={"color": colors.get(name, COLORS["accent"])},
                hovertemplate=t("neural_networks.chart.hover_norm"),
            )
        )
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
