"""The two catalogs must say the same things: same keys, same placeholders, nothing empty,
and every literal key the code asks for exists."""

import re
import string

import pytest

from ui.i18n import LANGUAGES, language_from_locale, load_catalog
from ui.lessons import LESSONS, ROOT


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_catalogs_have_identical_keys():
    en, zh = load_catalog("en"), load_catalog("zh")
    assert len(en) > 100
    assert set(en) - set(zh) == set(), "keys missing from zh"
    assert set(zh) - set(en) == set(), "keys missing from en"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_empty_strings(lang):
    empty = [key for key, text in load_catalog(lang).items() if not isinstance(text, str) or not text.strip()]
    assert empty == []


def test_placeholders_match():
    en, zh = load_catalog("en"), load_catalog("zh")
    mismatched = {
        key: (placeholders(en[key]), placeholders(zh[key]))
        for key in en
        if placeholders(en[key]) != placeholders(zh[key])
    }
    assert mismatched == {}


def test_chinese_catalog_is_chinese():
    """A guard against copying English into the Chinese catalog: most entries contain CJK."""
    zh = load_catalog("zh")
    cjk = [key for key, text in zh.items() if re.search(r"[\u4e00-\u9fff]", text)]
    assert len(cjk) / len(zh) > 0.8


def test_every_literal_key_used_in_code_exists():
    en = load_catalog("en")
    used = set()
    for path in [ROOT / "app.py", *ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py")]:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    assert used, "found no t() calls at all"
    assert sorted(used - set(en)) == []


def test_every_lesson_has_a_name_and_summary():
    for lang in LANGUAGES:
        catalog = load_catalog(lang)
        for lesson in LESSONS:
            assert f"common.lesson_names.{lesson.namespace}" in catalog
            assert f"home.summaries.{lesson.namespace}" in catalog
            if lesson.built:
                assert f"{lesson.namespace}.title" in catalog


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("zh-CN", "zh"), ("zh-TW", "zh"), ("zh", "zh"), ("en-US", "en"), ("fr-FR", "en"), (None, "en"), ("", "en")],
)
def test_language_from_locale(locale, expected):
    assert language_from_locale(locale) == expected


# Catalog entries that are lists, one item per line (not Markdown paragraphs).
LIST_KEYS = {"default_entries", "chinese_entries", "default_candidates", "knowledge_base"}
CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
BROKEN_CHINESE_LINE = re.compile(rf"[{CJK}]\n(?!\n|\Z|[-*+]\s|[|#>]|\d+\.\s)|[^\n]\n(?=[{CJK}])")


def test_chinese_paragraphs_have_no_line_breaks():
    """Markdown shows a line break inside a paragraph as a space, which Chinese text has none of.
    Wrapped lines in the zh catalogs end with a backslash, which TOML joins."""
    zh = load_catalog("zh")
    broken = [
        key for key, text in zh.items() if key.rsplit(".", 1)[-1] not in LIST_KEYS and BROKEN_CHINESE_LINE.search(text)
    ]
    assert broken == []
