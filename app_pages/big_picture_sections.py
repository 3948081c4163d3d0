"""Lesson 11's sections after the hero (the compression hero is in app_pages/big_picture_compression.py):
the exercise cards, distillation (two shipped students on arrival, the learner's own on a button),
the whole picture of an LLM, the two schools of AI, and the glossary.

Imported by app_pages/big_picture.py; not a page itself (ui/lessons.py names the pages).
"""

import pandas as pd
import streamlit as st

from core import big_picture as bp
from core import fitting, glossary
from core.distill import DEFAULT_TEMPERATURE
from ui import big_picture_charts as charts
from ui import exercise
from ui.figures import chart, show
from ui.frame import go_deeper, lesson_link, what_you_saw
from ui.i18n import LANGUAGES, current_language, load_catalog, t
from ui.lessons import LESSONS, STAGE_LESSON, STAGES, lesson
from ui.widgets import slider

RULE_SLIDER = (5.0, 35.0, 17.0, 1.0)
EXERCISES = 3
MAX_SEARCH = 100
TABLE_HEIGHT = 560  # px: a longer table scrolls inside the expander, its header kept in view
# The whole picture: after each stage's own lesson (ui.lessons.STAGE_LESSON), the others that build it.
MORE_LESSONS = {
    "text": ("sampling",),  # where a learner types a prompt
    "tokens": ("sampling", "embeddings"),  # characters as tokens; MiniLM's sub-word tokens and [UNK]
    "blocks": ("neural-networks",),
    "logits": ("neural-networks",),
    "training": ("loss-surface", "overfitting"),
}


# --- Exercise cards ------------------------------------------------------------------------------------
def card(n: int, choices: tuple[str, ...], answer: str, question: str, explain: str, preset=None) -> None:
    """Exercise card n: its options are the catalog's ex<n>_<choice> texts."""
    options = {choice: t(f"big_picture.ex{n}_{choice}") for choice in choices}
    exercise.choice("big_picture", n, EXERCISES, question, options, answer, explain, preset)


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
