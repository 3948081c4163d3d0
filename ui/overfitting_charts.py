"""Figures for lesson 4, built from core.overfitting's and core.mlp's results."""

import numpy as np
import plotly.graph_objects as go

from core.overfitting import MAX_DISTANCE, DegreeSweep, PolyFit, true_price
from ui.figures import COLORS, style
from ui.i18n import t
from ui.literal import for_plotly

CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")  # Okabe-Ito, one per class
PRICE_RANGE = (0.0, 13.0)  # keep the axis readable when an overfitted curve shoots off
FIT_GRID = np.linspace(0.0, MAX_DISTANCE, 200)  # where curves are drawn: smooth up to degree 15, light to redraw


def _fixed_margins(fig: go.Figure, left: int = 64, bottom: int = 120) -> go.Figure:
    """Margins set once, with room for tick labels, axis titles and the legend below the plot.

    Plotly otherwise measures the labels and legend after a first draw, widens the margins and
    draws the whole chart a second time: every slider move redraws these charts from scratch.
    """
    fig.update_xaxes(automargin=False)
    fig.update_yaxes(automargin=False)
    fig.update_layout(margin={"l": left, "r": 10, "t": 50, "b": bottom})
    return fig


def _houses(x, y, name: str, color: str, size: int, opacity: float = 1.0) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=name,
        marker={"size": size, "color": color, "opacity": opacity},
        hovertemplate=t("overfitting.chart.hover_house"),
    )


def poly_fit_figure(x, y, augmented, x_test, y_test, fit: PolyFit) -> go.Figure:
    """The training houses (and augmented copies), the unseen houses, the true curve and the fit."""
    grid = FIT_GRID
    fig = go.Figure()
    fig.add_trace(_houses(x_test, y_test, t("overfitting.chart.test_houses"), COLORS["muted"], 5, 0.45))
    if augmented is not None:
        fig.add_trace(_houses(*augmented, t("overfitting.chart.copies"), COLORS["accent"], 5, 0.5))
    fig.add_trace(_houses(x, y, t("overfitting.chart.train_houses"), COLORS["data"], 10))
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=true_price(grid),
            mode="lines",
            name=t("overfitting.chart.true_curve"),
            line={"color": COLORS["reference"], "dash": "dash"},
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=_fit_values(fit),
            mode="lines",
            name=t("overfitting.chart.fit", degree=fit.degree),
            line={"color": COLORS["model"], "width": 3},
            hovertemplate=t("overfitting.chart.hover_fit"),
        )
    )
    fig.update_yaxes(range=PRICE_RANGE)
    style(
        fig, t("overfitting.chart.fit_title"), t("overfitting.chart.distance_axis"), t("overfitting.chart.price_axis")
    )
    return _fixed_margins(fig)


def _fit_values(fit: PolyFit) -> np.ndarray:
    return np.clip(fit.predict(FIT_GRID), -1e3, 1e3)


def update_poly_fit_figure(fig: go.Figure, fit: PolyFit) -> None:
    """Show another fit (another degree) in a poly_fit_figure, in place: its curve is the last trace."""
    fig.data[-1].y = _fit_values(fit)
    fig.data[-1].name = t("overfitting.chart.fit", degree=fit.degree)


def u_curve_figure(sweep: DegreeSweep, degree: int) -> go.Figure:
    """Train and test error over the degree (log axis), the chosen degree and the best one marked."""
    fig = go.Figure()
    for values, name, color in (
        (sweep.train_mse, t("overfitting.chart.train_error"), COLORS["data"]),
        (sweep.test_mse, t("overfitting.chart.test_error"), COLORS["model"]),
    ):
        fig.add_trace(
            go.Scatter(
                x=sweep.degrees,
                y=np.maximum(values, 1e-4),  # an exact fit has error 0, which a log axis cannot show
                mode="lines+markers",
                name=name,
                line={"color": color},
                hovertemplate=t("overfitting.chart.hover_error"),
            )
        )
    fig.add_vline(x=degree, line={"color": COLORS["muted"], "dash": "dot"})
    best = sweep.best_degree
    fig.add_trace(
        go.Scatter(
            x=[best],
            y=[sweep.test_mse[best - 1]],
            mode="markers",
            name=t("overfitting.chart.best_degree", degree=best),
            marker={"symbol": "star", "size": 16, "color": COLORS["warning"], "line": {"width": 1, "color": "#333"}},
            hovertemplate=t("overfitting.chart.hover_error"),
        )
    )
    fig.update_yaxes(type="log")
    style(fig, t("overfitting.chart.u_title"), t("overfitting.chart.degree_axis"), t("overfitting.chart.error_axis"))
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.2, "xanchor": "left", "x": 0.0})
    return _fixed_margins(fig, left=70)


def update_u_curve_figure(fig: go.Figure, degree: int) -> None:
    """Move the chosen-degree marker line of a u_curve_figure, in place."""
    shape = fig.layout.shapes[0]
    shape.x0 = shape.x1 = degree


def _coef_data(fit: PolyFit) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Coefficient numbers, the ones that are exactly zero, and a symmetric y range."""
    j = np.arange(1, fit.degree + 1)
    big = float(np.max(np.abs(fit.w))) if fit.degree else 1.0
    return j, j[fit.w == 0], [-1.1 * max(big, 1e-3), 1.1 * max(big, 1e-3)]


def update_coef_figure(fig: go.Figure, fit: PolyFit) -> None:
    """Show another fit's coefficients in a coef_figure, in place."""
    j, zeros, y_range = _coef_data(fit)
    # Plain assignments: a batch_update that touches the layout costs more than the whole rest.
    fig.data[0].x, fig.data[0].y = j, fit.w
    fig.data[1].x, fig.data[1].y = zeros, np.zeros(len(zeros))
    fig.layout.yaxis.range = y_range


def coef_figure(fit: PolyFit) -> go.Figure:
    """One bar per coefficient; the exact zeros (L1's work) marked with a cross on the axis."""
    j, zeros, y_range = _coef_data(fit)
    fig = go.Figure(
        go.Bar(
            x=j,
            y=fit.w,
            name=t("overfitting.chart.coefficients"),
            marker={"color": COLORS["model"]},
            hovertemplate=t("overfitting.chart.hover_coef"),
        )
    )
    fig.add_trace(
        go.Scatter(
            x=zeros,
            y=np.zeros(len(zeros)),
            mode="markers",
            name=t("overfitting.chart.zeros"),
            marker={"symbol": "x", "size": 10, "color": COLORS["reference"]},
            hovertemplate=t("overfitting.chart.hover_zero"),
        )
    )
    fig.update_yaxes(type="linear", range=y_range)
    fig.update_xaxes(dtick=1)
    style(fig, t("overfitting.chart.coef_title"), t("overfitting.chart.coef_axis"), t("overfitting.chart.weight_axis"))
    return _fixed_margins(fig, left=72)


def _points(X, y, names, train: bool) -> list[go.Scatter]:
    traces = []
    for c, name in enumerate(names):
        mask = y == c
        key = "overfitting.chart.train_points" if train else "overfitting.chart.val_points"
        label = t(key, name=for_plotly(name))  # a class name may come from the learner's CSV
        traces.append(
            go.Scatter(
                x=X[mask, 0],
                y=X[mask, 1],
                mode="markers",
                name=label,
                legendgroup=str(c),
                marker={
                    "size": 7 if train else 8,
                    "color": CLASS_COLORS[c] if train else "rgba(0,0,0,0)",
                    "symbol": "circle" if train else "diamond",
                    "line": {"width": 1.5 if not train else 0.5, "color": CLASS_COLORS[c] if not train else "white"},
                },
                hovertemplate=label + ": (%{x:.2f}, %{y:.2f})<extra></extra>",
            )
        )
    return traces


def data_figure(split, names, title: str) -> go.Figure:
    """The training points (filled) and validation points (hollow), coloured by class."""
    X_train, y_train, X_val, y_val = split
    fig = go.Figure(_points(X_train, y_train, names, True) + _points(X_val, y_val, names, False))
    return _square(style(fig, title, "x₁", "x₂", height=460))


def _square(fig: go.Figure) -> go.Figure:
    """Equal units on both axes (a circle looks round), the legend under the plot, out of the title's way."""
    fig.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    fig.update_xaxes(constrain="domain")
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0.0})
    return fig


def boundary_figure(grid, split, names, title: str) -> go.Figure:
    """The network's predicted class over the plane (shaded by its confidence) with the points."""
    xs, ys, probs = grid  # (R,), (R,), (R, R, C)
    winner = probs.argmax(axis=2)  # (R, R)
    confidence = probs.max(axis=2)  # (R, R) between 1/C and 1
    k = len(names)
    # Map (class, confidence) to one number so a single heatmap can shade each class light to dark.
    z = winner + (confidence - 1 / k) / (1 - 1 / k) * 0.999  # class c occupies [c, c + 1)
    scale = []
    for c in range(k):
        lo, hi = c / k, 1.0 if c == k - 1 else (c + 1) / k - 1e-6
        scale += [[lo, _tint(CLASS_COLORS[c], 0.85)], [hi, _tint(CLASS_COLORS[c], 0.35)]]
    fig = go.Figure(
        go.Heatmap(
            x=xs,
            y=ys,
            z=z,
            zmin=0,
            zmax=k,
            colorscale=scale,
            showscale=False,
            customdata=confidence,
            hovertemplate=t("overfitting.chart.hover_map"),
            name="",
        )
    )
    fig.add_traces(_points(split[0], split[1], names, True) + _points(split[2], split[3], names, False))
    fig.update_yaxes(range=[float(ys[0]), float(ys[-1])])
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])])
    return _square(style(fig, title, "x₁", "x₂", height=460))


def _tint(hex_color: str, white: float) -> str:
    """The colour mixed with a share `white` of white."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(v + (255 - v) * white) for v in rgb]
    return f"rgb({mixed[0]},{mixed[1]},{mixed[2]})"


def loss_figure(train_loss, val_loss, best_epoch: int, title: str) -> go.Figure:
    """Training and validation cross-entropy by epoch, the best validation epoch marked."""
    epochs = np.arange(1, len(train_loss) + 1)
    fig = go.Figure()
    for values, name, color in (
        (train_loss, t("overfitting.chart.train_loss"), COLORS["data"]),
        (val_loss, t("overfitting.chart.val_loss"), COLORS["model"]),
    ):
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=values,
                mode="lines",
                name=name,
                line={"color": color},
                hovertemplate=t("overfitting.chart.hover_loss"),
            )
        )
    if best_epoch:
        fig.add_trace(
            go.Scatter(
                x=[best_epoch],
                y=[val_loss[best_epoch - 1]],
                mode="markers",
                name=t("overfitting.chart.best_epoch", epoch=best_epoch),
                marker={
                    "symbol": "star",
                    "size": 15,
                    "color": COLORS["warning"],
                    "line": {"width": 1, "color": "#333"},
                },
                hovertemplate=t("overfitting.chart.hover_loss"),
            )
        )
        fig.add_vline(x=best_epoch, line={"color": COLORS["warning"], "dash": "dot"})
    return style(fig, title, t("overfitting.chart.epoch_axis"), t("overfitting.chart.loss_axis"), height=320)
