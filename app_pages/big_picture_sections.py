"""Lesson 9's sections: the compression hero (scrubbed in the browser, measured on the widgets'
path), distillation (two shipped students on arrival, the learner's own on a button), the whole
picture of an LLM, the two schools of AI, and the glossary.

Imported by app_pages/big_picture.py; not a page itself (ui/lessons.py names the pages).
"""

import pandas as pd
import streamlit as st

from core import big_picture as bp
from core import compress, fitting, glossary
from core.distill import DEFAULT_TEMPERATURE
from ui import big_picture_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_link, what_you_saw
from ui.i18n import LANGUAGES, current_language, load_catalog, t
from ui.lessons import LESSONS, STAGE_LESSON, STAGES, lesson
from ui.scrub import scrub_figure
from ui.widgets import slider

SPARSITY_SLIDER = (0, 90, 0, 10)  # percent, the chart's states (core.big_picture.STATE_SPARSITIES)
BIT_CHOICES = (32, 8, 4)  # 32: the original floats; the chart's three panels
DEFAULT_BITS, DEFAULT_PER_CHANNEL = 8, False  # one step per matrix: the 4-bit grid is plain to see
RULE_SLIDER = (5.0, 35.0, 17.0, 1.0)
EXERCISES = 3
EX2_BITS, EX2_SPARSITY = 8, 10  # exercise 2 prunes the 8-bit model by 10 %: below its break-even 12.5 %
MAX_SEARCH = 100
BOUND_ROW = {"horizontal": True, "bind": "query-params"}  # a radio in a row, kept in the URL
TABLE_HEIGHT = 560  # px: a longer table scrolls inside the expander, its header kept in view
# The whole picture: after each stage's own lesson (ui.lessons.STAGE_LESSON), the others that build it.
MORE_LESSONS = {
    "text": ("sampling",),  # where a learner types a prompt
    "tokens": ("sampling", "embeddings"),  # characters as tokens; MiniLM's sub-word tokens and [UNK]
    "blocks": ("neural-networks",),
    "logits": ("neural-networks",),
    "training": ("loss-surface", "overfitting"),
}


# --- The compression hero ------------------------------------------------------------------------------
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


def card(n: int, choices: tuple[str, ...], answer: str, question: str, explain: str, preset=None) -> None:
    """Exercise card n: its options are the catalog's ex<n>_<choice> texts."""
    options = {choice: t(f"big_picture.ex{n}_{choice}") for choice in choices}
    exercise.choice("big_picture", n, EXERCISES, question, options, answer, explain, preset)


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


# --- Distillation ----------------------------------------------------------------------------------------
def distill_curves(shipped: dict, own) -> list[tuple[str, object, str]]:
    """(label, history, colour role) of each student: the two shipped, and the learner's own."""
    curves = [(t("big_picture.distill_text"), shipped["text"][0], "data")]
    curves.append((t("big_picture.distill_teacher", temp=f"{DEFAULT_TEMPERATURE:g}"), shipped["taught"][0], "model"))
    if own is not None:
        curves.append((t("big_picture.distill_own", temp=f"{own[0]:g}"), own[1], "accent"))
    return curves


def distill_results(shipped: dict, own, teacher_loss: float | None) -> None:
    """The students' curves, what they reached, and what each writes."""
    curves = distill_curves(shipped, own)
    show(charts.distill_figure(curves, teacher_loss), key="big_distill_chart")
    text_loss, taught_loss = shipped["text"][0].val_loss[-1], shipped["taught"][0].val_loss[-1]
    what_you_saw(t("big_picture.distill_result", text=f"{text_loss:.3f}", taught=f"{taught_loss:.3f}"))
    if own is not None:
        st.markdown(t("big_picture.distill_own_result", temp=f"{own[0]:g}", loss=f"{own[1].val_loss[-1]:.3f}"))
    texts = [shipped["text"][1], shipped["taught"][1]] + ([own[2]] if own else [])
    with go_deeper(t("big_picture.students_write", prompt=bp.SAMPLE_PROMPT.strip(), seed=bp.SAMPLE_SEED)):
        for column, (label, _, _), text in zip(st.columns(len(texts)), curves, texts):
            column.caption(label)
            column.code(text, language=None, wrap_lines=True)


# --- The whole picture --------------------------------------------------------------------------------
def picture_section() -> None:
    """The LLM strip, stage by stage: what happens there, and the lessons that show it."""
    known = {item.slug for item in LESSONS}
    with st.container(border=True, key="big_picture_stages"):
        for stage in STAGES:
            left, right = st.columns([3.4, 1.6], vertical_alignment="center")
            left.markdown(f"**{t(f'common.stages.{stage}')}** · {t(f'big_picture.picture.{stage}')}")
            slugs = [s for s in (STAGE_LESSON.get(stage), *MORE_LESSONS.get(stage, ())) if s in known]
            with right:
                for slug in slugs:
                    lesson_link(slug, numbered=True, label=t(f"big_picture.short.{slug.replace('-', '_')}"))
                if not slugs:
                    st.caption(t("big_picture.picture_no_lesson"))


# --- Symbolism and connectionism -----------------------------------------------------------------------
@st.fragment
def rule_section() -> None:
    threshold = slider(
        "big_picture.rule_label", RULE_SLIDER, "big_rule", format="%.0f", help=t("big_picture.rule_help")
    )
    x, y = fitting.TEA_PRICES, fitting.TEA_SALES
    k, b = bp.learned_line(x, y)
    build = lambda: charts.rule_figure(RULE_SLIDER[2])  # noqa: E731
    chart("big_rule_chart", (current_language(),), build, lambda f: charts.update_rule_figure(f, threshold))
    left, right = st.columns(2)
    cheap, dear, hint = int(bp.CHEAP_CUPS), int(bp.DEAR_CUPS), t("big_picture.error_help")
    left.caption(t("big_picture.rule_code_caption"))
    left.code(f"if price <= {threshold:g}:\n    cups = {cheap}\nelse:\n    cups = {dear}", language="python")
    left.metric(t("big_picture.rule_error"), f"{bp.rule_error(x, y, threshold):,.0f}", help=hint)
    right.caption(t("big_picture.line_code_caption"))
    right.code(f"cups = {k:.2f} * price + {b:.1f}", language="python")
    right.metric(t("big_picture.line_error"), f"{fitting.dataset_error(x, y, k, b):,.0f}", help=hint)


# --- Glossary ------------------------------------------------------------------------------------------
def glossary_rows() -> list[glossary.Row]:
    """Every entry in both languages (the search looks in both), with its lesson's number."""
    return glossary.rows({lang: load_catalog(lang) for lang in LANGUAGES})


def lesson_cell(term: glossary.Term) -> str:
    """The table's lesson column: a link to a built lesson, this page's section, or nothing."""
    if term.lesson is None:
        return ""
    if term.lesson == "big-picture":
        return t("big_picture.on_this_page")
    item = lesson(term.lesson)
    name = f"{item.number}. {t(f'common.lesson_names.{item.namespace}')}"
    if not item.built:
        return t("common.lesson_coming", name=name)
    return f"[{name}](./{item.slug}?lang={current_language()})"


@st.fragment
def glossary_section() -> None:
    rows = glossary_rows()
    hint = {"placeholder": t("big_picture.search_placeholder"), "help": t("big_picture.search_help")}
    query = st.text_input(t("big_picture.search_label"), "", MAX_SEARCH, key="big_search", **hint)
    found = glossary.search(query, rows)  # every entry for an empty query
    if not found:
        st.info(t("big_picture.no_hits"), icon=":material/search_off:")  # the query itself is never shown
        return
    st.caption(t("big_picture.hits", n=len(found), total=len(rows)))
    lang = current_language()
    table = pd.DataFrame(
        {
            t("big_picture.column_term"): [row.term[lang] for row in found],
            t("big_picture.column_meaning"): [row.text[lang] for row in found],
            t("big_picture.column_lesson"): [lesson_cell(row.entry) for row in found],
        }
    )
    st.table(table, hide_index=True, height=TABLE_HEIGHT if len(found) > 6 else "content")
