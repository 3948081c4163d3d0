"""What a learner typed or chose survives leaving a lesson and coming back.

Streamlit forgets a widget's value once a run no longer draws it, so a learner who visits another
lesson would come back to the defaults: the prompt they wrote, the numbers they typed, the sliders
they set. `keep_widget_values()` runs in app.py at the start of every run, before the page: it
copies each widget's current value into a shadow key of plain session state (which Streamlit never
forgets), and gives a widget that is about to be drawn afresh its shadowed value back.

Values that cannot be set through session state (buttons, uploads, data editors, chart selections)
are not kept here; the pages keep those themselves (lesson 1's table, lesson 4's upload). A value in
the URL (a teacher's link) wins over a kept one.
"""

import streamlit as st
from streamlit.elements.widgets.data_editor import DataEditorSerde
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

SHADOW = "kept."  # prefix of the shadow keys
# Streamlit's value types of widgets whose value session state may set (not buttons, uploads, charts).
SETTABLE = frozenset(
    {"bool_value", "int_value", "double_value", "string_value", "int_array_value", "double_array_value",
     "string_array_value"}
)  # fmt: skip


def settable_widget_keys() -> list[str]:
    """The user keys of this session's widgets (last run's) whose values session state can set."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return []
    state = ctx.session_state._state  # Streamlit's SessionState behind st.session_state
    keys = []
    for widget_id, meta in state._new_widget_state.widget_metadata.items():
        key = state._key_id_mapper.id_key_mapping.get(widget_id)
        if key is None or key.startswith("$$") or meta.value_type not in SETTABLE:
            continue
        if isinstance(getattr(meta.deserializer, "__self__", None), DataEditorSerde):  # edits, not a value
            continue
        keys.append(key)
    return keys


def keep_widget_values() -> None:
    """Shadow every settable widget's value; restore the shadowed ones a fresh page is about to draw."""
    state = st.session_state
    live = set()
    for key in settable_widget_keys():
        if key in state:
            state[SHADOW + key] = state[key]
            live.add(key)
    for shadow in [k for k in state if isinstance(k, str) and k.startswith(SHADOW)]:
        key = shadow[len(SHADOW) :]
        if key not in live and key not in state and key not in st.query_params:
            state[key] = state[shadow]
