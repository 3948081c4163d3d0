"""The frame around every lesson: what you will learn, where it sits in an LLM, three takeaways
and the way on; and the three callout styles the lessons use in between.

Callouts have one role each, across the course:
- `try_this`: an instruction before the learner touches anything (blue, a hand);
- `what_you_saw`: computed feedback about the state on screen (green, an eye);
- `go_deeper`: an expander for derivations, library checks, timings and history (closed).
"""

import contextlib

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.i18n import current_language, t
from ui.lessons import STAGE_LESSON, STAGES, built_lessons, lesson, next_lesson


def lesson_header(slug: str) -> None:
    """Under the title: the goals and the time, then the strip of an LLM with this lesson lit."""
    item = lesson(slug)
    with st.container(border=True, key=f"frame_header_{item.namespace}"):
        st.markdown(t("common.frame.goals_title", minutes=item.minutes))
        st.markdown(t(f"{item.namespace}.frame.goals"))
        llm_strip(item.stages)


def llm_strip(lit: tuple[str, ...]) -> None:
    """text → tokens → embeddings → attention + MLP × N → logits → sampling, training around it.
    The stages this lesson teaches are highlighted; the others link to the lesson that does."""
    st.caption(t("common.frame.strip_title"))
    with st.container(horizontal=True, gap="small", vertical_alignment="center", key="frame_strip"):
        for i, stage in enumerate(STAGES):
            if stage == "training":
                st.markdown("｜")
            elif i:
                st.markdown("→")
            label = t(f"common.stages.{stage}")
            target = STAGE_LESSON.get(stage)
            if stage in lit:
                st.markdown(f":orange-background[**{label}**]")
            elif target in {item.slug for item in built_lessons()}:
                lesson_link(target, label=label)
            else:
                st.markdown(f":gray[{label}]")


def lesson_link(slug: str, numbered: bool = False, label: str | None = None) -> None:
    """A link to another lesson if it is built yet, else its name as plain text."""
    item = lesson(slug)
    label = label or t(f"common.lesson_names.{item.namespace}")
    if numbered:
        label = f"{item.number}. {label}"
    if not item.built:
        st.markdown(t("common.lesson_coming", name=label))
        return
    try:
        st.page_link(str(item.path), label=label, icon=item.icon, query_params={"lang": current_language()})
    except StreamlitAPIException:  # page run on its own (tests): no navigation to link into
        st.markdown(f"[{label}](./{item.slug}?lang={current_language()})")


def lesson_footer(slug: str) -> None:
    """At the end: three sentences to keep, and a clear button to the next lesson."""
    item = lesson(slug)
    with st.container(border=True, key=f"frame_footer_{item.namespace}"):
        st.markdown(t("common.frame.takeaways_title"))
        st.markdown(t(f"{item.namespace}.frame.takeaways"))
        following = next_lesson(slug)
        if following is None:
            return
        name = t(f"common.lesson_names.{following.namespace}")
        label = t("common.frame.next", number=following.number, name=name)
        if st.button(label, type="primary", icon=":material/arrow_forward:", key=f"frame_next_{item.namespace}"):
            with contextlib.suppress(StreamlitAPIException):  # run on its own (tests): nowhere to go
                st.switch_page(str(following.path), query_params={"lang": current_language()})


def try_this(text: str) -> None:
    st.info(text, icon=":material/touch_app:")


def what_you_saw(text: str) -> None:
    st.success(text, icon=":material/visibility:")


def go_deeper(title: str, key: str | None = None):
    """`with go_deeper(t(...)):` an aside, folded away. With a `key` it knows whether the learner has
    opened it (`.open`): a chart in it is then drawn only once opened, so that the page's first load and
    every rerun of its section do not pay for a figure nobody is looking at."""
    if key is None:
        return st.expander(title, icon=":material/school:")
    return st.expander(title, icon=":material/school:", key=key, on_change="rerun", bind="query-params")
