"""Figures for lesson 9: the nested circles of AI, the rule against the line, a weight histogram
before and after compression, and the size-against-quality trade-off."""

import numpy as np
import plotly.graph_objects as go

from core import big_picture as bp
from core import fitting
from ui.figures import COLORS, style
from ui.i18n import t
from ui.lessons import LESSONS

# Each circle: (catalog key, centre x, centre y, radius x, radius y, colour). Each lies inside the
# one before; labels sit just below each circle's top.
CIRCLES = (
    ("ai", 5.0, 3.0, 5.0, 3.0, COLORS["muted"]),
    ("ml", 6.1, 2.8, 3.6, 2.5, COLORS["data"]),
    ("dl", 6.95, 2.55, 2.45, 1.95, COLORS["reference"]),
    ("llms", 7.8, 2.2, 1.3, 1.3, COLORS["model"]),
)
# Where each lesson's marker goes: in the innermost circle its subject belongs to.
LESSON_SPOTS = {1: (3.4, 3.1), 2: (3.7, 2.1), 3: (5.3, 3.1), 4: (5.2, 2.3), 5: (5.6, 1.5), 6: (7.2, 2.3)}
LESSON_SPOTS |= {7: (7.8, 1.5), 8: (8.4, 2.3), 9: (1.4, 3.4)}
# Prices drawn for the rule and the line: one point per whole price is enough for a straight line
# and a step (hover still finds a value at every price), and the browser redraws 41 points, not 401.
PRICE_GRID = np.arange(0.0, 41.0)


def nested_figure() -> go.Figure:
    """Shapes and labels passed to the constructor at once: adding them one by one validates the
    whole layout each time (about 150 ms here against 30)."""
    shapes, annotations = [], []
    for key, cx, cy, rx, ry, color in CIRCLES:
        shapes.append(
            {
                "type": "circle",
                "x0": cx - rx,
                "x1": cx + rx,
                "y0": cy - ry,
                "y1": cy + ry,
                "line": {"color": color, "width": 2},
                "fillcolor": color,
                "opacity": 0.18,
                "layer": "below",
            }
        )
        label = f"<b>{t('big_picture.' + key)}</b>"
        annotations.append({"x": cx, "y": cy + ry - 0.3, "text": label, "showarrow": False})
    examples = t("big_picture.ai_examples")
    annotations.append({"x": 1.4, "y": 2.5, "text": examples, "showarrow": False, "font": {"size": 11}})
    numbers = [lesson.number for lesson in LESSONS]
    names = [t(f"common.lesson_names.{lesson.namespace}") for lesson in LESSONS]
    markers = go.Scatter(
        x=[LESSON_SPOTS[n][0] for n in numbers],
        y=[LESSON_SPOTS[n][1] for n in numbers],
        mode="markers+text",
        text=[str(n) for n in numbers],
        textfont={"color": "white", "size": 13},
        marker={"size": 28, "color": COLORS["accent"], "line": {"color": "white", "width": 1}},
        hovertext=[t("big_picture.lesson_hover", number=n, name=name) for n, name in zip(numbers, names)],
        hoverinfo="text",
        showlegend=False,
    )
    layout = {
        "shapes": shapes,
        "annotations": annotations,
        "xaxis": {"visible": False, "range": [-0.1, 10.1]},
        "yaxis": {"visible": False, "range": [-0.1, 6.1], "scaleanchor": "x"},
    }
    return style(go.Figure([markers], layout), t("big_picture.nested_title"), "", "", height=460)


def rule_figure(threshold: float) -> go.Figure:
    x, y = np.array(fitting.TEA_PRICES), np.array(fitting.TEA_SALES)
    k, b = bp.learned_line(x, y)
    grid = _rule_grid(threshold)
    fig = go.Figure(
        [
            go.Scatter(
                x=x, y=y, mode="markers", name=t("big_picture.teas"), marker={"size": 11, "color": COLORS["data"]}
            ),
            go.Scatter(
                x=grid,
                y=bp.rule(grid, threshold),
                mode="lines",
                name=t("big_picture.rule_trace"),
                line={"color": COLORS["accent"], "width": 3, "shape": "vh"},  # the step exactly at the threshold
            ),
            go.Scatter(
                x=PRICE_GRID,
                y=fitting.predict(PRICE_GRID, k, b),
                mode="lines",
                name=t("big_picture.line_trace"),
                line={"color": COLORS["model"], "width": 3, "dash": "dash"},
            ),
        ]
    )
    fig.update_yaxes(range=[400, 1100])
    return style(fig, t("big_picture.rule_chart_title"), t("big_picture.rule_x"), t("big_picture.rule_y"), 380)


def _rule_grid(threshold: float) -> np.ndarray:
    """The whole prices and the threshold itself, where the rule's step is drawn."""
    return np.union1d(PRICE_GRID, [threshold])


def update_rule_figure(fig: go.Figure, threshold: float) -> None:
    """Move the rule's step: new values for the existing trace (well under a millisecond)."""
    grid = _rule_grid(threshold)
    with fig.batch_update():
        fig.data[1].x, fig.data[1].y = grid, bp.rule(grid, threshold)


def histogram_edges(original: np.ndarray, bins: int = 121) -> np.ndarray:
    edge = float(np.abs(original).max()) * 1.02
    return np.linspace(-edge, edge, bins + 1)


def histogram_figure(name: str, original: np.ndarray) -> go.Figure:
    """Counts of one matrix's weight values before (filled here) and after (update_histogram)."""
    edges = histogram_edges(original)
    centres = (edges[:-1] + edges[1:]) / 2
    before, _ = np.histogram(original, edges)
    width = edges[1] - edges[0]
    fig = go.Figure(
        [
            go.Bar(x=centres, y=before, width=width, name=t("big_picture.original_trace"), marker_color=COLORS["data"]),
            go.Bar(
                x=centres,
                y=before,
                width=width,
                name=t("big_picture.compressed_trace"),
                marker_color=COLORS["model"],
                opacity=0.7,
            ),
        ]
    )
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(type="log")
    rows, cols = original.shape
    title = t("big_picture.histogram_title", name=name, rows=rows, cols=cols)
    return style(fig, title, t("big_picture.histogram_x"), t("big_picture.histogram_y"), 380)


def update_histogram(fig: go.Figure, original: np.ndarray, compressed: np.ndarray) -> None:
    fig.data[1].y = np.histogram(compressed, histogram_edges(original))[0]


def series_label(bits: int | None, per_channel: bool) -> str:
    if bits is None:
        return t("big_picture.tradeoff_pruned")
    scope = t("big_picture.per_channel" if per_channel else "big_picture.per_tensor")
    return t("big_picture.tradeoff_quant", bits=bits, scope=scope)


SERIES_STYLE = {
    (None, True): (COLORS["muted"], "circle"),
    (8, False): (COLORS["data"], "square"),
    (8, True): (COLORS["reference"], "diamond"),
    (4, False): (COLORS["warning"], "triangle-up"),
    (4, True): (COLORS["model"], "x"),
}


def _drawn(point: bp.Compressed, measure: str) -> bool:
    """Whether a point has this measure (a KL of 0, the original itself, has no place on a log axis)."""
    value = getattr(point, measure)
    return value is not None and (measure != "kl" or value > 0)


def tradeoff_figure(points: list[bp.Compressed], current: bp.Compressed | None, measure: str) -> go.Figure:
    """Size (kB) against `measure` ("kl" or "val_loss") for each setting; points of one series
    (same bits and granularity) joined in order of sparsity; the learner's setting as a star."""
    fig = go.Figure()
    for (bits, per_channel), (color, symbol) in SERIES_STYLE.items():
        series = [p for p in points if p.settings.bits == bits and _drawn(p, measure)]
        series = [p for p in series if bits is None or p.settings.per_channel == per_channel]
        if not series:
            continue
        label = series_label(bits, per_channel)
        fig.add_trace(
            go.Scatter(
                x=[p.size / 1000 for p in series],
                y=[getattr(p, measure) for p in series],
                customdata=[round(100 * p.settings.sparsity) for p in series],
                mode="lines+markers",
                name=label,
                marker={"color": color, "symbol": symbol, "size": 10},
                line={"color": color, "width": 1},
                hovertemplate=t("big_picture.point_hover", label=label),
            )
        )
    original = next((p for p in points if p.settings.bits is None and p.settings.sparsity == 0), None)
    if measure == "val_loss" and original is not None:
        fig.add_trace(
            go.Scatter(
                x=[original.size / 1000],
                y=[original.val_loss],
                customdata=[0],
                mode="markers",
                name=t("big_picture.tradeoff_original"),
                marker={"color": "black", "symbol": "circle-open", "size": 14},
                hovertemplate=t("big_picture.point_hover", label=t("big_picture.tradeoff_original")),
            )
        )
    if current is not None and _drawn(current, measure):
        fig.add_trace(
            go.Scatter(
                x=[current.size / 1000],
                y=[getattr(current, measure)],
                customdata=[round(100 * current.settings.sparsity)],
                mode="markers",
                name=t("big_picture.tradeoff_current"),
                marker={"color": COLORS["accent"], "symbol": "star", "size": 18},
                hovertemplate=t("big_picture.point_hover", label=t("big_picture.tradeoff_current")),
            )
        )
    if measure == "kl":
        fig.update_yaxes(type="log")
        return style(fig, t("big_picture.tradeoff_title"), t("big_picture.tradeoff_x"), t("big_picture.tradeoff_y"))
    return style(
        fig, t("big_picture.tradeoff_loss_title"), t("big_picture.tradeoff_x"), t("big_picture.tradeoff_loss_y")
    )


def distill_figure(histories: dict, teacher_loss: float | None) -> go.Figure:
    """Validation loss of the two students while they train; the teacher's as a dashed line."""
    fig = go.Figure()
    for mode, color in (("text", COLORS["data"]), ("teacher", COLORS["model"])):
        if mode in histories:
            history = histories[mode]
            fig.add_trace(
                go.Scatter(
                    x=history.steps,
                    y=history.val_loss,
                    mode="lines+markers",
                    name=t(f"big_picture.distill_{mode}"),
                    line={"color": color},
                )
            )
    if teacher_loss is not None:
        fig.add_hline(y=teacher_loss, line={"color": COLORS["muted"], "dash": "dash"})
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=t("big_picture.distill_teacher_line"),
                line={"color": COLORS["muted"], "dash": "dash"},
            )
        )
    fig.update_yaxes(range=[1.0, 4.5])
    return style(fig, t("big_picture.distill_title"), t("big_picture.distill_x"), t("big_picture.distill_y"), 360)
