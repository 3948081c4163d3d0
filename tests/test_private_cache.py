"""ui/private_cache.py: a learner's own inputs never reach a cache shared with other learners."""

import json

from streamlit.testing.v1 import AppTest

SCRIPT = """
import streamlit as st
from ui.private_cache import private_unless

calls = st.session_state.setdefault("calls", [])

@private_unless(lambda text: text == "shipped")
@st.cache_data(show_spinner=False)
def shout(text):
    calls.append(text)
    return [text.upper()]

for text in st.session_state.get("texts", []):
    result = shout(text)
    result.append("mutated by the caller")  # must not change what the next call gets
    st.write(shout(text))
st.write(shout.shared.__name__)
"""


def run(texts: list[str], at: AppTest | None = None) -> AppTest:
    at = at or AppTest.from_string(SCRIPT)
    at.session_state["texts"] = texts
    return at.run()


def test_a_learners_text_is_computed_in_their_session_and_never_shared():
    first = run(["my secret", "shipped"])
    assert not first.exception
    assert [json.loads(m.value) for m in first.json] == [["MY SECRET"], ["SHIPPED"]]
    assert first.session_state["calls"] == ["my secret", "shipped"]
    run(["my secret", "shipped"], first)  # the same learner again: both come from their caches
    assert first.session_state["calls"] == ["my secret", "shipped"]

    other = run(["my secret", "shipped"])  # another learner (another session)
    assert other.session_state["calls"] == ["my secret"]  # "shipped" came from the shared cache


def test_the_private_store_keeps_only_the_newest_entries():
    from ui.private_cache import ENTRIES

    at = run([f"text {i}" for i in range(ENTRIES + 3)])
    assert len(at.session_state["private_cache"]["shout"]) == ENTRIES
