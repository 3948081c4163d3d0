"""Figures for lesson 2, built from core.loss_surface's results."""

import numpy as np
import plotly.graph_objects as go

from ui.figures import COLORS, style
from ui.i18n import t

# One colour per optimizer, the same in every chart.
OPTIMIZER_COLORS = {
    "sgd": COLORS["model"],
    "gd": COLORS["data"],
    "momentum": COLORS["accent"],
    "adam": COLORS["warning"],
}
ARROWS_PER_PATH = 8
ARROW_LENGTH = 0.07  # as a fraction of the plot's width and height
MARKERS_PER_PATH = 40


def _legend_below(fig: go.Figure, height: int) -> go.Figure:
    """Long legends go under the plot, where they cannot cover the title."""
    fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.12, "xanchor": "left", "x": 0.0})
    fig.update_layout(height=height + 60, margin={"b": 10})
    return fig


def _log_colorbar(z: np.ndarray, title: str) -> dict:
    """Ticks at 1, 2, 5 x 10^n for a colour scale over log10(z), labelled with z itself."""
    finite = z[np.isfinite(z)]
    lo, hi = float(finite.min()), float(finite.max())
    decades = range(int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi))) + 1)
    values = [m * 10.0**e for e in decades for m in (1, 2, 5) if lo <= m * 10.0**e <= hi]
    return {
        "title": {"text": title},
        "tickvals": np.log10(values),
        "ticktext": [f"{v:,.0f}" if v >= 1 else f"{v:g}" for v in values],
    }


def contour_figure(
    xs, ys, z, paths: dict, minima: list, labels: tuple[str, str, str], log_color: bool = True, equal_axes: bool = False
) -> go.Figure:
    """The loss as a contour map with each optimizer's path and arrows along -gradient.

    paths: name -> (label, Path); minima: [(x, y, name, symbol)]; labels: (title, x axis, y axis).
    """
    xs, ys = np.asarray(xs), np.asarray(ys)
    shown = np.log10(z) if log_color else z
    fig = go.Figure(
        go.Contour(
            x=xs,
            y=ys,
            z=shown,
            customdata=z,
            colorscale="Viridis",
            ncontours=30,
            # Filled bands, not "heatmap": that paints a smoothed image at the plot's full pixel size,
            # which the browser recomputes and re-encodes on every redraw (several times the SVG).
            # The bands' edges are the contour lines: drawing lines as well doubles the paths to redraw.
            contours={"coloring": "fill", "showlines": False},
            colorbar=_log_colorbar(z, t("loss_surface.chart.loss"))
            if log_color
            else {"title": {"text": t("loss_surface.chart.loss")}},
            hovertemplate=t("loss_surface.chart.hover_surface", x=labels[1], y=labels[2]),
            name=t("loss_surface.chart.loss"),
            showscale=True,
        )
    )
    x_span, y_span = xs[-1] - xs[0], ys[-1] - ys[0]
    for name, (label, path) in paths.items():
        color = OPTIMIZER_COLORS.get(name, COLORS["model"])
        fig.add_trace(
            go.Scatter(
                x=path.thetas[:, 0],
                y=path.thetas[:, 1],
                mode="lines+markers",
                name=label,
                line={"color": color, "width": 2},
                # At most MARKERS_PER_PATH dots (every step when there are fewer): each dot is an SVG
                # element the browser restyles on every redraw, and 200 of them overlap anyway.
                marker={"size": 4, "color": color, "maxdisplayed": MARKERS_PER_PATH},
                customdata=_path_customdata(path),
                hovertemplate=t("loss_surface.chart.hover_path"),
            )
        )
        fig.add_trace(_arrows(path, x_span, y_span, color, xs, ys))
    for x, y, label, symbol in minima:
        fig.add_trace(
            go.Scatter(
                x=[x],
                y=[y],
                mode="markers",
                name=label,
                marker={"symbol": symbol, "size": 15, "color": "white", "line": {"width": 2, "color": "black"}},
                hovertemplate=f"{label}<br>%{{x:.4g}}, %{{y:.4g}}<extra></extra>",
            )
        )
    fig.update_xaxes(range=[xs[0], xs[-1]])
    fig.update_yaxes(range=[ys[0], ys[-1]])
    if equal_axes:
        fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return _legend_below(style(fig, labels[0], labels[1], labels[2], height=520), 520)


def _arrow_data(path, x_span: float, y_span: float, xs, ys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrows along -gradient (the way a gradient step goes) at a few points of a path, all of the
    same size on screen: x, y of segments separated by gaps, and marker sizes (an arrowhead at each tip)."""
    picks = np.unique(np.linspace(0, len(path.losses) - 1, ARROWS_PER_PATH).astype(int))
    points, grads = path.thetas[picks], path.grads[picks]  # (m, 2)
    inside = (points[:, 0] >= xs[0]) & (points[:, 0] <= xs[-1]) & (points[:, 1] >= ys[0]) & (points[:, 1] <= ys[-1])
    screen = -grads / np.array([x_span, y_span])  # the direction as drawn on the plot
    norm = np.linalg.norm(screen, axis=1, keepdims=True)
    keep = inside & np.isfinite(norm[:, 0]) & (norm[:, 0] > 0)
    tips = points + screen / np.where(norm > 0, norm, 1) * ARROW_LENGTH * np.array([x_span, y_span])
    segments = np.full((int(keep.sum()), 3, 2), np.nan)  # (arrows, tail/tip/gap, xy)
    segments[:, 0], segments[:, 1] = points[keep], tips[keep]
    return segments[:, :, 0].ravel(), segments[:, :, 1].ravel(), np.tile([0, 11, 0], len(segments))


def _arrows(path, x_span: float, y_span: float, color: str, xs, ys) -> go.Scatter:
    """One trace of arrows along -gradient for a path (see _arrow_data)."""
    x, y, sizes = _arrow_data(path, x_span, y_span, xs, ys)
    return go.Scatter(
        x=x,
        y=y,
        mode="lines+markers",
        line={"color": color, "width": 1.5},
        marker={"symbol": "arrow", "angleref": "previous", "size": sizes, "color": color},
        hoverinfo="skip",
        showlegend=False,
    )


def _path_customdata(path) -> np.ndarray:
    return np.column_stack([np.arange(len(path.losses)), path.losses, path.grads])


def update_contour_paths(fig: go.Figure, xs, ys, paths: dict) -> None:
    """Move the paths (and their arrows) of a contour_figure built with the same optimizers, in place:
    trace 0 is the surface, then a path and its arrows per optimizer."""
    x_span, y_span = xs[-1] - xs[0], ys[-1] - ys[0]
    with fig.batch_update():
        for i, (label, path) in enumerate(paths.values()):
            line, arrows = fig.data[1 + 2 * i], fig.data[2 + 2 * i]
            line.x, line.y, line.name = path.thetas[:, 0], path.thetas[:, 1], label
            line.customdata = _path_customdata(path)
            arrows.x, arrows.y, arrows.marker.size = _arrow_data(path, x_span, y_span, xs, ys)


def surface_figure(xs, ys, z, paths: dict, labels: tuple[str, str, str], log_z: bool = True) -> go.Figure:
    """The same loss as a 3D surface (drag to rotate, scroll to zoom) with the paths lying on it."""
    fig = go.Figure(
        go.Surface(
            x=xs,
            y=ys,
            z=z,
            colorscale="Viridis",
            surfacecolor=np.log10(z) if log_z else z,
            showscale=False,
            opacity=0.9,
            name=t("loss_surface.chart.loss"),
            hovertemplate=t("loss_surface.chart.hover_surface3d", x=labels[1], y=labels[2]),
        )
    )
    for name, (label, path) in paths.items():
        color = OPTIMIZER_COLORS.get(name, COLORS["model"])
        x, y, z = _path_on_surface(path, xs, ys)
        fig.add_trace(
            go.Scatter3d(
                x=x,
                y=y,
                z=z,
                mode="lines+markers",
                name=label,
                line={"color": color, "width": 5},
                marker={"size": 2, "color": color},
            )
        )
    fig.update_layout(
        scene={
            "xaxis": {"title": {"text": labels[1]}, "range": [xs[0], xs[-1]]},
            "yaxis": {"title": {"text": labels[2]}, "range": [ys[0], ys[-1]]},
            "zaxis": {"title": {"text": t("loss_surface.chart.loss")}, "type": "log" if log_z else "linear"},
        }
    )
    fig = style(fig, labels[0], labels[1], labels[2], height=520)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 50, "b": 0})
    return fig


def _path_on_surface(path, xs, ys) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A path's (k, b, loss), with the points outside the drawn surface left out (NaN)."""
    inside = (
        (path.thetas[:, 0] >= xs[0]) & (path.thetas[:, 0] <= xs[-1])
        & (path.thetas[:, 1] >= ys[0]) & (path.thetas[:, 1] <= ys[-1])
    )  # fmt: skip
    return tuple(np.where(inside, values, np.nan) for values in (path.thetas[:, 0], path.thetas[:, 1], path.losses))


def update_surface_paths(fig: go.Figure, xs, ys, paths: dict) -> None:
    """Move the paths of a surface_figure built with the same optimizers, in place (trace 0 is the surface)."""
    with fig.batch_update():
        for trace, (label, path) in zip(fig.data[1:], paths.values()):
            trace.x, trace.y, trace.z = _path_on_surface(path, xs, ys)
            trace.name = label


def loss_curves_figure(paths: dict, best: float | None) -> go.Figure:
    """Each optimizer's loss after every step (log scale), with the lowest possible loss."""
    fig = go.Figure()
    for name, (label, path) in paths.items():
        fig.add_trace(
            go.Scatter(
                y=path.losses,
                mode="lines",
                name=label,
                line={"color": OPTIMIZER_COLORS.get(name, COLORS["model"]), "width": 2},
                hovertemplate=t("loss_surface.chart.hover_curve"),
            )
        )
    if best is not None:  # a plain trace: far cheaper to build than add_hline's shape and annotation
        longest = max((len(path.losses) for _, path in paths.values()), default=1)
        fig.add_trace(
            go.Scatter(
                x=[0, longest - 1],
                y=[best, best],
                mode="lines",
                name=t("loss_surface.chart.best", error=f"{best:.1f}"),
                line={"color": COLORS["reference"], "dash": "dash"},
                hoverinfo="skip",
            )
        )
    fig.update_yaxes(type="log")
    style(fig, t("loss_surface.chart.curves_title"), t("loss_surface.chart.step_axis"), t("loss_surface.chart.loss"))
    return _legend_below(fig, 380)


def update_loss_curves(fig: go.Figure, paths: dict, best: float | None) -> None:
    """New losses (and labels) for a loss_curves_figure built with the same optimizers, in place."""
    with fig.batch_update():
        for trace, (label, path) in zip(fig.data, paths.values()):
            trace.y, trace.name = path.losses, label
        if best is not None:
            longest = max((len(path.losses) for _, path in paths.values()), default=1)
            reference = fig.data[len(paths)]
            reference.x, reference.y = [0, longest - 1], [best, best]
            reference.name = t("loss_surface.chart.best", error=f"{best:.1f}")


def basins_figure(ws, vs, labels: np.ndarray, minima: list, names: list[str]) -> go.Figure:
    """Which minimum gradient descent reaches from every start: the basins of attraction."""
    palette = [COLORS["reference"], COLORS["warning"]]
    colorscale = [[0.0, COLORS["muted"]], [0.33, COLORS["muted"]]]
    colorscale += [[0.34, palette[0]], [0.66, palette[0]], [0.67, palette[1]], [1.0, palette[1]]]
    text = np.vectorize(lambda i: names[i] if i >= 0 else t("loss_surface.chart.nowhere"))(labels)
    fig = go.Figure(
        go.Heatmap(
            x=ws, y=vs, z=labels, zmin=-1, zmax=1, colorscale=colorscale, showscale=False, text=text,
            hovertemplate=t("loss_surface.chart.hover_basin"), name="",
        )
    )  # fmt: skip
    for (w, v), label, symbol in minima:
        fig.add_trace(
            go.Scatter(
                x=[w], y=[v], mode="markers", name=label,
                marker={"symbol": symbol, "size": 14, "color": "white", "line": {"width": 2, "color": "black"}},
            )
        )  # fmt: skip
    style(fig, t("loss_surface.chart.basins_title"), t("loss_surface.chart.w_axis"), t("loss_surface.chart.v_axis"))
    return _legend_below(fig, 420)


def landscape_contour(axis, z) -> go.Figure:
    """Li et al.'s 2D slice as a contour map of the loss around the trained network (the star at 0, 0)."""
    contour = go.Figure(
        go.Contour(
            x=axis, y=axis, z=np.log10(z), customdata=z, colorscale="Viridis", ncontours=25,
            colorbar=_log_colorbar(z, t("loss_surface.chart.ce_loss")),
            hovertemplate=t("loss_surface.chart.hover_landscape"), name="",
        )
    )  # fmt: skip
    contour.add_trace(
        go.Scatter(
            x=[0], y=[0], mode="markers", name=t("loss_surface.chart.trained"),
            marker={"symbol": "star", "size": 15, "color": "white", "line": {"width": 2, "color": "black"}},
        )
    )  # fmt: skip
    contour.update_yaxes(scaleanchor="x", scaleratio=1)
    a_title, b_title = t("loss_surface.chart.alpha_axis"), t("loss_surface.chart.beta_axis")
    return style(contour, t("loss_surface.chart.landscape_title"), a_title, b_title, height=460)


def landscape_surface(axis, z) -> go.Figure:
    """The same slice in 3D (drag to rotate)."""
    a_title, b_title = t("loss_surface.chart.alpha_axis"), t("loss_surface.chart.beta_axis")
    surface = go.Figure(
        go.Surface(x=axis, y=axis, z=z, colorscale="Viridis", surfacecolor=np.log10(z), showscale=False)
    )
    surface.update_layout(
        scene={
            "xaxis": {"title": {"text": a_title}},
            "yaxis": {"title": {"text": b_title}},
            "zaxis": {"title": {"text": t("loss_surface.chart.ce_loss")}, "type": "log"},
        }
    )
    return style(surface, t("loss_surface.chart.landscape_3d_title"), a_title, b_title, height=460)
