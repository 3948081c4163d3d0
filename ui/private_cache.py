"""Results computed from what one learner typed stay in that learner's session.

A cache shared by every learner tells on its users: Streamlit's public `/_stcore/metrics` endpoint
reports each cache's size, so anyone could try a guess and see whether it was already cached, that
is whether somebody on the server had typed exactly that text (and a hit is also faster than a
miss). So the pages' caches that take text stay shared only for the inputs the course itself ships
(its default prompts, entries and queries: the same for everyone, and the expensive ones a whole
classroom opens at once); a call with anything else is computed for this learner and kept in their
session, a few entries at most.
"""

import copy
import functools
from collections import OrderedDict

import streamlit as st

STORE = "private_cache"  # session-state key of this learner's results
ENTRIES = 8  # per wrapped function and learner; the oldest goes first


def in_session(name: str, key, compute, entries: int = ENTRIES):
    """`compute()`, kept in this learner's session under (name, key); the `entries` newest stay."""
    store = st.session_state.setdefault(STORE, {}).setdefault(name, OrderedDict())
    if key not in store:
        store[key] = compute()
        while len(store) > entries:
            store.popitem(last=False)
    store.move_to_end(key)
    return store[key]


def private_unless(is_public):
    """Decorate a `st.cache_data` / `st.cache_resource` function: calls whose arguments satisfy
    `is_public(*args)` use the shared cache, every other call a per-session one."""

    def decorate(shared):
        compute = shared.__wrapped__  # the plain function behind Streamlit's cache
        # st.cache_data hands every caller a copy; so does this, for the same guarantee.
        copies = type(getattr(shared, "_info", None)).__name__ == "CachedDataFuncInfo"

        @functools.wraps(compute)
        def call(*args):
            if is_public(*args):
                return shared(*args)
            value = in_session(compute.__qualname__, args, lambda: compute(*args))
            return copy.deepcopy(value) if copies else value

        call.shared = shared  # for tests and benchmarks
        return call

    return decorate
