"""Bounded memory: every cache whose key a learner can change has a size limit.

One server serves a whole class for hours; a cache keyed by slider values, uploads or edited data
without `max_entries` grows with every new setting any learner ever tried. This reads the source of
every page and ui/ module and checks each `st.cache_data` / `st.cache_resource` on a function that
takes hashed arguments (those not starting with "_") sets `max_entries`.
"""

import ast

import pytest

from ui.lessons import ROOT

SOURCES = sorted([*ROOT.glob("app_pages/*.py"), *ROOT.glob("ui/*.py"), ROOT / "app.py"])


def cached_functions(path):
    """(function name, decorator call or name, hashed parameter names) for each cached function."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in ("cache_data", "cache_resource"):
                args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                yield node.name, decorator, [a.arg for a in args if not a.arg.startswith("_")]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_caches_keyed_by_arguments_have_a_size_limit(path):
    unbounded = [
        name
        for name, decorator, hashed in cached_functions(path)
        if hashed and not (isinstance(decorator, ast.Call) and any(k.arg == "max_entries" for k in decorator.keywords))
    ]
    assert unbounded == [], f"{path.name}: cached by argument without max_entries"


def test_the_check_sees_the_caches():
    found = [name for path in SOURCES for name, _, _ in cached_functions(path)]
    assert len(found) > 20 and "training_slots" in found
