"""Figures for lesson 5, built from core.convolution's results (every number on them is core's)."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
from PIL import Image

from core import convolution as cv
from ui.figures import COLORS, style
from ui.i18n import t
from ui.scrub import Frame, build_template

SMALL = 40  # maps up to this side are drawn cell by cell, with their values on hover
DIVERGING = "RdBu_r"  # negative blue, zero white, positive red
GRAY = "gray"  # an image's brightness: 0 black, 1 white
CLIP = 99.0  # a large map's colours saturate at this percentile of |value|: a few extreme pixels
#              would otherwise wash every edge out to white
_BLUE, _RED = np.array([33, 102, 172]), np.array([178, 24, 43])


def _is_signed(x: np.ndarray) -> bool:
    return bool(np.min(x) < -1e-9)


def _bound(x: np.ndarray, percentile: float = 100.0) -> float:
    return float(np.percentile(np.abs(x), percentile)) or float(np.max(np.abs(x))) or 1.0


def _lookup_tables() -> tuple[np.ndarray, np.ndarray]:
    """256 colours each: black to white, and blue through white to red."""
    u = np.linspace(0, 1, 256)[:, None]  # (256, 1)
    gray = np.repeat(u * 255, 3, axis=1)
    v = 2 * u - 1  # -1 ... 1
    white = np.full(3, 255.0)
    diverging = np.where(v > 0, white + v * (_RED - white), white - v * (_BLUE - white))
    return gray.astype(np.uint8), diverging.astype(np.uint8)


GRAY_LUT, DIVERGING_LUT = _lookup_tables()


def _rgb(x: np.ndarray, image: bool, bound: float) -> np.ndarray:
    """(H, W) values -> (H, W, 3) uint8: an image in gray (0 black, 1 white), a map blue-white-red."""
    if image:
        return GRAY_LUT[(np.clip(x, 0, 1) * 255).astype(np.uint8)]
    return DIVERGING_LUT[(np.clip(x / bound, -1, 1) * 127.5 + 127.5).astype(np.uint8)]


def png_source(x: np.ndarray, image: bool = False, bound: float | None = None) -> str:
    """A map as a PNG data URI: a 512x512 image travels as tens of kilobytes, not megabytes of JSON."""
    buffer = io.BytesIO()
    Image.fromarray(_rgb(x, image, bound or _bound(x, CLIP))).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _heat_values(x: np.ndarray, image: bool = False, bound: float | None = None) -> dict:
    """A small map's heatmap values and colours: an image in gray, a map blue-white-red around 0."""
    if image:
        return {"z": x, "colorscale": GRAY, "zmin": 0, "zmax": 1}
    bound = bound or _bound(x)
    return {"z": x, "colorscale": DIVERGING, "zmin": -bound, "zmax": bound}


def map_trace(x: np.ndarray, image: bool = False, bound: float | None = None) -> go.Heatmap | go.Image:
    """An image (brightness 0-1) or a feature map: a heatmap with values on hover when small, else a
    PNG. A map's colours reach full strength at `bound` (default: a large map's 99th percentile)."""
    if max(x.shape) <= SMALL:
        return go.Heatmap(
            **_heat_values(x, image, bound), showscale=False, hovertemplate=t("convolution.chart.hover_value")
        )
    return go.Image(source=png_source(x, image, bound), hovertemplate=t("convolution.chart.hover_pixel"))


def _range_note(x: np.ndarray) -> str:
    return t("convolution.chart.range", lo=f"{float(np.min(x)):.3g}", hi=f"{float(np.max(x)):.3g}")


def _panels(titles: list[str], widths: list[float], maps: int, gap: float = 0.06) -> dict:
    """A layout of panels side by side, `widths` in proportion; the first `maps` show images (rows
    downwards, square pixels, aligned top left under their titles). Plotly's make_subplots is slow to build."""
    scale = (1 - gap * (len(widths) - 1)) / sum(widths)
    layout, left = {"annotations": [], "showlegend": False}, 0.0
    for i, (title, width) in enumerate(zip(titles, widths), start=1):
        suffix = "" if i == 1 else str(i)
        right = min(1.0, left + width * scale)  # rounding could pass 1
        layout[f"xaxis{suffix}"] = {"domain": [left, right], "anchor": f"y{suffix}"}
        layout[f"yaxis{suffix}"] = {"domain": [0, 1], "anchor": f"x{suffix}"}
        if i <= maps:
            layout[f"xaxis{suffix}"].update(constrain="domain", constraintoward="left")
            layout[f"yaxis{suffix}"].update(
                autorange="reversed", scaleanchor=f"x{suffix}", constrain="domain", constraintoward="top"
            )
        box = {"x": left, "y": 1.0, "xref": "paper", "yref": "paper", "xanchor": "left", "yanchor": "bottom"}
        layout["annotations"].append({"text": title, "showarrow": False, "align": "left", **box})
        left = right + gap
    return layout


def _on(trace, panel: int):
    suffix = "" if panel == 1 else str(panel)
    trace.update(xaxis=f"x{suffix}", yaxis=f"y{suffix}")
    return trace


def _box(top: int, left: int, size: int) -> dict:
    """A square outline around cells [top, top + size) x [left, left + size), as a line's points."""
    x0, x1, y0, y1 = left - 0.5, left + size - 0.5, top - 0.5, top + size - 0.5
    return {"x": [x0, x1, x1, x0, x0], "y": [y0, y0, y1, y1, y0]}


def _outline(top: int, left: int, size: int) -> go.Scatter:
    return go.Scatter(
        **_box(top, left, size), mode="lines", line={"color": COLORS["warning"], "width": 4}, hoverinfo="skip"
    )


def _below_axis_title(spec: dict) -> dict:
    """Room between an x-axis title and the in-figure slider's label under it."""
    spec["layout"]["sliders"][0]["pad"] = {**spec["layout"]["sliders"][0]["pad"], "t": 70}
    return spec


# --- The hero: one kernel slid over a digit, stop by stop ------------------------------------------
def _cells(z, bound: float, panel: int, **extra) -> go.Heatmap:
    """A grid of numbered cells, blue-white-red around 0, with a gap between cells."""
    cells = go.Heatmap(
        z=z,
        colorscale=DIVERGING,
        zmin=-bound,
        zmax=bound,
        xgap=2,
        ygap=2,
        showscale=False,
        texttemplate="%{text}",
        hovertemplate=t("convolution.chart.hover_value"),
        **extra,
    )
    return _on(cells, panel)


def _products_text(patch: np.ndarray, k: np.ndarray, products: np.ndarray) -> list[list[str]]:
    return [[f"{a:.2f} × {b:.3g}<br>= {p:.2f}" for a, b, p in zip(*row)] for row in zip(patch, k, products)]


def _filled(y: np.ndarray, stops: int) -> tuple[list, list]:
    """The feature map as far as the kernel has gone (`stops` cells, row by row); None beyond."""
    flat = [float(v) if n < stops else None for n, v in enumerate(y.ravel())]
    rows = [flat[r * y.shape[1] : (r + 1) * y.shape[1]] for r in range(y.shape[0])]
    return rows, [["" if v is None else f"{v:.2f}" for v in row] for row in rows]


def slide_template(x: np.ndarray, k: np.ndarray, digit: int) -> dict:
    """The input with the patch outlined, the nine products of this stop, and the feature map filling
    in up to this stop: one frame per stop of the kernel (stride 1, no padding)."""
    s = cv.sweep(x, k)
    size = k.shape[0]
    y_bound, p_bound = _bound(s.y), _bound(s.products)
    rows, texts = _filled(s.y, 1)
    titles = [
        t("convolution.chart.slide_input", digit=digit, h=x.shape[0], w=x.shape[1]),
        t("convolution.chart.slide_products"),
        t("convolution.chart.slide_output", h=s.y.shape[0], w=s.y.shape[1]),
    ]
    blank = go.Heatmap(
        z=np.zeros(s.y.shape),
        colorscale=[[0, "#eeeeee"], [1, "#eeeeee"]],
        xgap=2,
        ygap=2,
        showscale=False,
        hoverinfo="skip",
    )  # the cells the kernel has not reached yet
    traces = [
        _on(
            go.Heatmap(
                **_heat_values(x, image=True),
                xgap=1,
                ygap=1,
                showscale=False,
                hovertemplate=t("convolution.chart.hover_value"),
            ),
            1,
        ),
        _on(_outline(0, 0, size), 1),
        _cells(s.products[0], p_bound, 2, text=_products_text(s.patches[0], k, s.products[0]), textfont={"size": 13}),
        _on(blank, 3),
        _cells(rows, y_bound, 3, text=texts),
        _on(_outline(0, 0, 1), 3),
    ]
    fig = go.Figure(traces, _panels(titles, [x.shape[1], 6, s.y.shape[1]], maps=3))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(dtick=1)
    fig.update_layout(xaxis2={"showticklabels": False}, yaxis2={"showticklabels": False})
    style(fig, "", t("convolution.chart.column_axis"), t("convolution.chart.row_axis"), 450)
    frames = []
    for n, (i, j) in enumerate(s.positions):
        rows, texts = _filled(s.y, n + 1)
        frames.append(
            Frame(
                [
                    _box(i, j, size),
                    {"z": s.products[n], "text": _products_text(s.patches[n], k, s.products[n])},
                    {"z": rows, "text": texts},
                    _box(i, j, 1),
                ],
                t("convolution.chart.slide_frame", row=i, col=j, value=f"{s.products[n].sum():.2f}"),
            )
        )
    labels = [f"({i}, {j})" for i, j in s.positions]
    return _below_axis_title(build_template(fig, [1, 2, 4, 5], frames, labels, t("convolution.chart.slide_prefix")))


# --- A real image and its feature map ---------------------------------------------------------------
def images_figure(x: np.ndarray, y: np.ndarray, pooled: tuple[str, np.ndarray] | None = None) -> go.Figure:
    """The input, the feature map and (title, map) the pooled map, side by side at their true
    relative sizes; both maps on the feature map's colour scale."""
    bound = _bound(y, CLIP if max(y.shape) > SMALL else 100.0)
    maps = [(f"{t('convolution.chart.input_title')}<br>{x.shape[0]}×{x.shape[1]}", map_trace(x, image=True)),
            (f"{t('convolution.chart.output_title')}<br>{y.shape[0]}×{y.shape[1]} · {_range_note(y)}",
             map_trace(y, bound=bound))]  # fmt: skip
    widths = [x.shape[1], y.shape[1]]
    if pooled is not None:
        title, m = pooled
        maps.append((f"{title}<br>{m.shape[0]}×{m.shape[1]}", map_trace(m, bound=bound)))
        widths.append(m.shape[1])
    traces = [_on(trace, n) for n, (_, trace) in enumerate(maps, start=1)]
    fig = go.Figure(traces, _panels([title for title, _ in maps], widths, maps=len(maps), gap=0.065))
    style(fig, "", t("convolution.chart.column_axis"), t("convolution.chart.row_axis"), 320)
    fig.update_layout(margin={"t": 45})
    return fig


# --- Why not a fully connected layer? ------------------------------------------------------------------
def parameters_figure(fc: int, conv: int) -> go.Figure:
    """The two weight counts side by side, on a log axis so the small one stays visible."""
    names = [t("convolution.chart.fc_layer"), t("convolution.chart.conv_layer")]
    fig = go.Figure(
        go.Bar(
            x=names,
            y=[fc, conv],
            text=[f"{fc:,}", f"{conv:,}"],
            textposition="outside",
            marker={"color": [COLORS["model"], COLORS["reference"]]},
            name=t("convolution.chart.parameters"),
            hovertemplate="%{x}: %{y:,}<extra></extra>",
        )
    )
    fig.update_yaxes(type="log", dtick=1, tickformat=",d", range=[0, 7.3])
    return style(fig, t("convolution.chart.parameters_title"), "", t("convolution.chart.parameters_axis"), 300)


def update_parameters_figure(fig: go.Figure, fc: int, conv: int) -> None:
    """New counts for a parameters_figure, in place."""
    bars = fig.data[0]
    bars.y, bars.text = [fc, conv], [f"{fc:,}", f"{conv:,}"]


def shift_template(demos: list, shifts: list[int]) -> dict:
    """One frame per sideways shift: the shifted digit, its feature map, and the dense layer's outputs
    after the shift against before (on the diagonal: unchanged)."""
    first = demos[shifts.index(0)]
    m_bound = max(_bound(d.conv_after) for d in demos)
    lo, hi = float(first.fc_before.min()), float(first.fc_before.max())
    titles = [
        t("convolution.chart.shifted_image"),
        t("convolution.chart.conv_after"),
        t("convolution.chart.fc_title", neurons=f"{len(first.fc_before):,}"),
    ]
    hover = t("convolution.chart.hover_value")
    traces = [
        _on(go.Heatmap(**_heat_values(first.image_after, image=True), showscale=False, hovertemplate=hover), 1),
        _on(go.Heatmap(**_heat_values(first.conv_after, bound=m_bound), showscale=False, hovertemplate=hover), 2),
        _on(
            go.Scatter(
                x=[lo, hi], y=[lo, hi], mode="lines", line={"color": COLORS["muted"], "dash": "dash"}, hoverinfo="skip"
            ),
            3,
        ),
        _on(
            go.Scatter(
                x=first.fc_before,
                y=first.fc_after,
                mode="markers",
                marker={"size": 4, "color": COLORS["model"]},
                hovertemplate=t("convolution.chart.hover_neuron"),
            ),
            3,
        ),
    ]
    fig = go.Figure(traces, _panels(titles, [1, 1, 1.3], maps=2))
    fig.update_layout(
        xaxis3={"title": t("convolution.chart.before_axis")},
        yaxis3={"title": t("convolution.chart.after_axis"), "side": "right"},
        xaxis={"showticklabels": False},
        yaxis={"showticklabels": False},
        xaxis2={"showticklabels": False},
        yaxis2={"showticklabels": False},
    )
    style(fig, "", "", "", 350)
    frames = []
    for dx, d in zip(shifts, demos):
        title = t(
            "convolution.chart.shift_frame",
            dx=f"{dx:+d}" if dx else "0",
            gap=f"{d.conv_gap:.2g}",
            change=f"{d.fc_change:.0%}",
        )
        changing = [
            {"z": d.image_after.astype(np.float32)},
            {"z": d.conv_after.astype(np.float32)},
            {"y": d.fc_after.astype(np.float32)},
        ]  # the outputs before the shift (x) stay
        frames.append(Frame(changing, title))
    labels = [f"{dx:+d}" if dx else "0" for dx in shifts]
    return _below_axis_title(build_template(fig, [0, 1, 3], frames, labels, t("convolution.chart.shift_prefix")))


# --- The small CNN ---------------------------------------------------------------------------------------
def _kernel_grid(first: np.ndarray, bound: float, layout: dict) -> list[go.Heatmap]:
    """One small heatmap per kernel (C, 3, 3), two rows on the left half; their axes go into `layout`."""
    columns = -(-len(first) // 2)
    traces = []
    for c, kernel in enumerate(first):
        row, col = divmod(c, columns)
        name, x0 = ("" if c == 0 else str(c + 1)), col * 0.5 / columns
        layout[f"xaxis{name}"] = {"domain": [x0 + 0.01, x0 + 0.5 / columns - 0.01], "anchor": f"y{name}",
                                  "visible": False}  # fmt: skip
        layout[f"yaxis{name}"] = {"domain": [0.52 - row * 0.5, 0.98 - row * 0.5], "anchor": f"x{name}",
                                  "visible": False, "autorange": "reversed", "scaleanchor": f"x{name}",
                                  "constrain": "domain"}  # fmt: skip
        traces.append(go.Heatmap(z=kernel, colorscale=DIVERGING, zmin=-bound, zmax=bound, showscale=False,
                                 xaxis=f"x{name}", yaxis=f"y{name}",
                                 hovertemplate=t("convolution.chart.hover_filter", number=c + 1)))  # fmt: skip
    return traces


def _accuracy_panel(cnn: list[float], mlp: list[float], axis: str, layout: dict) -> list[go.Scatter]:
    """Both accuracy curves on the right, labelled at their ends, and a marker per network (moved per frame)."""
    on = {"xaxis": f"x{axis}", "yaxis": f"y{axis}"}
    layout[f"xaxis{axis}"] = {"domain": [0.6, 1.0], "anchor": f"y{axis}", "title": t("convolution.chart.epoch_axis"),
                              "range": [-0.5, len(cnn) + 0.5]}  # fmt: skip
    layout[f"yaxis{axis}"] = {"domain": [0, 1], "anchor": f"x{axis}", "title": t("convolution.chart.accuracy_axis"),
                              "range": [max(0.0, 100 * min(cnn + mlp) - 5), 100.5], "side": "right"}  # fmt: skip
    lines, marks = [], []
    for values, name, color in ((cnn, "cnn", COLORS["reference"]), (mlp, "mlp", COLORS["model"])):
        label = t(f"convolution.chart.{name}")
        lines.append(go.Scatter(x=np.arange(1, len(values) + 1), y=np.array(values) * 100, mode="lines", name=label,
                                line={"color": color}, hovertemplate=t("convolution.chart.hover_accuracy"),
                                **on))  # fmt: skip
        marks.append(go.Scatter(x=[None], y=[None], mode="markers", marker={"size": 12, "color": color},
                                hoverinfo="skip", **on))  # fmt: skip
        end = {"x": len(values), "y": values[-1] * 100, "xref": f"x{axis}", "yref": f"y{axis}", "xanchor": "right"}
        layout["annotations"].append({"text": label, "showarrow": False, "yshift": 12 if name == "cnn" else -12,
                                      "font": {"color": color}, **end})  # fmt: skip
    return lines + marks


def epochs_template(kernels: list[np.ndarray], cnn: list[float], mlp: list[float], test: int) -> dict:
    """The first layer's kernels before training and after each epoch (a 2 x 4 grid), beside both
    networks' test accuracy, the current epoch marked."""
    count = len(kernels[0])
    layout = {"showlegend": False, "annotations": [], "height": 370, "hovermode": "closest",
              "title": {"text": "", "x": 0.0, "xanchor": "left"},
              "margin": {"l": 10, "r": 10, "t": 50, "b": 10}}  # fmt: skip
    traces = _kernel_grid(kernels[0], _bound(np.stack(kernels)), layout)
    traces += _accuracy_panel(cnn, mlp, str(count + 1), layout)
    fig = go.Figure(traces, layout)
    frames = [
        Frame([{"z": k} for k in kernels[0]] + [{"x": [None], "y": [None]}] * 2, t("convolution.chart.epoch_zero"))
    ]
    for e in range(1, len(cnn) + 1):
        marks = [{"x": [e], "y": [values[e - 1] * 100]} for values in (cnn, mlp)]
        title = t("convolution.chart.epoch_frame", epoch=e, total=len(cnn), cnn=f"{cnn[e - 1]:.1%}",
                  mlp=f"{mlp[e - 1]:.1%}", test=test)  # fmt: skip
        frames.append(Frame([{"z": k} for k in kernels[e]] + marks, title))
    changing = list(range(count)) + [count + 2, count + 3]
    labels = [str(e) for e in range(len(cnn) + 1)]
    return build_template(fig, changing, frames, labels, t("convolution.chart.epoch_prefix"))


def confusion_figure(counts: np.ndarray) -> go.Figure:
    fig = go.Figure(
        go.Heatmap(
            z=counts,
            x=list(range(10)),
            y=list(range(10)),
            text=counts,
            texttemplate="%{text}",
            colorscale="Blues",
            showscale=False,
            hovertemplate=t("convolution.chart.hover_confusion"),
        )
    )
    fig.update_yaxes(autorange="reversed", dtick=1, scaleanchor="x")
    fig.update_xaxes(dtick=1)
    return style(
        fig,
        t("convolution.chart.confusion_title"),
        t("convolution.chart.predicted_axis"),
        t("convolution.chart.true_axis"),
        380,
    )


def maps_figure(digit: np.ndarray, maps: np.ndarray) -> go.Figure:
    """One test digit and what each first-layer filter makes of it (after ReLU), in one row."""
    titles = [t("convolution.chart.digit_title")] + [
        t("convolution.chart.filter", number=c + 1) for c in range(len(maps))
    ]
    traces = [
        _on(
            go.Heatmap(
                **_heat_values(digit, image=True), showscale=False, hovertemplate=t("convolution.chart.hover_value")
            ),
            1,
        )
    ]
    bound = _bound(maps)
    for c, m in enumerate(maps, start=2):
        traces.append(
            _on(
                go.Heatmap(
                    **_heat_values(m, bound=bound),
                    showscale=False,
                    hovertemplate=t("convolution.chart.hover_filter", number=c - 1),
                ),
                c,
            )
        )
    fig = go.Figure(traces, _panels(titles, [1.0] * len(traces), maps=len(traces), gap=0.015))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(font={"size": 11})
    return style(fig, t("convolution.chart.maps_title"), "", "", 200)
