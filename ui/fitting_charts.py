"""Figures for lesson 1, built from core.fitting's results."""

import numpy as np
import plotly.graph_objects as go

from core.fitting import NEW_PRICE, predict
from ui.figures import COLORS, style
from ui.i18n import t

# Shades for the model versions v1.0 ... v20.0: light (early) to dark (late).
VERSION_SHADES = ("#f4c7a1", "#eca66f", "#e0843f", "#c4651f", "#9c4a12", "#6e3208", "#401c03")


def _x_range(x) -> np.ndarray:
    lo = min(float(np.min(x)), 0.0)
    hi = max(float(np.max(x)), NEW_PRICE) * 1.05
    return np.array([lo, hi])


def _data_trace(x, y) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=t("fitting.chart.teas"),
        marker={"size": 11, "color": COLORS["data"]},
        hovertemplate=t("fitting.chart.hover_tea"),
    )


def _line_trace(x, k: float, b: float, name: str, color: str, dash: str = "solid") -> go.Scatter:
    xs = _x_range(x)
    return go.Scatter(
        x=xs,
        y=predict(xs, k, b),
        mode="lines",
        name=name,
        line={"color": color, "dash": dash, "width": 2.5},
        hovertemplate=t("fitting.chart.hover_line", k=f"{k:.4g}", b=f"{b:.6g}"),
    )


def _residual_segments(x, y, y_hat) -> tuple[np.ndarray, np.ndarray]:
    """One vertical segment per tea, from the data to the line; None breaks the line between."""
    seg_x = np.repeat(np.asarray(x, dtype=float), 3).astype(object)
    seg_y = np.column_stack([y, y_hat, y_hat]).ravel().astype(object)
    seg_x[2::3] = None
    seg_y[2::3] = None
    return seg_x, seg_y


def guess_figure(x, y, k: float, b: float) -> go.Figure:
    """The teas, the learner's line, each tea's residual, and the prediction at the new price."""
    seg_x, seg_y = _residual_segments(x, y, predict(x, k, b))
    residuals = go.Scatter(
        x=seg_x,
        y=seg_y,
        mode="lines",
        name=t("fitting.chart.residuals"),
        line={"color": COLORS["accent"], "dash": "dot"},
        hoverinfo="skip",
    )
    line = _line_trace(x, k, b, t("fitting.chart.your_line"), COLORS["model"])
    fig = go.Figure([residuals, _data_trace(x, y), line, _prediction_trace(k, b)])
    return style(fig, t("fitting.chart.guess_title"), t("fitting.chart.price_axis"), t("fitting.chart.sales_axis"))


def update_guess_figure(fig: go.Figure, x, y, k: float, b: float) -> None:
    """Move the line, residuals and prediction of a guess_figure to new k and b, in place."""
    with fig.batch_update():
        fig.data[0].y = _residual_segments(x, y, predict(x, k, b))[1]
        fig.data[2].y = predict(fig.data[2].x, k, b)
        fig.data[2].hovertemplate = t("fitting.chart.hover_line", k=f"{k:.4g}", b=f"{b:.6g}")
        fig.data[3].y = [float(predict(NEW_PRICE, k, b))]


def _prediction_trace(k: float, b: float, name: str | None = None) -> go.Scatter:
    return go.Scatter(
        x=[NEW_PRICE],
        y=[float(predict(NEW_PRICE, k, b))],
        mode="markers",
        name=name or t("fitting.chart.prediction", price=f"{NEW_PRICE:g}"),
        marker={"symbol": "star", "size": 16, "color": COLORS["warning"], "line": {"width": 1, "color": "#333"}},
        hovertemplate=t("fitting.chart.hover_prediction"),
    )


def versions_figure(x, y, versions: list[tuple[int, float, float]]) -> go.Figure:
    """The data with the line of several model versions (epoch, k, b): the line settling down."""
    fig = go.Figure([_data_trace(x, y)])
    for i, (epoch, k, b) in enumerate(versions):
        shade = VERSION_SHADES[min(i, len(VERSION_SHADES) - 1)] if i < len(versions) - 1 else COLORS["model"]
        fig.add_trace(_line_trace(x, k, b, t("fitting.chart.version", epoch=epoch + 1), shade))
    return style(fig, t("fitting.chart.versions_title"), t("fitting.chart.price_axis"), t("fitting.chart.sales_axis"))


def error_curve_figure(errors: list[float], best_error: float) -> go.Figure:
    """Dataset error after each epoch, with the least-squares floor no line can go below."""
    epochs = np.arange(len(errors))
    fig = go.Figure(
        go.Scatter(
            x=epochs,
            y=errors,
            mode="lines+markers",
            name=t("fitting.chart.sgd_error"),
            line={"color": COLORS["model"]},
            hovertemplate=t("fitting.chart.hover_error"),
        )
    )
    fig.add_hline(
        y=best_error,
        line={"color": COLORS["reference"], "dash": "dash"},
        annotation_text=t("fitting.chart.best_error", error=f"{best_error:.1f}"),
        annotation_position="top right",
    )
    log_scale = max(errors) / max(min(errors), 1e-9) > 50  # exploding errors stay readable on a log axis
    fig.update_yaxes(type="log" if log_scale else "linear")
    return style(fig, t("fitting.chart.error_title"), t("fitting.chart.epoch_axis"), t("fitting.chart.error_axis"))


def compare_figure(x, y, sgd: tuple[float, float], best: tuple[float, float]) -> go.Figure:
    """SGD's line after training against the least-squares line, with both predictions."""
    fig = go.Figure([_data_trace(x, y)])
    fig.add_trace(_line_trace(x, *sgd, t("fitting.chart.sgd_line"), COLORS["model"]))
    fig.add_trace(_line_trace(x, *best, t("fitting.chart.best_line"), COLORS["reference"], dash="dash"))
    fig.add_trace(_prediction_trace(*sgd, name=t("fitting.chart.sgd_prediction")))
    fig.add_trace(_prediction_trace(*best, name=t("fitting.chart.best_prediction")))
    fig.data[-1].marker.color = COLORS["reference"]
    return style(fig, t("fitting.chart.compare_title"), t("fitting.chart.price_axis"), t("fitting.chart.sales_axis"))
