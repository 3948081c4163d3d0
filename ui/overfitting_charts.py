"""Figures for lesson 4, built from core.overfitting's results.

Three scrub figures (ui/scrub.py): the polynomial degree, a remedy's strength, and a network's
training epochs; and the live figure drawn while a learner's network trains.
"""

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.overfitting import MAX_DISTANCE, DegreeSweep, RemedyState, RunSummary, true_price
from ui.figures import COLORS, rounded, style
from ui.i18n import t
from ui.literal import for_plotly
from ui.scrub import Frame, build_template

CLASS_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")  # Okabe-Ito, one per class
TRAIN, VALIDATION = COLORS["data"], COLORS["accent"]  # the two errors, in every figure of the lesson
PRICE_RANGE = (0.0, 13.0)  # keep the axis readable when an overfitted curve shoots off
ERROR_RANGE = (0.01, 1000.0)  # errors outside are drawn at the edge, with their value on hover
WEIGHT_RANGE = 8.0  # the weights chart shows ±8; a bigger weight is cut there and its bar hatched
FIT_GRID = np.linspace(0.0, MAX_DISTANCE, 200)  # where curves are drawn: smooth up to degree 15


def number(v: float) -> str:
    """An error as a beginner reads it: 0.503, 168, 12,264; an exact fit as 0."""
    return "0" if abs(v) < 5e-13 else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")


def _houses(x, y, name: str, color: str, size: int, opacity: float = 1.0) -> go.Scatter:
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        name=name,
        marker={"size": size, "color": color, "opacity": opacity},
        hovertemplate=t("overfitting.chart.hover_house"),
    )


def _fit_values(fit) -> list[float]:
    return np.clip(fit.predict(FIT_GRID), -1e3, 1e3).tolist()


def _fit_trace(fit) -> go.Scatter:
    return go.Scatter(
        x=FIT_GRID,
        y=_fit_values(fit),
        mode="lines",
        name=t("overfitting.chart.fit"),
        line={"color": COLORS["model"], "width": 3},
        hovertemplate=t("overfitting.chart.hover_fit"),
    )


def _true_curve() -> go.Scatter:
    return go.Scatter(
        x=FIT_GRID,
        y=true_price(FIT_GRID),
        mode="lines",
        name=t("overfitting.chart.true_curve"),
        line={"color": COLORS["reference"], "dash": "dash"},
        hoverinfo="skip",
    )


def _shown_error(values) -> tuple[list[float], list[str], list[str]]:
    """Errors clipped to ERROR_RANGE for a log axis, the marker of each (a triangle where cut) and
    the true value for the hover."""
    values = np.asarray(values, dtype=float)
    lo, hi = ERROR_RANGE
    shown = np.clip(values, lo, hi).tolist()
    symbols = ["triangle-up" if v > hi else ("triangle-down" if v < lo else "circle") for v in values]
    return shown, symbols, [number(v) for v in values]


def _error_data(x, values, color: str, size: int = 8) -> dict:
    """An error curve's data (also a frame's, for the first few states): clipped values, a marker
    per point (a triangle where cut) and the true values for the hover."""
    shown, symbols, text = _shown_error(values)
    return {"x": list(x), "y": shown, "customdata": text, "marker": {"symbol": symbols, "size": size, "color": color}}


def _error_trace(x, values, name: str, color: str, size: int = 8) -> go.Scatter:
    return go.Scatter(
        **_error_data(x, values, color, size),
        mode="lines+markers",
        name=name,
        line={"color": color},
        hovertemplate=t("overfitting.chart.hover_error"),
    )


def _error_axis(fig: go.Figure, row: int, col: int, title_key: str = "overfitting.chart.error_axis") -> None:
    """A log axis over ERROR_RANGE with plain tick labels (0.01 … 1000, never SI prefixes)."""
    ticks = [0.01, 0.1, 1, 10, 100, 1000]
    fig.update_yaxes(
        type="log",
        range=[np.log10(ERROR_RANGE[0]) - 0.1, np.log10(ERROR_RANGE[1]) + 0.1],
        tickvals=ticks,
        ticktext=[f"{v:g}" for v in ticks],
        title_text=t(title_key),
        row=row,
        col=col,
    )


# --- The hero: the degree -------------------------------------------------------------------------
def degree_template(x, y, x_val, y_val, sweep: DegreeSweep) -> dict:
    """The fit of each degree (left) and the training and validation errors up to that degree
    (right, drawn as the degree grows), one frame per degree; the degree validation prefers starred."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.56, 0.44], horizontal_spacing=0.1)
    fig.add_trace(_houses(x_val, y_val, t("overfitting.chart.val_houses"), COLORS["muted"], 5, 0.45), row=1, col=1)
    fig.add_trace(_houses(x, y, t("overfitting.chart.train_houses"), COLORS["data"], 10), row=1, col=1)
    fig.add_trace(_true_curve(), row=1, col=1)
    fig.add_trace(_fit_trace(sweep.fits[0]), row=1, col=1)
    d = sweep.degrees.tolist()
    fig.add_trace(_error_trace(d, sweep.train_mse, t("overfitting.chart.train_error"), TRAIN), row=1, col=2)
    fig.add_trace(_error_trace(d, sweep.val_mse, t("overfitting.chart.val_error"), VALIDATION), row=1, col=2)
    best = sweep.best_degree
    fig.add_trace(_best_star(best, sweep.val_mse[best - 1], "overfitting.chart.best_degree", degree=best), row=1, col=2)
    fig.add_trace(_now_markers(), row=1, col=2)
    style(fig, "", t("overfitting.chart.distance_axis"), t("overfitting.chart.price_axis"), height=420)
    fig.update_yaxes(range=PRICE_RANGE, row=1, col=1)
    fig.update_xaxes(title_text=t("overfitting.chart.degree_axis"), dtick=1, range=[0.5, d[-1] + 0.5], row=1, col=2)
    _error_axis(fig, 1, 2)
    star = {"x": [best], "y": _shown_error([sweep.val_mse[best - 1]])[0]}
    frames = []
    for i, degree in enumerate(d):
        train, val = sweep.train_mse[i], sweep.val_mse[i]
        data = [
            {"y": _fit_values(sweep.fits[i])},
            _error_data(d[: i + 1], sweep.train_mse[: i + 1], TRAIN),
            _error_data(d[: i + 1], sweep.val_mse[: i + 1], VALIDATION),
            star if degree >= best else {"x": [], "y": []},
            _now_data([degree, degree], [train, val]),
        ]
        title = t("overfitting.chart.degree_title", degree=degree, train=number(train), val=number(val))
        frames.append(Frame(data, title))
    return build_template(fig, [3, 4, 5, 6, 7], frames, [str(v) for v in d], t("overfitting.chart.degree_prefix"))


def _best_star(x, value: float, key: str, **fields) -> go.Scatter:
    return go.Scatter(
        x=[x],
        y=_shown_error([value])[0],
        customdata=[number(value)],
        mode="markers",
        name=t(key, **fields),
        marker={"symbol": "star", "size": 18, "color": COLORS["reference"], "line": {"width": 1, "color": "#333"}},
        hovertemplate=t("overfitting.chart.hover_error"),
    )


def _now_markers() -> go.Scatter:
    """The state's two errors, ringed; filled in by each frame."""
    return go.Scatter(
        x=[],
        y=[],
        mode="markers",
        showlegend=False,
        marker={"size": 16, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": [TRAIN, VALIDATION]}},
        hoverinfo="skip",
    )


def _now_data(x, values) -> dict:
    return {"x": list(x), "y": _shown_error(values)[0]}


# --- Remedies: one strength per frame -------------------------------------------------------------
def strength_label(value: float) -> str:
    """A remedy's strength as the slider shows it: 0, 1e-4, 3e-4, 0.001 … 1 for λ, whole counts."""
    if value == int(value):
        return str(int(value))
    if value < 1e-3:
        mantissa, exponent = f"{value:.0e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:g}"


def _weights(state: RemedyState) -> dict:
    """The weights, cut at ±WEIGHT_RANGE (a cut bar is hatched; its hover says its value), and the
    exact zeros."""
    w = state.fit.w
    j = np.arange(1, len(w) + 1)
    cut = np.abs(w) > WEIGHT_RANGE
    pattern = {"shape": ["/" if c else "" for c in cut], "fgcolor": "white", "fillmode": "overlay"}
    marker = {"color": COLORS["model"], "pattern": pattern}
    return {
        "bars": {
            "x": j.tolist(),
            "y": np.clip(w, -WEIGHT_RANGE, WEIGHT_RANGE).tolist(),
            "customdata": [f"{v:.4g}" for v in w],
            "marker": marker,
        },
        "zeros": {"x": j[w == 0].tolist(), "y": [0.0] * int((w == 0).sum())},
    }


def remedy_template(x_val, y_val, states: tuple[RemedyState, ...], remedy: str) -> dict:
    """One remedy on the wild polynomial: the fit with its training houses (and copies), its
    weights, and the errors over the remedy's strength; one frame per strength."""
    fig = make_subplots(rows=1, cols=3, column_widths=[0.42, 0.26, 0.32], horizontal_spacing=0.09)
    first = states[0]
    fig.add_trace(_houses(x_val, y_val, t("overfitting.chart.val_houses"), COLORS["muted"], 5, 0.45), row=1, col=1)
    fig.add_trace(_houses(first.x, first.y, t("overfitting.chart.train_houses"), COLORS["data"], 9), row=1, col=1)
    fig.add_trace(_houses(*first.copies, t("overfitting.chart.copies"), COLORS["warning"], 5, 0.6), row=1, col=1)
    fig.add_trace(_true_curve(), row=1, col=1)
    fig.add_trace(_fit_trace(first.fit), row=1, col=1)
    weights = _weights(first)
    hover = t("overfitting.chart.hover_weight")
    bars = go.Bar(**weights["bars"], name=t("overfitting.chart.weights", cut=f"{WEIGHT_RANGE:g}"), hovertemplate=hover)
    fig.add_trace(bars, row=1, col=2)
    zeros = go.Scatter(
        **weights["zeros"],
        mode="markers",
        name=t("overfitting.chart.zeros"),
        marker={"symbol": "x", "size": 11, "color": COLORS["reference"]},
        hovertemplate=t("overfitting.chart.hover_zero"),
    )
    fig.add_trace(zeros, row=1, col=2)
    at = list(range(len(states)))  # the strengths, evenly spaced (λ grows by about 3 a step)
    trains, vals = [s.train_mse for s in states], [s.val_mse for s in states]
    fig.add_trace(_error_trace(at, trains, t("overfitting.chart.train_error"), TRAIN, 6), row=1, col=3)
    fig.add_trace(_error_trace(at, vals, t("overfitting.chart.val_error"), VALIDATION, 6), row=1, col=3)
    fig.add_trace(_now_markers(), row=1, col=3)
    style(fig, "", t("overfitting.chart.distance_axis"), t("overfitting.chart.price_axis"), height=410)
    fig.update_yaxes(range=PRICE_RANGE, row=1, col=1)
    fig.update_xaxes(title_text=t("overfitting.chart.wiggle_axis"), tick0=1, dtick=2, tickangle=0, row=1, col=2)
    weight_range = [-WEIGHT_RANGE * 1.05, WEIGHT_RANGE * 1.05]
    fig.update_yaxes(title_text=t("overfitting.chart.weight_axis"), range=weight_range, row=1, col=2)
    labels = [strength_label(s.value) for s in states]
    every = -(-len(states) // 4)  # four labels or so: the panel is narrow
    fig.update_xaxes(
        title_text=t(f"overfitting.chart.strength_axis.{remedy}"),
        tickvals=at[::every],
        ticktext=labels[::every],
        range=[-0.5, len(states) - 0.5],
        tickangle=0,
        row=1,
        col=3,
    )
    _error_axis(fig, 1, 3, "overfitting.chart.error_axis_short")
    frames = _remedy_frames(states, remedy, labels, at)
    prefix = t(f"overfitting.chart.strength_prefix.{remedy}")
    return build_template(fig, [1, 2, 4, 5, 6, 7, 8, 9], frames, labels, prefix)


def _remedy_frames(states: tuple[RemedyState, ...], remedy: str, labels: list[str], at: list[int]) -> list[Frame]:
    """One frame per strength: houses, copies, fit, weights, and the errors up to that strength."""
    trains, vals = [s.train_mse for s in states], [s.val_mse for s in states]
    return [
        Frame(
            [
                {"x": s.x.tolist(), "y": s.y.tolist()},
                {"x": s.copies[0].tolist(), "y": s.copies[1].tolist()},
                {"y": _fit_values(s.fit)},
                _weights(s)["bars"],
                _weights(s)["zeros"],
                _error_data(at[: i + 1], trains[: i + 1], TRAIN, 6),
                _error_data(at[: i + 1], vals[: i + 1], VALIDATION, 6),
                _now_data([i, i], [s.train_mse, s.val_mse]),
            ],
            t(
                f"overfitting.chart.remedy_title.{remedy}",
                value=label,
                train=number(s.train_mse),
                val=number(s.val_mse),
                zeros=s.zeros,
                weights=len(s.fit.w),
            ),
        )
        for i, (s, label) in enumerate(zip(states, labels))
    ]


# --- The network: a run replayed ------------------------------------------------------------------
def class_names(names, n_classes: int) -> list[str]:
    """The classes' names: a learner's file's own labels, or "class 1", "class 2", ..."""
    if names is not None:
        return [for_plotly(name) for name in names]  # the learner's text, made inert for Plotly
    return [t("overfitting.class_name", number=c + 1) for c in range(n_classes)]


def _points(X, y, names, train: bool) -> list[go.Scatter]:
    traces = []
    for c, name in enumerate(names):
        mask = y == c
        label = t("overfitting.chart.train_points" if train else "overfitting.chart.val_points", name=name)
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


def map_values(probs) -> dict:
    """A decision map's heatmap data: (class, confidence) as one number z, so one heatmap shades each
    class light to dark (class c occupies [c, c + 1)), and the confidence for the hover."""
    k = probs.shape[2]
    winner, confidence = probs.argmax(axis=2), probs.max(axis=2)  # (R, R) each
    z = winner + (confidence - 1 / k) / (1 - 1 / k) * 0.999
    return {"z": rounded(z, 3), "customdata": rounded(confidence, 3)}


def _map_trace(xs, ys, probs) -> go.Heatmap:
    k = probs.shape[2]
    scale = []
    for c in range(k):
        lo, hi = c / k, 1.0 if c == k - 1 else (c + 1) / k - 1e-6
        scale += [[lo, _tint(CLASS_COLORS[c], 0.92)], [hi, _tint(CLASS_COLORS[c], 0.6)]]
    return go.Heatmap(
        x=np.round(xs, 4),
        y=np.round(ys, 4),
        **map_values(probs),
        zmin=0,
        zmax=k,
        colorscale=scale,
        showscale=False,
        hovertemplate=t("overfitting.chart.hover_map"),
        name="",
    )


def _tint(hex_color: str, white: float) -> str:
    """The colour mixed with a share `white` of white."""
    rgb = [int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]
    mixed = [round(v + (255 - v) * white) for v in rgb]
    return f"rgb({mixed[0]},{mixed[1]},{mixed[2]})"


def _run_figure(xs, ys, probs, split, names, train_loss, val_loss, best_epoch: int | None) -> go.Figure:
    """The decision map with the points (left), the two losses by epoch and the best one (right)."""
    fig = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.08)
    fig.add_trace(_map_trace(xs, ys, probs), row=1, col=1)
    X_train, y_train, X_val, y_val = split
    for trace in _points(X_train, y_train, names, True) + _points(X_val, y_val, names, False):
        fig.add_trace(trace, row=1, col=1)
    epochs = np.arange(1, len(train_loss) + 1)
    for values, name, color in (
        (train_loss, t("overfitting.chart.train_loss"), TRAIN),
        (val_loss, t("overfitting.chart.val_loss"), VALIDATION),
    ):
        line = go.Scatter(
            x=epochs,
            y=np.round(values, 4),
            mode="lines",
            name=name,
            line={"color": color},
            hovertemplate=t("overfitting.chart.hover_loss"),
        )
        fig.add_trace(line, row=1, col=2)
    if best_epoch:
        star = {"symbol": "star", "size": 16, "color": COLORS["reference"], "line": {"width": 1, "color": "#333"}}
        best = go.Scatter(
            x=[best_epoch],
            y=[val_loss[best_epoch - 1]],
            mode="markers",
            name=t("overfitting.chart.best_epoch", epoch=best_epoch),
            marker=star,
            hovertemplate=t("overfitting.chart.hover_loss"),
        )
        fig.add_trace(best, row=1, col=2)
    style(fig, "", "x₁", "x₂", height=460)
    fig.update_xaxes(range=[float(xs[0]), float(xs[-1])], constrain="domain", row=1, col=1)
    square = {"scaleanchor": "x", "scaleratio": 1, "constrain": "domain"}  # a ring looks round
    fig.update_yaxes(range=[float(ys[0]), float(ys[-1])], **square, row=1, col=1)
    fig.update_xaxes(title_text=t("overfitting.chart.epoch_axis"), row=1, col=2)
    fig.update_yaxes(title_text=t("overfitting.chart.loss_axis"), rangemode="tozero", row=1, col=2)
    return fig


def _percent(v: float) -> str:
    return f"{v:.0%}"


def replay_template(run: RunSummary, name: str) -> dict:
    """A run replayed: one frame per kept decision map, the two losses drawn up to its epoch. `name`
    (the course's run, your run 2) heads every title: two runs may share every number."""
    names = class_names(run.names, run.n_classes)
    last = run.snapshots[-1].probs
    fig = _run_figure(run.xs, run.ys, last, run.split, names, run.train_loss, run.val_loss, run.best_epoch)
    fig.add_trace(_now_markers(), row=1, col=2)
    top = max(max(run.train_loss), max(run.val_loss))
    fig.update_xaxes(range=[0, run.epochs + 1], row=1, col=2)
    fig.update_yaxes(range=[0, 1.05 * top], row=1, col=2)
    lines = len(fig.data) - 4  # the training loss; then the validation loss, the best epoch, the markers
    frames, labels = [], []
    for snap in run.snapshots:
        e = snap.epoch
        upto = run.epochs if snap.kept else e  # the kept weights are shown after the whole run
        fields = {
            "run": name,
            "epoch": e,
            "train": f"{run.train_loss[e - 1]:.3f}",
            "val": f"{run.val_loss[e - 1]:.3f}",
            "train_acc": _percent(run.train_acc[e - 1]),
            "val_acc": _percent(run.val_acc[e - 1]),
        }
        title = t("overfitting.chart.kept_title" if snap.kept else "overfitting.chart.epoch_title", **fields)
        shown = upto >= run.best_epoch
        data = [
            map_values(snap.probs),
            {"x": list(range(1, upto + 1)), "y": rounded(run.train_loss[:upto], 4)},
            {"x": list(range(1, upto + 1)), "y": rounded(run.val_loss[:upto], 4)},
            {"x": [run.best_epoch] if shown else [], "y": [run.val_loss[run.best_epoch - 1]] if shown else []},
            {"x": [e, e], "y": [run.train_loss[e - 1], run.val_loss[e - 1]]},
        ]
        frames.append(Frame(data, title))
        labels.append(t("overfitting.chart.kept_label", epoch=e) if snap.kept else str(e))
    traces = [0, lines, lines + 1, lines + 2, lines + 3]
    return build_template(fig, traces, frames, labels, t("overfitting.chart.epoch_prefix"))


def live_figure(xs, ys, probs, split, names, train_loss, val_loss, epoch: int) -> go.Figure:
    """A learner's network while it trains: its map now and its losses so far."""
    fig = _run_figure(xs, ys, probs, split, names, train_loss, val_loss, None)
    return fig.update_layout(title={"text": t("overfitting.chart.live_title", epoch=epoch), "x": 0.0})
