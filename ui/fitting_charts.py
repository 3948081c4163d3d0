"""Figures for lesson 1, built from core.fitting's results."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.fitting import NEW_PRICE, predict
from ui.figures import COLORS, style
from ui.i18n import t
from ui.scrub import Frame, build_template

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


# --- Scrub figures (ui/scrub.py): the first epoch tea by tea, and the epochs ----------------------
def _steps_base(x: np.ndarray, y: np.ndarray, first) -> go.Figure:
    """The steps figure without its states: the teas, the line, an empty residual and highlight."""
    base = go.Figure(
        [
            _data_trace(x, y),
            _line_trace(x, first.k_before, first.b_before, t("fitting.chart.model_now"), COLORS["model"]),
            go.Scatter(
                x=[],
                y=[],
                mode="lines",
                name=t("fitting.chart.residuals"),
                line={"color": COLORS["accent"], "width": 3},
            ),
            go.Scatter(
                x=[],
                y=[],
                mode="markers",
                name=t("fitting.chart.current_tea"),
                marker={"size": 22, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": COLORS["accent"]}},
                hoverinfo="skip",
            ),
        ]
    )
    style(base, "", t("fitting.chart.price_axis"), t("fitting.chart.sales_axis"), height=440)
    base.update_yaxes(range=_y_range(y))
    return base


def steps_template(x, y, steps, start_error: float) -> dict:
    """The first epoch, one frame per step (0 = the starting model): the line the step started
    from, the tea it reads highlighted with its residual, and the step's numbers in the title."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    first = steps[0]
    base = _steps_base(x, y, first)
    xs = _x_range(x)
    frames = [
        Frame(
            [{"y": predict(xs, first.k_before, first.b_before).tolist()}, {"x": [], "y": []}, {"x": [], "y": []}],
            t(
                "fitting.chart.step_zero_title",
                k=f"{first.k_before:g}",
                b=f"{first.b_before:g}",
                error=f"{start_error:.2f}",
            ),
        )
    ]
    for number, s in enumerate(steps, start=1):
        frames.append(
            Frame(
                [
                    {"y": predict(xs, s.k_before, s.b_before).tolist()},
                    {"x": [s.x, s.x], "y": [s.y, s.y_hat]},
                    {"x": [s.x], "y": [s.y]},
                ],
                t(
                    "fitting.chart.step_title",
                    step=number,
                    tea=s.index + 1,
                    y_hat=f"{s.y_hat:.2f}",
                    error=f"{s.error:.2f}",
                    dk=f"{s.dk:.2f}",
                    db=f"{s.db:.2f}",
                    k=f"{s.k:.6g}",
                    b=f"{s.b:.6g}",
                ),
            )
        )
    labels = ["v1.0"] + [str(n) for n in range(1, len(steps) + 1)]
    return build_template(base, [1, 2, 3], frames, labels, t("fitting.chart.steps_prefix"))


def epochs_template(x, y, run, best_error: float) -> dict:
    """One frame per epoch done: the line after it (left) and where it sits on the error curve."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    xs = _x_range(x)
    fig.add_trace(_data_trace(x, y), row=1, col=1)
    fig.add_trace(_line_trace(x, run.ks[0], run.bs[0], t("fitting.chart.model_now"), COLORS["model"]), row=1, col=1)
    epochs = list(range(len(run.errors)))
    fig.add_trace(
        go.Scatter(
            x=epochs,
            y=run.errors,
            mode="lines",
            name=t("fitting.chart.sgd_error"),
            line={"color": COLORS["model"]},
            hovertemplate=t("fitting.chart.hover_error"),
        ),
        row=1,
        col=2,
    )
    fig.add_trace(
        go.Scatter(
            x=[0],
            y=[run.errors[0]],
            mode="markers",
            name=t("fitting.chart.epoch_now"),
            marker={"size": 12, "color": COLORS["model"], "line": {"width": 2, "color": "white"}},
            hoverinfo="skip",
        ),
        row=1,
        col=2,
    )
    fig.add_hline(
        y=best_error,
        line={"color": COLORS["reference"], "dash": "dash"},
        annotation_text=t("fitting.chart.best_error", error=f"{best_error:.1f}"),
        annotation_position="top right",
        row=1,
        col=2,
    )
    style(fig, "", t("fitting.chart.price_axis"), t("fitting.chart.sales_axis"), height=440)
    fig.update_xaxes(title_text=t("fitting.chart.epoch_axis"), row=1, col=2)
    fig.update_yaxes(title_text=t("fitting.chart.error_axis"), row=1, col=2)
    fig.update_yaxes(range=_y_range(y), row=1, col=1)
    if max(run.errors) / max(min(run.errors), 1e-9) > 50:
        fig.update_yaxes(type="log", row=1, col=2)
    frames = [
        Frame(
            [{"y": predict(xs, k, b).tolist()}, {"x": [e], "y": [error]}],
            t("fitting.chart.epoch_title", epoch=e, error=f"{error:.1f}", k=f"{k:.4f}", b=f"{b:.2f}"),
        )
        for e, (k, b, error) in enumerate(zip(run.ks, run.bs, run.errors))
    ]
    return build_template(fig, [1, 3], frames, [str(e) for e in epochs], t("fitting.chart.epochs_prefix"))


def _y_range(y) -> list[float]:
    lo, hi = min(float(np.min(y)), 0.0), float(np.max(y))
    return [lo, hi * 1.3 if hi > 0 else 1.0]
