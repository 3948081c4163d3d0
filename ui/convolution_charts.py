"""Figures for lesson 5, built from core.convolution's results."""

import base64
import io

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image
from plotly.subplots import make_subplots

from core import convolution as cv
from ui.figures import COLORS, style
from ui.i18n import t

SMALL = 40  # maps up to this side are drawn cell by cell, with their values on hover
DIVERGING = "RdBu_r"  # negative blue, zero white, positive red
_BLUE, _RED = np.array([33, 102, 172]), np.array([178, 24, 43])


def _is_signed(x: np.ndarray) -> bool:
    return bool(np.min(x) < -1e-9)


def _lookup_tables() -> tuple[np.ndarray, np.ndarray]:
    """256 colours each: black to white, and blue through white to red."""
    u = np.linspace(0, 1, 256)[:, None]  # (256, 1)
    gray = np.repeat(u * 255, 3, axis=1)
    v = 2 * u - 1  # -1 ... 1
    white = np.full(3, 255.0)
    diverging = np.where(v > 0, white + v * (_RED - white), white - v * (_BLUE - white))
    return gray.astype(np.uint8), diverging.astype(np.uint8)


GRAY_LUT, DIVERGING_LUT = _lookup_tables()


def _rgb(x: np.ndarray) -> np.ndarray:
    """(H, W) values -> (H, W, 3) uint8: gray for non-negative maps, blue-white-red around 0 otherwise."""
    if not _is_signed(x):
        top = max(float(np.max(x)), 1e-12)
        return GRAY_LUT[(np.clip(x / top, 0, 1) * 255).astype(np.uint8)]
    bound = max(float(np.max(np.abs(x))), 1e-12)
    return DIVERGING_LUT[(np.clip(x / bound, -1, 1) * 127.5 + 127.5).astype(np.uint8)]


def png_source(x: np.ndarray) -> str:
    """A map as a PNG data URI: a 512x512 image travels as tens of kilobytes, not megabytes of JSON."""
    buffer = io.BytesIO()
    Image.fromarray(_rgb(x)).save(buffer, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _heat_values(x: np.ndarray) -> dict:
    """A small map's heatmap values and colours: gray when non-negative, diverging around 0 otherwise."""
    signed = _is_signed(x)
    bound = float(np.max(np.abs(x))) or 1.0
    return {"z": x, "colorscale": DIVERGING if signed else "gray", "zmin": -bound if signed else 0, "zmax": bound}


def map_trace(x: np.ndarray, source: str | None = None) -> go.Heatmap | go.Image:
    """A heatmap with values on hover for small maps; a PNG image (`source`, if encoded already) for large ones."""
    if max(x.shape) <= SMALL:
        return go.Heatmap(**_heat_values(x), showscale=False, hovertemplate=t("convolution.chart.hover_value"))
    return go.Image(source=source or png_source(x), hovertemplate=t("convolution.chart.hover_pixel"))


def _range_note(x: np.ndarray) -> str:
    return t("convolution.chart.range", lo=f"{float(np.min(x)):.3g}", hi=f"{float(np.max(x)):.3g}")


def map_figure(
    x: np.ndarray, title: str, box: tuple | None = None, height: int = 380, source: str | None = None, details=True
):
    """One image or feature map, rows downwards, with its size and value range in the title.

    box = (top, left, height, width) draws a rectangle, e.g. the patch under the kernel.
    """
    fig = go.Figure(map_trace(x, source))
    full_title = f"{title} · {x.shape[0]}×{x.shape[1]} · {_range_note(x)}" if details else title
    if box is not None:
        top, left, h, w = box
        fig.add_shape(
            type="rect",
            x0=left - 0.5,
            x1=left + w - 0.5,
            y0=top - 0.5,
            y1=top + h - 0.5,
            line={"color": COLORS["warning"], "width": 3},
        )
    fig.update_yaxes(autorange="reversed", scaleanchor="x", constrain="domain")
    fig.update_xaxes(constrain="domain")
    return style(fig, full_title, t("convolution.chart.column_axis"), t("convolution.chart.row_axis"), height)


def move_box(fig: go.Figure, box: tuple) -> None:
    """Move the rectangle of a map_figure drawn with a box to box = (top, left, height, width), in place."""
    top, left, h, w = box
    fig.layout.shapes[0].update(x0=left - 0.5, x1=left + w - 0.5, y0=top - 0.5, y1=top + h - 0.5)


def _panels(traces: list, titles: list[str], maps: int | None = None, axis: dict | None = None) -> go.Figure:
    """Panels side by side in one figure, laid out directly (plotly's make_subplots is slow to build).

    The first `maps` panels (all by default) show images: rows downwards, square pixels.
    """
    n, gap = len(traces), 0.05
    width = (1 - gap * (n - 1)) / n
    layout = {"annotations": [], "showlegend": False}
    for i, (trace, title) in enumerate(zip(traces, titles), start=1):
        suffix = "" if i == 1 else str(i)
        left = (i - 1) * (width + gap)
        trace.xaxis, trace.yaxis = f"x{suffix}", f"y{suffix}"
        layout[f"xaxis{suffix}"] = {"domain": [left, left + width], "anchor": f"y{suffix}", **(axis or {})}
        layout[f"yaxis{suffix}"] = {"domain": [0, 1], "anchor": f"x{suffix}", **(axis or {})}
        if i <= (n if maps is None else maps):
            layout[f"yaxis{suffix}"].update(autorange="reversed", scaleanchor=f"x{suffix}", constrain="domain")
        title_box = {"x": left + width / 2, "y": 1.0, "xref": "paper", "yref": "paper", "yanchor": "bottom"}
        layout["annotations"].append({"text": title, "showarrow": False, **title_box})
    return go.Figure(data=traces, layout=layout)


def _square_cells(fig: go.Figure, panels: int) -> None:
    """Rows downwards and square pixels in every panel of a subplot figure."""
    for n in range(1, panels + 1):
        suffix = "" if n == 1 else str(n)
        fig.layout[f"yaxis{suffix}"].update(autorange="reversed", scaleanchor=f"x{suffix}")


def _grid_values(values: np.ndarray) -> dict:
    """What a grid cell shows: the values, as colours and as text."""
    bound = float(np.max(np.abs(values))) or 1.0
    return {"z": values, "text": np.vectorize(lambda v: f"{v:.3g}")(values), "zmin": -bound, "zmax": bound}


def _grid_trace(values: np.ndarray) -> go.Heatmap:
    return go.Heatmap(
        **_grid_values(values),
        texttemplate="%{text}",
        colorscale=DIVERGING,
        showscale=False,
        hovertemplate=t("convolution.chart.hover_value"),
    )


def closeup_figure(patch: np.ndarray, k: np.ndarray, products: np.ndarray) -> go.Figure:
    """The input patch, the kernel and their element-wise products, every number in its cell."""
    titles = [
        t("convolution.chart.patch_title"),
        t("convolution.chart.kernel_title"),
        t("convolution.chart.products_title"),
    ]
    fig = _panels([_grid_trace(values) for values in (patch, k, products)], titles, axis={"dtick": 1})
    return style(
        fig,
        t("convolution.chart.closeup_title"),
        t("convolution.chart.column_axis"),
        t("convolution.chart.row_axis"),
        340,
    )


def update_closeup_figure(fig: go.Figure, patch: np.ndarray, k: np.ndarray, products: np.ndarray) -> None:
    """New numbers (same kernel size) for a closeup_figure, in place."""
    with fig.batch_update():
        for trace, values in zip(fig.data, (patch, k, products)):
            trace.update(_grid_values(values))


def stages_figure(stages: list[tuple[str, np.ndarray, str | None]]) -> go.Figure:
    """Feature map -> ReLU -> pooled, side by side, each titled with its size: (title, map, png source)."""
    titles = [f"{title} · {m.shape[0]}×{m.shape[1]}" for title, m, _ in stages]
    fig = _panels([map_trace(m, source) for _, m, source in stages], titles)
    return style(
        fig,
        t("convolution.chart.stages_title"),
        t("convolution.chart.column_axis"),
        t("convolution.chart.row_axis"),
        360,
    )


def parameters_figure(fc: int, conv: int) -> go.Figure:
    """The two parameter counts side by side, on a log axis so the small one stays visible."""
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
    fig.update_yaxes(type="log")
    return style(fig, t("convolution.chart.parameters_title"), "", t("convolution.chart.parameters_axis"), 340)


def update_parameters_figure(fig: go.Figure, fc: int, conv: int) -> None:
    """New counts for a parameters_figure, in place."""
    bars = fig.data[0]
    bars.y, bars.text = [fc, conv], [f"{fc:,}", f"{conv:,}"]


def shift_figure(demo, shown: int = 100) -> go.Figure:
    """The two feature maps (the features move along) and the fully connected layer's outputs."""
    titles = [
        t("convolution.chart.conv_before"),
        t("convolution.chart.conv_after"),
        t("convolution.chart.fc_title", shown=shown),
    ]
    fig = make_subplots(
        rows=1, cols=3, subplot_titles=titles, column_widths=[0.27, 0.27, 0.46], horizontal_spacing=0.05
    )
    fig.add_trace(map_trace(demo.conv_before), row=1, col=1)
    fig.add_trace(map_trace(demo.conv_after), row=1, col=2)
    for values, name, color in (
        (demo.fc_before[:shown], t("convolution.chart.original"), COLORS["data"]),
        (demo.fc_after[:shown], t("convolution.chart.shifted"), COLORS["model"]),
    ):
        fig.add_trace(
            go.Scatter(
                x=np.arange(shown),
                y=values,
                mode="lines+markers",
                name=name,
                line={"color": color},
                marker={"size": 4},
                hovertemplate=t("convolution.chart.hover_neuron"),
            ),
            row=1,
            col=3,
        )
    _square_cells(fig, 2)
    fig.update_xaxes(title_text=t("convolution.chart.neuron_axis"), row=1, col=3)
    fig.update_yaxes(title_text=t("convolution.chart.response_axis"), row=1, col=3)
    return style(
        fig,
        t("convolution.chart.shift_title"),
        t("convolution.chart.column_axis"),
        t("convolution.chart.row_axis"),
        380,
    )


def update_shift_figure(fig: go.Figure, demo, shown: int = 100) -> None:
    """Another shift (same image side, kernel and layer) for a shift_figure, in place."""
    with fig.batch_update():
        for trace, m in zip(fig.data[:2], (demo.conv_before, demo.conv_after)):  # heatmaps: the maps are small
            trace.update(_heat_values(m))
        fig.data[2].y, fig.data[3].y = demo.fc_before[:shown], demo.fc_after[:shown]


def accuracy_figure(cnn: list[float], mlp: list[float], cnn_name: str, mlp_name: str) -> go.Figure:
    epochs = np.arange(1, len(cnn) + 1)
    fig = go.Figure()
    for values, name, color in ((cnn, cnn_name, COLORS["reference"]), (mlp, mlp_name, COLORS["model"])):
        fig.add_trace(
            go.Scatter(
                x=epochs,
                y=np.array(values) * 100,
                mode="lines+markers",
                name=name,
                line={"color": color},
                hovertemplate=t("convolution.chart.hover_accuracy"),
            )
        )
    return style(
        fig,
        t("convolution.chart.accuracy_title"),
        t("convolution.chart.epoch_axis"),
        t("convolution.chart.accuracy_axis"),
    )


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
        420,
    )


def small_multiples(maps: np.ndarray, title: str, columns: int = 8, height: int = 260) -> go.Figure:
    """Several small maps (C, h, w) in a row grid: learned kernels or the feature maps they make."""
    rows = -(-len(maps) // columns)
    fig = make_subplots(rows=rows, cols=columns, horizontal_spacing=0.01, vertical_spacing=0.04)
    bound = float(np.max(np.abs(maps))) or 1.0
    signed = bool(np.min(maps) < 0)
    for c, m in enumerate(maps):
        fig.add_trace(
            go.Heatmap(
                z=m,
                colorscale=DIVERGING if signed else "gray",
                zmin=-bound if signed else 0,
                zmax=bound,
                showscale=False,
                name=t("convolution.chart.filter", number=c + 1),
                hovertemplate=t("convolution.chart.hover_filter", number=c + 1),
            ),
            row=c // columns + 1,
            col=c % columns + 1,
        )
    fig.update_yaxes(showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    _square_cells(fig, len(maps))

    fig.update_layout(showlegend=False)
    return style(fig, title, "", "", height)


# --- Cached values, shared read-only by every learner (cache_resource: no copy on every rerun) ---
# Defined here, not in the page, so the decorators run once per process rather than once per rerun.
# Images are keyed by a short id ("photo:china", "digit:12", "upload:<file id>"), not by their pixels.
@st.cache_resource(max_entries=4, show_spinner=False)
def photo(name: str) -> np.ndarray:
    return cv.sample_photo(name)


@st.cache_resource(show_spinner=False)
def digits() -> tuple[np.ndarray, np.ndarray]:
    return cv.load_digits_data()


@st.cache_resource(max_entries=8, show_spinner=False)
def upload(file_id: str, _data: bytes) -> np.ndarray:
    return cv.read_upload(_data)


@st.cache_resource(max_entries=32, show_spinner=False)
def fc_layer(inputs: int, neurons: int) -> np.ndarray:
    return cv.random_fc_layer(inputs, neurons, seed=0)  # (neurons, inputs)


@st.cache_resource(max_entries=32, show_spinner=False)
def shift_result(image_id: str, _x: np.ndarray, kernel: tuple, dy: int, dx: int, side: int, neurons: int):
    """The image shrunk to side x side, shifted; a convolution and a dense layer compared."""
    small = cv.resize(_x, side)  # (side, side)
    return cv.shift_demo(small, np.array(kernel), fc_layer(side * side, neurons), dy, dx)


@st.cache_resource(max_entries=32, show_spinner=False)
def convolve(image_id: str, _x: np.ndarray, kernel: tuple, stride: int, padding: int) -> np.ndarray:
    return cv.conv2d(_x, np.array(kernel), stride, padding)  # (H_out, W_out)


@st.cache_resource(max_entries=32, show_spinner=False)
def relu_pool(conv_key: tuple, _y: np.ndarray, relu: bool, kind: str, pool: int):
    """The feature map after ReLU (if chosen) and pooled (None when smaller than the window)."""
    activated = cv.relu(_y) if relu else _y
    pool_fn = cv.max_pool2d if kind == "max" else cv.avg_pool2d
    return activated, pool_fn(activated, pool) if min(activated.shape) >= pool else None


@st.cache_resource(max_entries=64, show_spinner=False)
def png(key: tuple, _x: np.ndarray) -> str:
    return png_source(_x)


def cached_map_figure(key: tuple, x: np.ndarray, title: str, box=None) -> go.Figure:
    """A map's figure; a large map's picture is encoded once per `key`, whatever the box or title."""
    return map_figure(x, title, box, source=png(key, x) if max(x.shape) > SMALL else None)
