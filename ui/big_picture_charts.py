"""Figures for lesson 9: the compression chart (one weight matrix before and after, for every bit
width and pruned share, scrubbed in the browser), the two students' validation loss, the nested
circles of AI, and the rule against the line."""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import big_picture as bp
from core import fitting
from ui.figures import COLORS, style
from ui.i18n import t
from ui.scrub import Frame, build_template

# --- The compression chart ---------------------------------------------------------------------------


def bits_label(bits: int | None) -> str:
    return t("big_picture.bits_float") if bits is None else t("big_picture.bits_n", bits=bits)


def panel_headers(states: bp.CompressionStates, j: int) -> list[dict]:
    """Above each panel, for pruned share j: its bit width, and the whole model's size and ratio."""
    n = len(states.bits)
    headers = []
    for i, bits in enumerate(states.bits):
        size = int(states.sizes[i, j])
        figures = {"bits": bits_label(bits), "kb": f"{size / 1000:,.0f}"}
        if size == states.original_size:  # the model as trained: nothing saved, say so
            text = t("big_picture.panel_original", **figures)
        else:
            text = t("big_picture.panel_header", ratio=f"{states.original_size / size:.1f}", **figures)
        x = (i + 0.5) / n  # the middle of panel i (equal widths, small gaps)
        headers.append(
            {"x": x, "y": 0.99, "xref": "paper", "yref": "paper", "text": text, "showarrow": False, "yanchor": "top"}
        )
    return headers


def compression_title(states: bp.CompressionStates, j: int) -> str:
    rows, cols = states.shape
    return t("big_picture.states_title", share=round(100 * states.sparsities[j]), rows=rows, cols=cols)


def compression_template(states: bp.CompressionStates) -> dict:
    """Three panels (float32, 8 bits, 4 bits): the trained matrix's histogram as a blue outline, the
    compressed one as orange bars; one frame per pruned share, with the model's size per panel."""
    edges = states.edges
    centres, width = (edges[:-1] + edges[1:]) / 2, edges[1] - edges[0]
    n = len(states.bits)
    fig = make_subplots(rows=1, cols=n, shared_yaxes=True, horizontal_spacing=0.02)
    for i in range(n):
        fig.add_trace(
            go.Bar(
                x=centres,
                y=states.counts[i, 0],
                width=width,
                name=t("big_picture.compressed_trace"),
                marker={"color": COLORS["model"], "line": {"width": 0}},
                opacity=0.6,
                legendgroup="after",
                showlegend=i == 0,
                hovertemplate=t("big_picture.histogram_hover"),
            ),
            row=1,
            col=i + 1,
        )
    outline = np.append(states.original, states.original[-1])  # a step drawn from each bin's left edge
    for i in range(n):
        fig.add_trace(
            go.Scatter(
                x=edges,
                y=outline,
                mode="lines",
                line={"color": COLORS["data"], "width": 1.6, "shape": "hv"},
                name=t("big_picture.original_trace"),
                legendgroup="before",
                showlegend=i == 0,
                hoverinfo="skip",
            ),
            row=1,
            col=i + 1,
        )
    top = np.log10(states.counts.max()) + 0.9  # room above the tallest bar for the panel headers
    fig.update_yaxes(type="log", dtick=1, range=[-0.1, top])
    fig.update_layout(barmode="overlay", bargap=0)  # the panel headers come with each frame (no duplicates)
    style(fig, compression_title(states, 0), "", t("big_picture.histogram_y"), height=470)
    fig.update_xaxes(title_text=t("big_picture.histogram_x"), row=1, col=(n + 1) // 2)
    frames = [
        Frame(
            [{"y": states.counts[i, j].tolist()} for i in range(n)],
            compression_title(states, j),
            panel_headers(states, j),
        )
        for j in range(len(states.sparsities))
    ]
    labels = [f"{round(100 * s)}%" for s in states.sparsities]
    return build_template(fig, list(range(n)), frames, labels, t("big_picture.states_prefix"))


# --- Distillation --------------------------------------------------------------------------------------


def distill_figure(curves: list[tuple[str, object, str]], teacher_loss: float | None) -> go.Figure:
    """Validation loss of each student while it trains, `curves` as (label, TrainHistory, colour
    role); the teacher's own loss as a dashed line."""
    fig = go.Figure()
    for label, history, role in curves:
        fig.add_trace(
            go.Scatter(
                x=history.steps,
                y=history.val_loss,
                mode="lines+markers",
                name=label,
                line={"color": COLORS[role]},
                hovertemplate=t("big_picture.distill_hover"),
            )
        )
    if teacher_loss is not None:
        fig.add_hline(y=teacher_loss, line={"color": COLORS["muted"], "dash": "dash"})
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=t("big_picture.distill_teacher_line", loss=f"{teacher_loss:.2f}"),
                line={"color": COLORS["muted"], "dash": "dash"},
            )
        )
    # From just below the lowest loss (the teacher's) to just above the students' after the first
    # evaluation: their starting loss runs off the top, their difference stays visible.
    later = [v for _, history, _ in curves for v in history.val_loss[1:]]
    low = min(later + ([teacher_loss] if teacher_loss is not None else []))
    fig.update_yaxes(range=[low - 0.1, max(later) + 0.15])
    return style(fig, t("big_picture.distill_title"), t("big_picture.distill_x"), t("big_picture.distill_y"), 360)


# --- Where LLMs sit ----------------------------------------------------------------------------------------

# Each circle: (catalog key, centre x, centre y, radius x, radius y, role colour, light fill). Each
# lies inside the one before. The fills are opaque tints drawn largest first, so an inner circle
# shows its own colour, not a mix of every circle around it.
CIRCLES = (
    ("ai", 5.0, 3.0, 5.0, 3.0, COLORS["muted"], "#F0F0F0"),
    ("ml", 6.1, 2.8, 3.6, 2.5, COLORS["data"], "#DDEBF6"),
    ("dl", 6.95, 2.55, 2.45, 1.95, COLORS["reference"], "#D6F0E6"),
    ("llms", 7.8, 2.2, 1.3, 1.3, COLORS["model"], "#FBE3D2"),
)
# Where each circle's examples go: in the part of it that no inner circle covers.
EXAMPLE_SPOTS = {"ai": (1.4, 3.0), "ml": (3.5, 2.7), "dl": (5.45, 2.4), "llms": (7.8, 1.95)}
INK = "#1F2933"  # label text on the light fills: well above 4.5:1 contrast


def nested_figure() -> go.Figure:
    """Shapes and labels passed to the constructor at once: adding them one by one validates the
    whole layout each time."""
    shapes, annotations = [], []
    for key, cx, cy, rx, ry, color, fill in CIRCLES:
        box = {"x0": cx - rx, "x1": cx + rx, "y0": cy - ry, "y1": cy + ry}
        shapes.append(
            {"type": "circle", **box, "line": {"color": color, "width": 2}, "fillcolor": fill, "layer": "below"}
        )
        label = f"<b>{t('big_picture.' + key)}</b>"
        annotations.append({"x": cx, "y": cy + ry - 0.3, "text": label, "showarrow": False, "font": {"color": INK}})
        x, y = EXAMPLE_SPOTS[key]
        example = t(f"big_picture.{key}_examples")
        annotations.append({"x": x, "y": y, "text": example, "showarrow": False, "font": {"size": 12, "color": INK}})
    layout = {
        "shapes": shapes,
        "annotations": annotations,
        "xaxis": {"visible": False, "range": [-0.1, 10.1]},
        "yaxis": {"visible": False, "range": [-0.1, 6.1], "scaleanchor": "x"},
    }
    return style(go.Figure([], layout), t("big_picture.nested_title"), "", "", height=330)


# --- Symbolism against connectionism --------------------------------------------------------------------

# Prices drawn for the rule and the line: one point per whole price is enough for a straight line
# and a step (hover still finds a value at every price), and the browser redraws 41 points, not 401.
PRICE_GRID = np.arange(0.0, 41.0)


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
    return style(fig, t("big_picture.rule_chart_title"), t("big_picture.rule_x"), t("big_picture.rule_y"), 360)


def _rule_grid(threshold: float) -> np.ndarray:
    """The whole prices and the threshold itself, where the rule's step is drawn."""
    return np.union1d(PRICE_GRID, [threshold])


def update_rule_figure(fig: go.Figure, threshold: float) -> None:
    """Move the rule's step: new values for the existing trace (well under a millisecond)."""
    grid = _rule_grid(threshold)
    with fig.batch_update():
        fig.data[1].x, fig.data[1].y = grid, bp.rule(grid, threshold)
