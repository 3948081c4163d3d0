"""Beyond one machine: several identical server processes (or replicas) behind a load balancer
must behave as one. So the app writes nothing to local disk while it runs (no state a second
process would not see), caches live in memory only, and everything it reads ships with the
repository or with the packages in requirements.txt.

Checked two ways: by reading the source (st.cache_* never persists to disk), and by running every
page, and pressing every button on it, under a Python audit hook that records every file opened.
"""

import ast
import os
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.apptest import open_page
from ui.lessons import HOME_PATH, ROOT, built_lessons

PAGES = [HOME_PATH] + [lesson.path for lesson in built_lessons()]
RUNTIME_SOURCES = sorted([ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
INSTALLED = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sysconfig.get_paths()["purelib"])}

SYSTEM = ("/proc/", "/sys/", "/dev/", "/usr/", "/etc/")  # the OS image (time zones, fonts), not app state
_opened: list[tuple[str, bool]] | None = None  # (path, for writing) while a test records


def _audit(event: str, args: tuple) -> None:
    if _opened is None or event != "open":
        return
    path, mode, flags = args
    if not isinstance(path, str | bytes | os.PathLike):
        return  # an open file descriptor
    writing = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & WRITE_FLAGS)
    _opened.append((os.fsdecode(path), writing))


sys.addaudithook(_audit)  # cannot be removed; does nothing unless a test below records


@pytest.fixture
def opened_files():
    global _opened
    _opened = []
    try:
        yield _opened
    finally:
        _opened = None


def test_no_cache_persists_to_disk():
    for path in RUNTIME_SOURCES + sorted((ROOT / "core").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                persist = next((k.value for k in node.keywords if k.arg == "persist"), None)
                assert persist is None or (isinstance(persist, ast.Constant) and persist.value in (None, False)), (
                    f"{path.name}:{node.lineno} persists a cache to disk"
                )


def test_the_shipped_artefacts_are_tracked_in_the_repository():
    import subprocess

    folders = ["models", "data"]  # the trained artefacts and the training text
    listing = subprocess.run(["git", "ls-files", *folders], cwd=ROOT, capture_output=True, text=True, check=True)
    tracked = set(listing.stdout.split())
    on_disk = {str(p.relative_to(ROOT)) for f in folders for p in (ROOT / f).rglob("*") if p.is_file()}
    assert on_disk and on_disk <= tracked, on_disk - tracked


@pytest.mark.slow
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.stem)
def test_pages_write_nothing_and_read_only_shipped_files(path, opened_files):
    at = open_page(path, "en")
    assert not at.exception
    for label in [(b.key, b.label) for b in at.button]:  # sampling, training, resets...
        next(b for b in at.button if (b.key, b.label) == label).click().run(timeout=300)
        assert not at.exception, label
    written = sorted({name for name, writing in opened_files if writing})
    assert written == [], "the app wrote to local disk while serving a learner"
    outside = set()
    for name, _ in opened_files:
        resolved = Path(name).resolve()
        shipped = resolved.is_relative_to(ROOT) or any(resolved.is_relative_to(p) for p in INSTALLED)
        if not shipped and not name.startswith(SYSTEM):
            outside.add(name)
    assert not outside, sorted(outside)


def test_the_audit_hook_sees_writes_and_reads(opened_files, tmp_path):
    """The recording above would catch a write (a check that cannot fail checks nothing)."""
    (tmp_path / "state.json").write_text("{}")
    (tmp_path / "state.json").read_text()
    fd = os.open(tmp_path / "raw", os.O_WRONLY | os.O_CREAT)
    os.close(fd)
    assert (str(tmp_path / "state.json"), True) in opened_files
    assert (str(tmp_path / "state.json"), False) in opened_files
    assert (str(tmp_path / "raw"), True) in opened_files
