"""Predict, then check: the exercise cards of every lesson.

A card asks first. The learner answers (a choice, or a number within a tolerance), presses Check,
and gets the page's computed feedback and the explanation of the right answer. A "set up the
experiment" button moves the lesson's controls to where the answer can be seen. A target card has
no answer box: the learner reaches a goal with the controls, and the card says how close they are.

Cards are `st.container(key="exercise_<namespace>_<n>")`; which ones a learner solved lives in
their session (`solved()`), and the sidebar shows it per lesson.
"""

import streamlit as st

from ui.i18n import current_language, t


def _join(first: str, second: str) -> str:
    """Two sentences: Chinese sets none of the space English needs between them."""
    return first + ("" if current_language() == "zh" else " ") + second


SOLVED = "exercises_solved"  # session state: {namespace: set of solved card numbers}


def solved(namespace: str) -> set[int]:
    return st.session_state.setdefault(SOLVED, {}).setdefault(namespace, set())


def _mark(namespace: str, n: int) -> None:
    """Record a solved card. The first time, rerun the whole app: the sidebar (drawn before the
    page, and outside any fragment the card sits in) then counts it."""
    done = solved(namespace)
    if n not in done:
        done.add(n)
        st.rerun(scope="app")


def _preset(values: dict) -> None:
    for key, value in values.items():
        st.session_state[key] = value


def card(namespace: str, n: int, total: int, question: str, preset: dict | None = None):
    """The frame of card n: its title and question, and the preset button. Returns its container."""
    box = st.container(border=True, key=f"exercise_{namespace}_{n}")
    with box:
        done = n in solved(namespace)
        head = t("common.exercise.title", n=n, total=total)
        st.markdown(f"**{head}**" + (f" · :green[{t('common.exercise.solved')}]" if done else ""))
        st.markdown(question)
        if preset:
            st.button(
                t("common.exercise.preset"),
                key=f"ex_{namespace}_{n}_preset",
                icon=":material/tune:",
                on_click=_preset,
                args=(preset,),
            )
    return box


SHORT_OPTION = 12  # characters: options this short fit on one line together


def choice(namespace: str, n: int, total: int, question: str, options: dict, answer, explain: str, preset=None):
    """A multiple-choice card: `options` maps each value to its label; `explain` follows a check."""
    with card(namespace, n, total, question, preset):
        picked = st.radio(
            t("common.exercise.your_answer"),
            list(options),
            index=None,
            format_func=options.get,
            key=f"ex_{namespace}_{n}",
            horizontal=all(len(label) <= SHORT_OPTION for label in options.values()),  # numbers side by side
        )
        _check(namespace, n, picked is not None, picked == answer, explain)


def number(
    namespace: str, n: int, total: int, question: str, answer: float, tolerance: float, explain: str, preset=None
):
    """A numeric card: right when within `tolerance` of `answer` (core's value, computed by the page)."""
    with card(namespace, n, total, question, preset):
        box, button = st.columns([2, 1], vertical_alignment="bottom")  # the answer and its Check on one row
        label = t("common.exercise.your_answer")
        given = box.number_input(label, value=None, format="%.2f", key=f"ex_{namespace}_{n}")
        _check(namespace, n, given is not None, given is not None and abs(given - answer) <= tolerance, explain, button)


def target(namespace: str, n: int, total: int, question: str, reached: bool, status: str, explain: str, preset=None):
    """A card whose goal is reached with the lesson's controls; `status` says where the learner is."""
    with card(namespace, n, total, question, preset):
        if reached:
            _mark(namespace, n)
            st.success(_join(t("common.exercise.reached"), status) + "\n\n" + explain, icon=":material/check_circle:")
        else:
            st.caption(_join(t("common.exercise.not_yet"), status))


def _check(namespace: str, n: int, answered: bool, right: bool, explain: str, where=st) -> None:
    """The Check button (in `where`, a column beside the answer if given) and, below, what it found."""
    if where.button(t("common.exercise.check"), key=f"ex_{namespace}_{n}_check"):
        st.session_state[f"ex_{namespace}_{n}_checked"] = True
        if not answered:
            st.caption(t("common.exercise.need_answer"))
    if not (answered and st.session_state.get(f"ex_{namespace}_{n}_checked")):
        return
    if right:
        _mark(namespace, n)
        st.success(_join(t("common.exercise.right"), explain), icon=":material/check_circle:")
    else:
        st.warning(_join(t("common.exercise.wrong"), explain), icon=":material/lightbulb:")
