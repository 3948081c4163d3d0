"""Every user-visible string, in the learner's language.

The catalogs live in locales/<lang>/<namespace>.toml; a key "fitting.title" is the entry
`title` of locales/<lang>/fitting.toml. The language comes from ?lang= in the URL, else the
choice made earlier in this session, else the browser's locale, else English.
"""

import functools
import tomllib
from pathlib import Path
from types import MappingProxyType

import streamlit as st

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
LANGUAGES = ("en", "zh")
LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
_SESSION_KEY = "_lang"
_SWITCHED_KEY = "_lang_switched"


def _flatten(table: dict, prefix: str) -> dict[str, str]:
    flat = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@functools.cache
def load_catalog(lang: str) -> MappingProxyType:
    """All strings of one language, keyed "namespace.key"; read-only, shared by all sessions."""
    catalog = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.toml")):
        with path.open("rb") as f:
            catalog.update(_flatten(tomllib.load(f), f"{path.stem}."))
    return MappingProxyType(catalog)


def language_from_locale(locale: str | None) -> str:
    """'zh-CN', 'zh-TW', 'zh' -> 'zh'; anything else -> English."""
    if locale and locale.lower().startswith("zh"):
        return "zh"
    return DEFAULT_LANGUAGE


def current_language() -> str:
    """Decide this run's language and keep it in the URL, so a shared link reproduces it."""
    wanted = st.query_params.get("lang")
    if st.session_state.pop(_SWITCHED_KEY, False):  # the learner just used the switch
        lang = st.session_state[_SESSION_KEY]
    elif wanted in LANGUAGES:
        lang = wanted
    elif st.session_state.get(_SESSION_KEY) in LANGUAGES:
        lang = st.session_state[_SESSION_KEY]
    else:
        lang = language_from_locale(st.context.locale)
    st.session_state[_SESSION_KEY] = lang
    if wanted != lang:
        st.query_params["lang"] = lang
    return lang


def t(key: str, **fields) -> str:
    """The text for `key` in the current language, with {placeholders} filled from `fields`."""
    lang = st.session_state.get(_SESSION_KEY, DEFAULT_LANGUAGE)
    text = load_catalog(lang).get(key)
    if text is None:  # a missing key is a bug the catalog test catches; never crash a learner
        text = load_catalog(DEFAULT_LANGUAGE).get(key, key)
    return text.format(**fields) if fields else text


def language_switch() -> None:
    """A switch in the sidebar; changing it reruns the same page in the other language."""

    def on_change():
        # Only remember the choice here: the next run writes it to the URL. (Changing the URL
        # inside a widget callback sends the learner back to the home page.)
        if st.session_state["lang_switch"] in LANGUAGES:
            st.session_state[_SESSION_KEY] = st.session_state["lang_switch"]
            st.session_state[_SWITCHED_KEY] = True

    st.session_state["lang_switch"] = st.session_state.get(_SESSION_KEY, DEFAULT_LANGUAGE)
    st.sidebar.segmented_control(
        t("common.language"),
        LANGUAGES,
        format_func=LANGUAGE_NAMES.get,
        key="lang_switch",
        on_change=on_change,
        required=True,
    )
