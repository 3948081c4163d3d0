"""Figures for lesson 8, built from core.sampling's results (NumPy arrays of probabilities)."""

import numpy as np
import plotly.graph_objects as go

from core import sampling as smp
from ui.figures import COLORS, style
from ui.i18n import t
from ui.scrub import Frame, build_template

SHOWN = 20  # bars drawn: the most probable characters
VISIBLE = {"\n": "↵", " ": "␣", "\t": "⇥"}


def show_char(c: str) -> str:
    """A character as a readable label: newline and space get visible symbols."""
    return VISIBLE.get(c, c)


def top_order(probs: np.ndarray, n: int = SHOWN) -> np.ndarray:
    """Indices of the n most probable tokens, most probable first (ties: lower index first)."""
    return np.argsort(-probs, kind="stable")[:n]


def _cutoff_xy(position: int | None, top: float) -> tuple[list, list]:
    """A vertical line between bar position-1 and bar position; hidden when off the chart."""
    if position is None or position >= SHOWN:
        return [None], [None]
    return [position - 0.5, position - 0.5], [0, top]


def distribution_figure(chars: str, order: np.ndarray) -> go.Figure:
    """Bars of the top characters; values and cut-offs are filled by update_distribution_figure."""
    labels = [show_char(chars[i]) for i in order]
    x = np.arange(len(order))
    hover = t("sampling.chart.hover_prob")
    fig = go.Figure(
        [
            go.Bar(x=x, name=t("sampling.chart.after_temperature"), marker_color=COLORS["muted"], hovertemplate=hover),
            go.Bar(x=x, name=t("sampling.chart.renormalized"), marker_color=COLORS["model"], hovertemplate=hover),
            go.Scatter(
                x=x,
                mode="markers",
                name=t("sampling.chart.model_t1"),
                marker={"symbol": "diamond", "size": 9, "color": COLORS["data"]},
                hovertemplate=hover,
            ),
            go.Scatter(mode="lines", name="top-k", line={"color": COLORS["accent"], "dash": "dash", "width": 3}),
            go.Scatter(mode="lines", name="top-p", line={"color": COLORS["reference"], "dash": "dot", "width": 3}),
        ]
    )
    fig.update_xaxes(tickvals=x, ticktext=labels, range=[-0.6, len(order) - 0.4])
    fig.update_yaxes(range=[0, 1.05])
    fig.update_layout(barmode="group", bargap=0.25)
    return style(fig, t("sampling.chart.dist_title"), t("sampling.chart.char_axis"), t("sampling.chart.prob_axis"))


def step_figure(chars: str, order: np.ndarray) -> go.Figure:
    """A distribution_figure for one step of the loop: its cut-off lines have no legend entries."""
    figure = distribution_figure(chars, order)
    figure.update_traces(showlegend=False, selector={"type": "scatter", "mode": "lines"})  # no cut-off lines
    return figure


def update_distribution_figure(fig: go.Figure, order, model_p, temp_p, final_p, k_at, p_at, k: int, p: float) -> None:
    """New probabilities and cut-off positions (k_at, p_at: bars kept; None: no cut-off)."""
    with fig.batch_update():
        fig.data[0].y = temp_p[order]
        fig.data[1].y = final_p[order]
        fig.data[2].y = model_p[order]
        fig.data[3].x, fig.data[3].y = _cutoff_xy(k_at, 1.0)
        fig.data[3].name = t("sampling.chart.top_k_line", k=k)
        fig.data[4].x, fig.data[4].y = _cutoff_xy(p_at, 1.0)
        fig.data[4].name = t("sampling.chart.top_p_line", p=f"{p:.2f}")


def samples_figure(chars: str, order: np.ndarray) -> go.Figure:
    """How often each character came up in n draws, beside the probability it was drawn with."""
    labels = [show_char(chars[i]) for i in order]
    x = np.arange(len(order))
    fig = go.Figure(
        [
            go.Bar(
                x=x,
                name=t("sampling.chart.observed"),
                marker_color=COLORS["reference"],
                hovertemplate=t("sampling.chart.hover_prob"),
            ),
            go.Scatter(
                x=x,
                mode="markers",
                name=t("sampling.chart.expected"),
                marker={"symbol": "line-ew", "size": 18, "line": {"width": 3, "color": COLORS["model"]}},
                error_y={"type": "data", "color": COLORS["model"], "thickness": 1},
                hovertemplate=t("sampling.chart.hover_prob"),
            ),
        ]
    )
    fig.update_xaxes(tickvals=x, ticktext=labels, range=[-0.6, len(order) - 0.4])
    return style(fig, t("sampling.chart.samples_title"), t("sampling.chart.char_axis"), t("sampling.chart.freq_axis"))


def update_samples_figure(fig: go.Figure, chars: str, order, probs: np.ndarray, counts: np.ndarray) -> None:
    """Observed frequencies and the computed probabilities with their ±2 standard-deviation band."""
    n = counts.sum()
    labels = tuple(show_char(chars[i]) for i in order)
    with fig.batch_update():
        if tuple(fig.layout.xaxis.ticktext) != labels:  # the ranking changes with top-k / top-p ties only
            fig.layout.xaxis.ticktext = labels
        fig.data[0].y = counts[order] / n
        fig.data[1].y = probs[order]
        fig.data[1].error_y.array = 2 * np.sqrt(probs[order] * (1 - probs[order]) / n)


def loss_figure(history, mine: bool = True) -> go.Figure:
    """Training and validation loss of a small model (a core.gpt_train.TrainHistory): the learner's
    own, or the course's default run."""
    fig = go.Figure(
        [
            go.Scatter(
                x=history.steps, y=history.train_loss, mode="lines+markers", name=t("sampling.chart.train_loss")
            ),
            go.Scatter(x=history.steps, y=history.val_loss, mode="lines+markers", name=t("sampling.chart.val_loss")),
        ]
    )
    fig.data[0].line.color = COLORS["data"]
    fig.data[1].line.color = COLORS["model"]
    return style(
        fig,
        t("sampling.chart.loss_title" if mine else "sampling.chart.default_loss_title"),
        t("sampling.chart.step_axis"),
        t("sampling.chart.loss_axis"),
        height=340,
    )


# --- Scrub figures (ui/scrub.py) -----------------------------------------------------------------------
def _bars_base(chars: str, order: np.ndarray, traces: list) -> go.Figure:
    """The frame both scrub figures share: the top characters on x, probability 0-1 on y."""
    x = np.arange(len(order))
    fig = go.Figure(traces)
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_xaxes(tickvals=x, ticktext=[show_char(chars[i]) for i in order], range=[-0.6, len(order) - 0.4])
    fig.update_yaxes(range=[0, 1.05])
    return style(fig, "", t("sampling.chart.char_axis"), t("sampling.chart.prob_axis"), height=460)


def _bar(y: np.ndarray, name_key: str, color: str) -> go.Bar:
    hover = t("sampling.chart.hover_prob")
    return go.Bar(x=np.arange(len(y)), y=y, name=t(name_key), marker_color=color, hovertemplate=hover)


def temperature_template(chars: str, logits, temperatures: tuple[float, ...]) -> dict:
    """The top characters' probabilities at every temperature, one frame each, beside the model's
    own (T = 1) as diamonds; each frame's title quotes its entropy and its top character's share."""
    model_p = smp.distribution(logits, 1.0).numpy()
    order = top_order(model_p)
    diamonds = go.Scatter(
        x=np.arange(len(order)),
        y=model_p[order],
        mode="markers",
        name=t("sampling.chart.model_t1"),
        marker={"symbol": "diamond", "size": 9, "color": COLORS["data"]},
        hovertemplate=t("sampling.chart.hover_prob"),
    )
    bars = _bar(model_p[order], "sampling.chart.after_temperature", COLORS["model"])
    base = _bars_base(chars, order, [bars, diamonds])
    top = int(order[0])
    frames = []
    for temperature in temperatures:
        p = smp.distribution(logits, temperature)
        title = t(
            "sampling.chart.temp_frame",
            temp=f"{temperature:.2f}",
            bits=f"{float(smp.entropy(p)) + 0.0:.2f}",  # + 0.0: no "-0.00" for a certain character
            char=show_char(chars[top]),
            share=f"{float(p[top]):.0%}",
        )
        frames.append(Frame([{"y": p.numpy()[order].tolist()}], title))
    return build_template(base, [0], frames, [f"{v:g}" for v in temperatures], t("sampling.chart.temp_prefix"))


def top_p_template(
    chars: str, logits, temperature: float, top_k: int | None, ps: tuple[float, ...], total: int
) -> dict:
    """At one temperature (and top-k), what every top-p keeps of the `total` characters the model may
    write: kept bars renormalized, cut bars grey."""
    temp_p = smp.distribution(logits, temperature, top_k).numpy()
    order = top_order(temp_p)
    bars = [
        _bar(temp_p[order], "sampling.chart.after_temperature", COLORS["muted"]),
        _bar(temp_p[order], "sampling.chart.renormalized", COLORS["model"]),
    ]
    base = _bars_base(chars, order, bars)
    frames = []
    for p in ps:
        final = smp.distribution(logits, temperature, top_k, p if p < 1 else None).numpy()
        kept = [int(i) for i in np.argsort(-final, kind="stable") if final[i] > 0]  # all kept, not only the 20 shown
        shown = " ".join(show_char(chars[i]) for i in kept[:12]) + (" …" if len(kept) > 12 else "")
        frames.append(
            Frame(
                [{"y": final[order].tolist()}],
                t(
                    "sampling.chart.top_p_frame",
                    p=f"{p:.2f}",
                    kept=f"{len(kept):,}",
                    total=f"{total:,}",
                    chars=shown,
                    mass=f"{temp_p[kept].sum():.2f}",
                ),
            )
        )
    return build_template(base, [1], frames, [f"{p:.2f}" for p in ps], t("sampling.chart.top_p_prefix"))
