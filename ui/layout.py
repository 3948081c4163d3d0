"""The frame every page shares: language, title, the device badge and show-the-code."""

import functools
import inspect

import streamlit as st

from ui.exercise import solved
from ui.frame import lesson_header
from ui.i18n import current_language, t
from ui.lessons import GROUPS, HOME_PATH, built_lessons, lesson


def setup_page(slug: str | None = None) -> str:
    """Call first on every page. Works standalone too (AppTest runs one page file at a time)."""
    lang = current_language()
    if slug is not None:
        item = lesson(slug)
        st.title(t(f"{item.namespace}.title"))
        st.caption(t("common.lesson_number", number=item.number, total=len(built_lessons())))
        lesson_header(slug)
    return lang


@functools.lru_cache(maxsize=512)
def _source(function) -> str:
    """inspect.getsource reads and parses the whole file: tens of ms, so once per function.
    (A reloaded module makes new function objects, so edited code is read afresh.)"""
    return inspect.getsource(function)


def show_code(*functions) -> None:
    """An expander with the exact source of the core functions behind what the page shows. The code is
    sent when the learner opens it: highlighting it cost every first load 100-240 ms in the browser."""
    code = st.expander(t("common.show_code"), icon=":material/code:", key="show_code", on_change="rerun")
    if not code.open:
        return
    with code:
        st.caption(t("common.show_code_help"))
        for function in functions:
            st.code(_source(function), language="python")


def vocabulary(namespace: str) -> None:
    """The lesson's words, folded away at the end of the page."""
    with st.expander(t(f"{namespace}.vocabulary_header"), icon=":material/menu_book:"):
        st.markdown(t(f"{namespace}.vocabulary"))


@st.cache_resource
def _device_info() -> tuple[str, str, int, str | None]:
    """(kind, name, CPU threads, the accelerator LLMX_DEVICE asked for if this machine has none)."""
    import os

    import torch

    from core.device import ENV_VAR, describe_device, get_device

    device = get_device()
    requested = (os.environ.get(ENV_VAR) or "auto").strip().lower()
    missing = requested.upper() if requested in ("cuda", "mps") and device.type != requested else None
    return device.type, describe_device(device), torch.get_num_threads(), missing


def device_badge() -> None:
    kind, name, threads, missing = _device_info()
    if kind == "cpu":
        name = t("common.cpu_device_one") if threads == 1 else t("common.cpu_device", threads=threads)
    icon = ":material/memory:" if kind == "cpu" else ":material/bolt:"
    st.sidebar.caption(t("common.device", name=name), help=t("common.device_help"))
    st.sidebar.badge(kind.upper(), icon=icon, color="gray" if kind == "cpu" else "green")
    if missing:  # e.g. a GPU server whose GPU is gone: say so rather than look slow for no reason
        st.sidebar.caption(t("common.device_fallback", requested=missing, name=name))


def progress(item) -> str:
    """' · 2/3' after a lesson's name once the learner has solved any of its exercises; ' ✓' when all."""
    if not item.exercises:
        return ""
    done = len(solved(item.namespace))
    if done == 0:
        return ""
    return " ✓" if done >= item.exercises else f" · {done}/{item.exercises}"


def navigation_pages() -> dict[str, list]:
    """st.navigation's sections: home on top, then each group's built lessons in course order."""
    home = st.Page(HOME_PATH, title=t("home.nav_title"), icon=":material/home:", url_path="home", default=True)
    sections = {"": [home]}
    for group in GROUPS:
        in_group = [item for item in built_lessons() if item.group == group]
        if in_group:
            sections[t(f"common.groups.{group}")] = [
                st.Page(
                    item.path,
                    title=f"{item.number}. {t(f'common.lesson_names.{item.namespace}')}{progress(item)}",
                    icon=item.icon,
                    url_path=item.slug,
                )
                for item in in_group
            ]
    return sections
