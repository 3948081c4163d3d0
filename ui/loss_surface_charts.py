"""Figures for lesson 2, built from core.loss_surface's results.

The walk (`walk_template`) is a grid scrub figure (ui/scrub.py): one row of frames per learning rate, one
frame per step, the point moving along that rate's path over a picture of the map and along its error
curve beside it, with no redraw.
The other figures are built once per structure and updated in place (`update_*`), as ui.figures.chart
expects.
"""

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import sample_colorscale, unlabel_rgb
from plotly.subplots import make_subplots

from ui.figures import COLORS, rounded, style
from ui.i18n import t
from ui.scrub import Frame, build_template

# One colour per optimizer, the same in every chart; plain gradient descent is the model walking.
OPTIMIZER_COLORS = {
    "gd": COLORS["model"],
    "sgd": COLORS["data"],
    "momentum": COLORS["accent"],
    "adam": COLORS["warning"],
}
SURFACE_COLORS = "Blues_r"  # low error dark: the valley floor; paths in warm colours stand out on it
ARROW_LENGTH = 0.08  # the −gradient arrow, as a fraction of the map's width and height
MARKERS_PER_PATH = 40
ERROR_TOP = 1.3  # the walk's error panel ends at this multiple of the start's error: a diverging curve leaves it
BASIN_COLORS = (COLORS["reference"], COLORS["warning"])  # the global minimum's basin, the local one's
LEGEND_ABOVE = {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0.0}


def _above(fig: go.Figure, height: int, top: int = 100) -> go.Figure:
    """The title at the top, then the legend, then the plot: below the plot, the legend collided with
    the x axis title."""
    title = {"y": 0.98, "yanchor": "top", "yref": "container"}
    fig.update_layout(legend=LEGEND_ABOVE, height=height, margin={"l": 10, "r": 10, "t": top, "b": 10}, title=title)
    return fig


def log_ticks(low: float, high: float) -> dict:
    """Tick values and full-number labels for a log axis from low to high: every digit within one
    decade, 1-2-5 over a few, powers of ten beyond (Plotly's own minor labels read "2, 5")."""
    decades = np.log10(high / low)
    digits = range(1, 10) if decades < 1 else (1, 2, 5) if decades < 3 else (1,)
    values = [m * 10.0**e for e in range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
              for m in digits if low <= m * 10.0**e <= high]  # fmt: skip
    return {"tickvals": values, "ticktext": [f"{v:,.0f}" for v in values]}


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


def _contour(xs, ys, z, labels: tuple[str, str, str], colorbar: bool) -> go.Heatmap:
    """The loss as a smooth colour map of log10(loss); hover gives the loss itself.

    A heatmap rather than filled contour bands: the browser draws it as one image, where 30 bands are
    paths it recomputes on every redraw (a drag's frame, a new learning rate).
    """
    z = np.asarray(z)
    return go.Heatmap(
        x=xs,
        y=ys,
        z=np.log10(z),
        customdata=z,
        colorscale=SURFACE_COLORS,
        zsmooth="best",
        showscale=colorbar,
        colorbar=_log_colorbar(z, t("loss_surface.chart.loss")) if colorbar else None,
        hovertemplate=t("loss_surface.chart.hover_surface", x=labels[1], y=labels[2]),
        name=t("loss_surface.chart.loss"),
    )


def _marker(x: float, y: float, name: str, symbol: str, size: int = 14, color: str = "white") -> go.Scatter:
    return go.Scatter(
        x=[x],
        y=[y],
        mode="markers",
        name=name,
        marker={"symbol": symbol, "size": size, "color": color, "line": {"width": 2, "color": "black"}},
        hovertemplate=f"{name}<br>%{{x:.4g}}, %{{y:.4g}}<extra></extra>",
    )


def arrow(theta, grad, xs, ys) -> tuple[list, list]:
    """The −gradient arrow at theta, the same length on screen whatever the axes' units: x and y of
    its tail and tip. Empty where theta is off the map or the gradient is zero."""
    x_span, y_span = xs[-1] - xs[0], ys[-1] - ys[0]
    inside = xs[0] <= theta[0] <= xs[-1] and ys[0] <= theta[1] <= ys[-1]
    screen = -np.asarray(grad, dtype=float) / np.array([x_span, y_span])  # the direction as drawn
    norm = float(np.linalg.norm(screen))
    if not inside or not np.isfinite(norm) or norm == 0:
        return [], []
    tip = np.asarray(theta) + screen / norm * ARROW_LENGTH * np.array([x_span, y_span])
    return [float(theta[0]), float(tip[0])], [float(theta[1]), float(tip[1])]


# --- The walk: one frame per learning rate and step --------------------------------------------------------
HEADLINE = {"size": 15}  # the state's headline, where a title would be
HEADLINE_ROW = 0.09  # the share of the plot's height that the headline's row takes


def surface_image(xs, ys, z, pixels: int = 240) -> dict:
    """The loss map as a picture under the walk (a layout image): log10(loss) in SURFACE_COLORS, darker
    is lower, smoothed as the heatmap's "best" smoothing would. A picture is not a trace: jumps between
    the walk's frames then need no redraw (a heatmap is erased by a jump without one)."""
    shade = np.log10(np.asarray(z, dtype=float))
    shade = ((shade - shade.min()) / (shade.max() - shade.min())).astype(np.float32)  # 0 lowest … 1 highest
    smooth = np.asarray(Image.fromarray(shade, mode="F").resize((pixels, pixels), Image.BICUBIC))
    palette = np.array([unlabel_rgb(c) for c in sample_colorscale(SURFACE_COLORS, np.linspace(0, 1, 256))])
    rgb = palette[np.clip(np.rint(smooth * 255), 0, 255).astype(int)][::-1]  # the image's first row: the top (high b)
    jpeg = io.BytesIO()
    Image.fromarray(rgb.astype(np.uint8), mode="RGB").save(jpeg, "JPEG", quality=88)
    source = "data:image/jpeg;base64," + base64.b64encode(jpeg.getvalue()).decode()
    return {"source": source, "x": float(xs[0]), "y": float(ys[-1]), "sizex": float(xs[-1] - xs[0]),
            "sizey": float(ys[-1] - ys[0]), "sizing": "stretch", "layer": "below"}  # fmt: skip


def _headline_and_panels(curve: bool) -> go.Figure:
    """The walk's layout: a thin row across the top for the state's headline (trace 0, a text trace: a
    title would need a redraw to change), then the map and (with `curve`) the error panel."""
    cols = 2 if curve else 1
    specs = [[{"colspan": cols}] + [None] * (cols - 1), [{}] * cols]
    fig = make_subplots(rows=2, cols=cols, specs=specs, row_heights=[HEADLINE_ROW, 1 - HEADLINE_ROW],
                        column_widths=[0.58, 0.42] if curve else None, horizontal_spacing=0.1,
                        vertical_spacing=0.04)  # fmt: skip
    fig.add_trace(go.Scatter(x=[0], y=[0.5], text=[""], mode="text", textposition="middle right", cliponaxis=False,
                             textfont=HEADLINE, showlegend=False, hoverinfo="skip"), row=1, col=1)  # fmt: skip
    fig.update_xaxes(visible=False, fixedrange=True, range=[0, 1], row=1, col=1)
    fig.update_yaxes(visible=False, fixedrange=True, range=[0, 1], row=1, col=1)
    return fig


def walk_template(xs, ys, z, paths: list, lrs: tuple, steps: int, axes: tuple[str, str], lowest: float, minimum,
                  start_name: str, standardized: bool = False, curve: bool = True) -> dict:  # fmt: skip
    """Gradient descent at several learning rates, step by step, as one grid scrub figure: row i is
    `paths[i]` (at rate `lrs[i]`), column t its step t. A row's frame draws that rate's whole path (and
    error curve); a step's frame moves the headline, the point, its −gradient arrow and (with `curve`)
    the error's marker to step t. A path that diverged before `steps` keeps its last state, and the
    headline says so. Only scatter traces over a picture of the map: no jump redraws the figure.
    Standardized parameters are k′ and b′, on equal axes (the bowl is round)."""
    fig = _headline_and_panels(curve)
    on_map = {"row": 2, "col": 1}
    grid = np.meshgrid(xs[::2], ys[::2])  # where hovering reads the loss off the map
    fig.add_trace(go.Scatter(x=rounded(grid[0].ravel(), 4), y=rounded(grid[1].ravel(), 4), mode="markers",
                             marker={"opacity": 0, "size": 10}, customdata=rounded(np.asarray(z)[::2, ::2].ravel(), 2),
                             hovertemplate=t("loss_surface.chart.hover_surface", x=axes[0], y=axes[1]),
                             showlegend=False), **on_map)  # fmt: skip
    fig.add_trace(_marker(*paths[0].thetas[0], start_name, "circle", 11, COLORS["muted"]), **on_map)
    fig.add_trace(_marker(*minimum, t("loss_surface.chart.least_squares"), "star", 16), **on_map)
    color = COLORS["model"]
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=t("loss_surface.opt.gd"), hoverinfo="skip",
                             line={"color": color, "width": 2}, opacity=0.8,
                             marker={"size": 5, "color": color, "maxdisplayed": MARKERS_PER_PATH}),
                  **on_map)  # fmt: skip
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", showlegend=False, hoverinfo="skip",
                             marker={"size": 13, "color": color, "line": {"width": 2, "color": "white"}}),
                  **on_map)  # fmt: skip
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=t("loss_surface.chart.downhill"),
                             line={"color": COLORS["warning"], "width": 3}, hoverinfo="skip",
                             marker={"symbol": "arrow", "angleref": "previous", "size": [0, 14],
                                     "color": COLORS["warning"]}), **on_map)  # fmt: skip
    style(fig, "", *axes, height=470 if curve else 460)
    map_x = fig.get_subplot(2, 1).xaxis.plotly_name.replace("axis", "")  # "x2"
    # No grid lines: a layout image lies beneath them, where a heatmap trace covered them.
    fig.update_xaxes(title_text=axes[0], range=[xs[0], xs[-1]], showgrid=False, zeroline=False, **on_map)
    fig.update_yaxes(title_text=axes[1], range=[ys[0], ys[-1]], showgrid=False, zeroline=False, **on_map)
    fig.add_layout_image(surface_image(xs, ys, z), xref=map_x, yref=map_x.replace("x", "y"))
    if standardized:
        fig.update_yaxes(scaleanchor=map_x, scaleratio=1, constrain="domain", **on_map)
        fig.update_xaxes(constrain="domain", **on_map)
    traces = [0, 5, 6]  # the headline; the point and its arrow
    row_traces, row_data = [4], [[_path_data(path)] for path in paths]  # the path
    if curve:
        _error_panel(fig, paths, steps, lowest)
        traces.append(9)  # the error's marker
        row_traces.append(8)  # the error curve
        row_data = [data + [{"y": rounded(path.losses, 3)}] for data, path in zip(row_data, paths)]
    symbols = ("k′", "b′") if standardized else ("k", "b")
    frames = [_walk_frame(path, lr, step, xs, ys, symbols, curve)
              for path, lr in zip(paths, lrs) for step in range(steps + 1)]  # fmt: skip
    rows = (row_traces, [Frame(data, "") for data in row_data])
    labels = [str(s) for s in range(steps + 1)]
    spec = build_template(fig, traces, frames, labels, t("loss_surface.chart.step_prefix"), redraw=False, rows=rows)
    spec["layout"]["margin"]["t"] = 45  # no title above: the headline has its own row
    return spec


def _path_data(path) -> dict:
    return {"x": rounded(path.thetas[:, 0], 5), "y": rounded(path.thetas[:, 1], 5)}


def _error_panel(fig: go.Figure, paths: list, steps: int, lowest: float) -> None:
    """The right-hand panel of the walk (traces 7-9): the lowest possible error, the row's error curve and
    the marker at the step shown. The scale stops at ERROR_TOP × the start's error: a diverging walk's
    curve leaves the panel upwards (its headline says where it passed 1000×)."""
    color = COLORS["model"]
    fig.add_trace(go.Scatter(x=[0, steps], y=[lowest, lowest], mode="lines", hoverinfo="skip",
                             name=t("loss_surface.chart.best", error=f"{lowest:,.1f}"),
                             line={"color": COLORS["reference"], "dash": "dash"}), row=2, col=2)  # fmt: skip
    fig.add_trace(go.Scatter(y=[], mode="lines", line={"color": color, "width": 2.5}, showlegend=False,
                             hovertemplate=t("loss_surface.chart.hover_curve")), row=2, col=2)  # fmt: skip
    fig.add_trace(go.Scatter(x=[], y=[], mode="markers", showlegend=False, hoverinfo="skip",
                             marker={"size": 11, "color": color, "line": {"width": 2, "color": "white"}}),
                  row=2, col=2)  # fmt: skip
    finite = np.concatenate([path.losses[np.isfinite(path.losses)] for path in paths])
    low, high = min(lowest, float(finite.min())) / 1.1, ERROR_TOP * float(paths[0].losses[0])
    fig.update_xaxes(title_text=t("loss_surface.chart.step_axis"), range=[0, steps], row=2, col=2)
    fig.update_yaxes(title_text=t("loss_surface.chart.error_log_axis"), type="log",
                     range=[np.log10(low), np.log10(high)], **log_ticks(low, high), row=2, col=2)  # fmt: skip


def _walk_frame(path, lr: float, step: int, xs, ys, symbols: tuple[str, str], curve: bool = True) -> Frame:
    """Step `step` of `path` (its row's frame draws the path): past a divergence, the last state before it."""
    last = len(path.losses) - 1
    at = min(step, last)
    k, b = path.thetas[at]
    tail = arrow(path.thetas[at], path.grads[at], xs, ys) if step <= last else ([], [])
    tail = tail if tail[0] else ([None, None], [None, None])  # no arrow: two gaps (a jump leaves empty data drawn)
    numbers = {"step": step, "k": f"{k:.2f}", "b": f"{b:.2f}", "error": f"{path.losses[at]:,.1f}",
               "k_name": symbols[0], "b_name": symbols[1], "lr": f"{lr:g}"}  # fmt: skip
    if step > last:
        headline = t("loss_surface.chart.walk_diverged_title", step=path.diverged_at, last=last, lr=f"{lr:g}")
    else:
        headline = t("loss_surface.chart.walk_title", **numbers)
    data = [
        {"text": [f"<b>{headline}</b>"]},
        {"x": [round(float(k), 5)], "y": [round(float(b), 5)]},
        {
            "x": [None if v is None else round(v, 5) for v in tail[0]],
            "y": [None if v is None else round(v, 5) for v in tail[1]],
        },
    ]
    if curve:
        data.append({"x": [at], "y": [round(float(path.losses[at]), 3)]})
    return Frame(data, "")


# --- Several optimizers at once ----------------------------------------------------------------------------
def race_figure(xs, ys, z, paths: dict, minimum, labels: tuple[str, str, str]) -> go.Figure:
    """Each optimizer's path on the map; its legend entry says how the run ended.
    paths: name -> (label, Descent); labels: (title, k axis, b axis)."""
    fig = go.Figure([_contour(xs, ys, z, labels, colorbar=False)])
    fig.add_trace(_marker(*minimum, t("loss_surface.chart.least_squares"), "star", 16))
    fig.add_trace(_marker(*next(iter(paths.values()))[1].thetas[0], t("loss_surface.chart.start_v1"), "circle", 11,
                          COLORS["muted"]))  # fmt: skip
    fig.update_traces(showlegend=False, selector={"mode": "markers"})  # the walk above introduced ★ and ●
    for name, (label, _) in paths.items():
        color = OPTIMIZER_COLORS[name]
        fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=label, line={"color": color, "width": 2},
                                 marker={"size": 4, "color": color, "maxdisplayed": MARKERS_PER_PATH},
                                 hovertemplate=t("loss_surface.chart.hover_path")))  # fmt: skip
    style(fig, *labels)
    fig.update_xaxes(range=[xs[0], xs[-1]])
    fig.update_yaxes(range=[ys[0], ys[-1]])
    update_race(fig, paths)
    return _above(fig, 480, top=130)


def update_race(fig: go.Figure, paths: dict) -> None:
    """New paths and labels for a race_figure built with the same optimizers, in place: trace 0 is the
    map, 1 the minimum, 2 the start, then a path per optimizer."""
    with fig.batch_update():
        for line, (label, path) in zip(fig.data[3:], paths.values()):
            line.x, line.y, line.name = path.thetas[:, 0], path.thetas[:, 1], label
            line.customdata = np.column_stack([np.arange(len(path.losses)), path.losses, path.grads])


# --- The 3D view -------------------------------------------------------------------------------------------
def surface_figure(xs, ys, z, path, labels: tuple[str, str, str]) -> go.Figure:
    """The loss as a 3D surface (drag to rotate, scroll to zoom) with one path lying on it."""
    fig = go.Figure(
        go.Surface(x=xs, y=ys, z=z, colorscale=SURFACE_COLORS, surfacecolor=np.log10(z), showscale=False,
                   opacity=0.95, name=t("loss_surface.chart.loss"),
                   hovertemplate=t("loss_surface.chart.hover_surface3d", x=labels[1], y=labels[2]))
    )  # fmt: skip
    fig.add_trace(go.Scatter3d(x=[], y=[], z=[], mode="lines+markers", name=t("loss_surface.opt.gd"),
                               line={"color": COLORS["model"], "width": 6},
                               marker={"size": 2, "color": COLORS["model"]}))  # fmt: skip
    fig.update_layout(
        scene={
            "xaxis": {"title": {"text": labels[1]}, "range": [xs[0], xs[-1]]},
            "yaxis": {"title": {"text": labels[2]}, "range": [ys[0], ys[-1]]},
            "zaxis": {"title": {"text": t("loss_surface.chart.loss")}, "type": "log"},
        }
    )
    style(fig, labels[0], labels[1], labels[2], height=520)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 50, "b": 0})
    update_surface_path(fig, xs, ys, path)
    return fig


def update_surface_path(fig: go.Figure, xs, ys, path) -> None:
    """Lay `path` on a surface_figure, in place; the points off the drawn surface are left out (NaN)."""
    k, b = path.thetas[:, 0], path.thetas[:, 1]
    inside = (k >= xs[0]) & (k <= xs[-1]) & (b >= ys[0]) & (b <= ys[-1])
    trace = fig.data[1]
    trace.x, trace.y, trace.z = (np.where(inside, values, np.nan) for values in (k, b, path.losses))


# --- One tanh neuron: two minima, a saddle, and their basins -----------------------------------------------
def neuron_figure(xs, ys, z, minima: list, saddles: list, path, label: str) -> go.Figure:
    """The neuron's loss over (w, v), its minima and saddle, and one path from its start (ringed)."""
    labels = (t("loss_surface.chart.neuron_title"), t("loss_surface.chart.w_axis"), t("loss_surface.chart.v_axis"))
    fig = go.Figure(_contour(xs, ys, z, labels, colorbar=False))
    for i, point in enumerate(minima):
        fig.add_trace(_marker(*point, _minimum_name(i), "star" if i == 0 else "diamond", 15))
    for point in saddles:
        fig.add_trace(_marker(*point, t("loss_surface.chart.saddle"), "x", 13))
    fig.add_trace(_marker(0.0, 0.0, t("loss_surface.chart.start"), "circle", 12, COLORS["muted"]))
    color = COLORS["model"]
    fig.add_trace(go.Scatter(x=[], y=[], mode="lines+markers", name=label, line={"color": color, "width": 2.5},
                             marker={"size": 4, "color": color, "maxdisplayed": MARKERS_PER_PATH},
                             hovertemplate=t("loss_surface.chart.hover_path")))  # fmt: skip
    style(fig, *labels, height=420)
    fig.update_xaxes(range=[xs[0], xs[-1]])
    fig.update_yaxes(range=[ys[0], ys[-1]])
    update_neuron_figure(fig, path, label)
    return _above(fig, 400, top=110)


def update_neuron_figure(fig: go.Figure, path, label: str) -> None:
    """Move the start ring and the path of a neuron_figure, in place (they are its last two traces)."""
    with fig.batch_update():
        start, line = fig.data[-2], fig.data[-1]
        start.x, start.y = [float(path.thetas[0, 0])], [float(path.thetas[0, 1])]
        line.x, line.y, line.name = path.thetas[:, 0], path.thetas[:, 1], label
        line.customdata = np.column_stack([np.arange(len(path.losses)), path.losses, path.grads])


def _minimum_name(i: int) -> str:
    return t("loss_surface.chart.global_min" if i == 0 else "loss_surface.chart.local_min")


def basins_figure(ws, vs, labels: np.ndarray, minima: list, start) -> go.Figure:
    """Which minimum plain gradient descent reaches from every start, with a key for the colours and
    the learner's start ringed."""
    colorscale = [[0.0, COLORS["muted"]], [0.33, COLORS["muted"]], [0.34, BASIN_COLORS[0]], [0.66, BASIN_COLORS[0]],
                  [0.67, BASIN_COLORS[1]], [1.0, BASIN_COLORS[1]]]  # fmt: skip
    names = [t("loss_surface.chart.basin_global"), t("loss_surface.chart.basin_local")]
    text = np.vectorize(lambda i: names[i] if i >= 0 else t("loss_surface.chart.nowhere"))(labels)
    fig = go.Figure(
        go.Heatmap(x=ws, y=vs, z=labels, zmin=-1, zmax=1, colorscale=colorscale, showscale=False, text=text,
                   hovertemplate=t("loss_surface.chart.hover_basin"), name="", showlegend=False)
    )  # fmt: skip
    for name, color in [*zip(names, BASIN_COLORS), (t("loss_surface.chart.nowhere"), COLORS["muted"])]:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,  # a key entry: no point drawn
                                 marker={"symbol": "square", "size": 13, "color": color}))  # fmt: skip
    for i, point in enumerate(minima):
        fig.add_trace(_marker(*point, _minimum_name(i), "star" if i == 0 else "diamond", 14))
        fig.data[-1].showlegend = False
    fig.add_trace(_marker(*start, t("loss_surface.chart.start"), "circle", 12, COLORS["muted"]))
    fig.data[-1].showlegend = False
    style(fig, t("loss_surface.chart.basins_title"), t("loss_surface.chart.w_axis"), t("loss_surface.chart.v_axis"))
    return _above(fig, 400, top=110)


def update_basins_start(fig: go.Figure, start) -> None:
    fig.data[-1].x, fig.data[-1].y = [float(start[0])], [float(start[1])]


# --- A real network's landscape ------------------------------------------------------------------------------
def landscape_contour(axis, z) -> go.Figure:
    """Li et al.'s 2D slice as a contour map of the loss around the trained network (the star at 0, 0)."""
    contour = go.Figure(
        go.Contour(
            x=axis, y=axis, z=np.log10(z), customdata=z, colorscale="Viridis", ncontours=25,
            colorbar=_log_colorbar(z, t("loss_surface.chart.ce_loss")),
            hovertemplate=t("loss_surface.chart.hover_landscape"), name="",
        )
    )  # fmt: skip
    contour.add_trace(_marker(0.0, 0.0, t("loss_surface.chart.trained"), "star", 15))
    contour.update_yaxes(scaleanchor="x", scaleratio=1, constrain="domain")
    contour.update_xaxes(constrain="domain")
    a_title, b_title = t("loss_surface.chart.alpha_axis"), t("loss_surface.chart.beta_axis")
    return style(contour, t("loss_surface.chart.landscape_title"), a_title, b_title, height=380)


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
    style(surface, t("loss_surface.chart.landscape_3d_title"), a_title, b_title, height=440)
    surface.update_layout(margin={"l": 0, "r": 0, "t": 50, "b": 0})
    return surface
