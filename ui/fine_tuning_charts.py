"""The fine-tuning lesson's figures, from core's results (plain dicts of numbers): the hero scrubbed over the
shipped run's records (ui/scrub.py), shares as bars, training curves, and DPO's moon share against its drift
from the base model."""

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.finetune import is_wujue
from ui.figures import COLORS, style
from ui.i18n import t
from ui.literal import for_plotly
from ui.scrub import Frame, build_template

HERO_HEIGHT = 640
POEM_LINES, POEM_WIDTH = 5, 16  # a title and four rows at most, a row of 七言 with its punctuation; then "…"
POEM_FONT = {"family": "'Noto Serif CJK SC', 'Noto Sans CJK SC', serif", "size": 12, "color": "#31333F"}
POEM_SPOTS = [(col / 4, 0.86 - row * 0.3) for row in range(3) for col in range(4)]  # top-left corners, on 0..1 axes
HEADLINE_FONT = {"size": 15, "color": "#31333F"}


def pct(share: float) -> str:
    """A share as a percentage: one decimal below 10 % (1 poem of 64 is 1.6 %), none above."""
    return f"{share:.1%}" if 0 < share < 0.1 else f"{share:.0%}"


def poem_markup(poem: str) -> str:
    """A poem as Plotly text: ✓ and the form's colour when it is a 五言绝句, · when not; model output, escaped."""
    widths = [POEM_WIDTH - 2] + [POEM_WIDTH] * POEM_LINES  # the title shares its line with the mark
    lines = [line if len(line) <= w else line[: w - 1] + "…" for line, w in zip(poem.split("\n"), widths)]
    if len(lines) > POEM_LINES:
        lines = lines[: POEM_LINES - 1] + [lines[POEM_LINES - 1] + "…"]
    mark, color = ("✓", COLORS["model"]) if is_wujue(poem) else ("·", COLORS["muted"])
    head = f"<span style='color:{color}'><b>{mark}</b></span> {for_plotly(lines[0])}"
    return "<br>".join([head] + ["\u00a0\u00a0" + for_plotly(line) for line in lines[1:]])


def _poems_trace(poems: list[str]) -> dict:
    """The poems as one text trace on the poems panel (its axes run 0..1): a trace's text is redrawn with
    the frame's data, cheaper in a drag than annotations, which relayout the whole figure."""
    spots = POEM_SPOTS[: len(poems)]
    return {"x": [x for x, _ in spots], "y": [y for _, y in spots], "text": [poem_markup(p) for p in poems]}


def hero_template(shipped: dict) -> dict:
    """Every record of the shipped runs: the full fine-tuning's first seeded poems at that step (left, the
    same seed at every step) and the quatrain share of both runs up to it (right)."""
    full, lora, n = shipped["full"]["snapshots"], shipped["lora"]["snapshots"], shipped["n_samples"]
    last = full[-1]["step"]
    panels = (t("fine_tuning.chart.poems_panel", k=len(full[0]["samples"])), t("fine_tuning.chart.share_panel"))
    fig = make_subplots(rows=2, cols=1, row_heights=[0.66, 0.34], vertical_spacing=0.09, subplot_titles=panels)
    runs = ((t("fine_tuning.full"), "model"), (t("fine_tuning.lora_label", r=shipped["lora"]["rank"]), "data"))
    for name, role in runs:
        fig.add_scatter(x=[0], y=[0], mode="lines+markers", line={"color": COLORS[role], "width": 2.5}, name=name,
                        hovertemplate=t("fine_tuning.chart.hover_share", name=name), row=2, col=1)  # fmt: skip
    fig.add_scatter(x=[0], y=[0], mode="markers", hoverinfo="skip", showlegend=False,
                    marker={"size": 12, "color": COLORS["model"], "line": {"color": "white", "width": 1.5}},
                    row=2, col=1)  # fmt: skip
    fig.add_scatter(**_poems_trace(full[-1]["samples"]), mode="text", textposition="bottom right",
                    textfont=POEM_FONT, hoverinfo="skip", showlegend=False, row=1, col=1)  # fmt: skip
    fig.add_scatter(x=[0], y=[1], text=[""], mode="text", textposition="bottom right", textfont=HEADLINE_FONT,
                    hoverinfo="skip", showlegend=False, row=1, col=1)  # fmt: skip
    fig.update_xaxes(visible=False, range=[0, 1], row=1, col=1)
    fig.update_yaxes(visible=False, range=[0, 1], row=1, col=1)
    fig.update_xaxes(range=[-3, last + 3], dtick=10, title_text=t("fine_tuning.chart.step_axis"), row=2, col=1)
    fig.update_yaxes(range=[0, 105], ticksuffix="%", row=2, col=1)  # the panel's title names it
    style(fig, "", "", "", height=HERO_HEIGHT)
    frames = []
    for i, (point, lora_point) in enumerate(zip(full, lora)):
        steps = [p["step"] for p in full[: i + 1]]
        ours = {"x": steps, "y": [100 * p["form_share"] for p in full[: i + 1]]}
        theirs = {"x": steps, "y": [100 * p["form_share"] for p in lora[: i + 1]]}
        marker = {"x": [point["step"]], "y": [100 * point["form_share"]]}
        headline = t("fine_tuning.chart.hero_frame", step=point["step"], last=last, n=n,
                     k=round(point["form_share"] * n), share=pct(point["form_share"]),
                     lora=pct(lora_point["form_share"]))  # fmt: skip
        # The state's headline is a text trace, not the title: only scatter traces change, so no redraw.
        frames.append(
            Frame([ours, theirs, marker, _poems_trace(point["samples"]), {"text": [f"<b>{headline}</b>"]}], "")
        )
    labels = [str(p["step"]) for p in full]
    spec = build_template(fig, [0, 1, 2, 3, 4], frames, labels, t("fine_tuning.chart.step_prefix"), redraw=False)
    spec["layout"]["margin"]["t"] = 40  # no title above: the headline is in the poems panel
    # The legend inside the share panel's lower right, which the curves leave empty after step 0.
    spec["layout"]["legend"] = {
        "x": 1.0,
        "y": 0.02,
        "xanchor": "right",
        "yanchor": "bottom",
        "bgcolor": "rgba(255,255,255,0.8)",
    }
    return spec


def curves_figure(full: dict, lora: dict, base_val: float, own: bool = False) -> go.Figure:
    """Training loss on the quatrains (solid) and loss on the held-out poems (dotted, from the base model's at
    step 0), full and LoRA, by step; the title says whose run it is (the shipped one, or the learner's)."""
    fig = go.Figure()
    for result, name, role in ((full, t("fine_tuning.full"), "model"), (lora, t("fine_tuning.lora_short"), "data")):
        curve = result["curve"]
        fig.add_scatter(x=curve["steps"], y=curve["train_loss"], mode="lines+markers", line={"color": COLORS[role]},
                        name=t("fine_tuning.chart.train_curve", name=name))  # fmt: skip
        dotted = {"color": COLORS[role], "dash": "dot"}
        fig.add_scatter(x=[0, *curve["steps"]], y=[base_val, *curve["val_loss"]], mode="lines+markers", line=dotted,
                        name=t("fine_tuning.chart.val_curve", name=name))  # fmt: skip
    title = t("fine_tuning.chart.own_curves_title" if own else "fine_tuning.chart.curves_title")
    style(fig, title, t("fine_tuning.chart.step_axis"), t("fine_tuning.chart.loss_axis"), height=320)
    values = [v for r in (full, lora) for v in (*r["curve"]["train_loss"], *r["curve"]["val_loss"])] + [base_val]
    fig.update_yaxes(range=[min(values) - 0.15, max(values) + 0.15])  # the top points off the frame's edge
    fig.update_layout(legend={"y": -0.3})  # below the step axis's title, not on it
    return fig


def beta_label(beta: str, result: dict) -> str:
    """ "β = 0.1", or the learner's own run at that β."""
    return t("fine_tuning.chart.own_beta", beta=beta) if result.get("own") else f"β = {beta}"


def dpo_figure(base_moon: float, results: dict[str, dict]) -> go.Figure:
    """Left: the moon share of the base model and after DPO at each β; right: each run's KL from the base."""
    betas = list(results)
    fig = make_subplots(rows=1, cols=2, subplot_titles=(t("fine_tuning.chart.moon_panel"),
                                                         t("fine_tuning.chart.kl_panel")))  # fmt: skip
    labels = [t("fine_tuning.chart.base")] + [beta_label(b, results[b]) for b in betas]
    moons = [100 * base_moon] + [100 * results[b]["moon_share"] for b in betas]
    fig.add_bar(x=labels, y=moons, marker_color=[COLORS["muted"]] + [COLORS["model"]] * len(betas),
                text=[f"{m:.0f}%" for m in moons], textposition="outside", showlegend=False,
                hovertemplate="%{x}: %{y:.1f}%<extra></extra>", row=1, col=1)  # fmt: skip
    kls = [results[b]["kl"] for b in betas]
    fig.add_bar(x=labels[1:], y=kls, marker_color=COLORS["accent"], text=[f"{k:.3f}" for k in kls],
                textposition="outside", showlegend=False, hovertemplate="%{x}: %{y:.4f}<extra></extra>",
                row=1, col=2)  # fmt: skip
    style(fig, "", "", "", height=300)
    fig.update_yaxes(title_text=t("fine_tuning.chart.moon_axis"), range=[0, 112], ticksuffix="%", row=1, col=1)
    fig.update_yaxes(title_text=t("fine_tuning.chart.kl_axis"), range=[0, 1.25 * max(kls, default=0.1)], row=1, col=2)
    fig.update_layout(margin={"t": 40})
    return fig


def dpo_curve_figure(results: dict[str, dict]) -> go.Figure:
    """DPO's loss by step at each β: it starts at ln 2 (the policy is the base model) and falls."""
    fig = go.Figure()
    palette = [COLORS[r] for r in ("model", "data", "reference", "accent", "warning")]
    for i, (beta, result) in enumerate(results.items()):
        curve = result["curve"]
        fig.add_scatter(x=curve["steps"], y=curve["loss"], mode="lines", name=beta_label(beta, result),
                        line={"color": palette[i % len(palette)]})  # fmt: skip
    return style(fig, t("fine_tuning.chart.dpo_loss_title"), t("fine_tuning.chart.step_axis"),
                 t("fine_tuning.chart.dpo_loss_axis"), height=320)  # fmt: skip
