"""Lesson 11's hero: the tiny GPT compressed, every state of its bits and pruned share scrubbed in the
browser, the state the widgets choose measured on the server (size, loss, agreement), and exercises 1
and 2. The cached states and measures are the page's, passed in. Imported by app_pages/big_picture.py;
not a page itself (ui/lessons.py names the pages).
"""

import streamlit as st

from app_pages.big_picture_sections import card
from core import big_picture as bp
from core import compress
from ui import big_picture_charts as charts
from ui.figures import show
from ui.frame import what_you_saw
from ui.i18n import current_language, t
from ui.scrub import scrub_figure
from ui.widgets import slider

SPARSITY_SLIDER = (0, 90, 0, 10)  # percent, the chart's states (core.big_picture.STATE_SPARSITIES)
BIT_CHOICES = (32, 8, 4)  # 32: the original floats; the chart's three panels
DEFAULT_BITS, DEFAULT_PER_CHANNEL = 8, False  # one step per matrix: the 4-bit grid is plain to see
EX2_BITS, EX2_SPARSITY = 8, 10  # exercise 2 prunes the 8-bit model by 10 %: below its break-even 12.5 %
BOUND_ROW = {"horizontal": True, "bind": "query-params"}  # a radio in a row, kept in the URL


def compression_controls() -> compress.Settings:
    """Bits, steps and pruned share, side by side; the settings they select (the keyboard path)."""
    c1, c2, c3 = st.columns([1.1, 1.1, 1.6])
    label, hint = t("big_picture.bits_label"), t("big_picture.bits_help")
    bits = c1.radio(label, BIT_CHOICES, BIT_CHOICES.index(DEFAULT_BITS), key="big_bits", help=hint, **BOUND_ROW)
    label, hint = t("big_picture.per_channel_label"), t("big_picture.per_channel_help")
    per_channel = c2.toggle(label, DEFAULT_PER_CHANNEL, key="big_channel", help=hint, bind="query-params")
    with c3:
        percent = slider(
            "big_picture.sparsity_label", SPARSITY_SLIDER, "big_sparsity", help=t("big_picture.sparsity_help")
        )
    return compress.Settings(None if bits == 32 else bits, per_channel, percent / 100)


def signed(delta: float) -> str:
    """A change to three decimals; under half a thousandth, ±0.000 (no "-0.000", no alarm)."""
    return f"{delta:+.3f}" if abs(delta) >= 0.0005 else "±0.000"


def show_measures(original: bp.Measured, result: bp.Compressed, loss_chars: int) -> None:
    """Size, validation loss and agreement of the compressed model the widgets chose. A change of
    the loss under half a thousandth shows as ±0.000 with no arrow: no alarm for nothing."""
    m1, m2, m3 = st.columns(3)
    m1.metric(
        t("big_picture.size_label"),
        t("big_picture.size_value", kb=result.size / 1000),
        t("big_picture.ratio", ratio=original.size / result.size),
        delta_color="off",
        delta_arrow="off",
        help=t("big_picture.size_help"),
    )
    if result.val_loss is not None:
        delta = result.val_loss - original.val_loss
        moved = abs(delta) >= 0.0005
        m2.metric(
            t("big_picture.loss_label"),
            f"{result.val_loss:.3f}",
            t("big_picture.loss_delta", delta=signed(delta)),
            delta_color="inverse" if moved else "off",
            delta_arrow="auto" if moved else "off",
            help=t("big_picture.loss_help", chars=f"{loss_chars:,}"),
        )
    m3.metric(t("big_picture.top1_label"), f"{result.top1:.1%}", help=t("big_picture.top1_help"))


def compression_feedback(settings: compress.Settings, original: bp.Measured, result: bp.Compressed) -> None:
    """What the widgets' setting did, in numbers: size and loss (or agreement, without a corpus)."""
    share, ratio = round(100 * settings.sparsity), f"{original.size / result.size:.1f}"
    figures = {"bits": charts.bits_label(settings.bits), "share": share, "ratio": ratio}
    if settings == compress.Settings(None, settings.per_channel, 0.0):
        what_you_saw(t("big_picture.saw_identity"))
    elif result.val_loss is None:
        what_you_saw(t("big_picture.saw_no_corpus", top1=f"{result.top1:.1%}", **figures))
    else:
        before, after = original.val_loss, result.val_loss
        change = {"before": f"{before:.3f}", "after": f"{after:.3f}", "change": signed(after - before)}
        what_you_saw(
            t("big_picture.saw_small" if after - before < 0.01 else "big_picture.saw_large", **change, **figures)
        )


def exercise_one(original: bp.Measured, plain: bp.Compressed) -> None:
    """Card 1: what 8 bits per weight cost (needs the validation text)."""
    change = plain.val_loss - original.val_loss
    figures = {"before": f"{original.val_loss:.3f}", "after": f"{plain.val_loss:.3f}", "change": signed(change)}
    explain = t("big_picture.ex1_explain", ratio=f"{original.size / plain.size:.1f}", **figures)
    preset = {"big_bits": 8, "big_channel": DEFAULT_PER_CHANNEL, "big_sparsity": 0}
    card(1, ("small", "medium", "large"), bp.loss_band(change), t("big_picture.ex1_question"), explain, preset)


def exercise_two(states: bp.CompressionStates) -> None:
    """Card 2: does pruning a little shrink an 8-bit model? The sizes are the chart's own."""
    eight = states.bits.index(EX2_BITS)
    dense, pruned = int(states.sizes[eight, 0]), int(states.sizes[eight, EX2_SPARSITY // SPARSITY_SLIDER[3]])
    figures = {"dense": f"{dense / 1000:,.0f}", "pruned": f"{pruned / 1000:,.0f}", "bits": EX2_BITS}
    even = f"{100 * compress.break_even_sparsity(EX2_BITS):g}%"
    explain = t("big_picture.ex2_explain", share=EX2_SPARSITY, even=even, **figures)
    question = t("big_picture.ex2_question", share=EX2_SPARSITY, bits=EX2_BITS)
    preset = {"big_bits": EX2_BITS, "big_sparsity": EX2_SPARSITY}
    card(2, ("smaller", "same", "bigger"), bp.size_change(dense, pruned), question, explain, preset)


@st.fragment
def compression_section(directory: str, states_of, measure, loss_chars: int) -> None:
    """The hero: every state in the chart (scrubbed in the browser, no script run); the widgets'
    state measured on the server (the loss reads the whole model: too slow for every state)."""
    settings = compression_controls()
    states = states_of(directory, settings.per_channel)
    signature = (directory, settings.per_channel, current_language())
    active = round(100 * settings.sparsity) // SPARSITY_SLIDER[3]
    build = lambda: charts.compression_template(states)  # noqa: E731
    show(scrub_figure("big_states", signature, build, active), "big_states_chart")
    with st.spinner():
        original, result = measure(directory, None), measure(directory, settings)
    st.caption(t("big_picture.widget_path", chars=f"{loss_chars:,}"))
    show_measures(original, result, loss_chars)
    compression_feedback(settings, original, result)
    left, right = st.columns(2)  # the two cards side by side: half the height
    if original.val_loss is not None:
        with left:
            exercise_one(original, measure(directory, compress.Settings(8, DEFAULT_PER_CHANNEL, 0.0)))
    with right:
        exercise_two(states)
