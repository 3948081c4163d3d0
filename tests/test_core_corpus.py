"""The training text ships with the repository (data/tinyshakespeare.txt.bz2), exactly nanoGPT's
tiny Shakespeare, and one loader reads it: core.corpus, honouring LLMX_CORPUS, cached for the pages
in ui/corpus.py. A missing or broken file raises ArtefactError, never anything else."""

import ast
import bz2
import gzip
import hashlib
import lzma

import pytest
import streamlit as st

from core import corpus
from core.artefacts import ArtefactError
from tests.conftest import ROOT

TEXT_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"  # data/README.md
SHARED_COPY = ROOT.parent / "shared" / "data" / "tinyshakespeare.txt"  # where the course is developed
SAMPLE = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n" * 200  # 12,400 characters


@pytest.fixture
def fresh_caches():
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


# --- The shipped file ---------------------------------------------------------------------------------
def test_the_shipped_corpus_is_tiny_shakespeare_byte_for_byte():
    assert corpus.SHIPPED == ROOT / "data" / "tinyshakespeare.txt.bz2"
    assert corpus.SHIPPED.stat().st_size < 400_000  # compressed: about a third of the text
    data = corpus.read_bytes(corpus.SHIPPED)
    assert hashlib.sha256(data).hexdigest() == TEXT_SHA256 == corpus.SHIPPED_SHA256
    text = corpus.read_corpus(corpus.SHIPPED)
    assert len(text) == 1_115_394 == corpus.SHIPPED_CHARACTERS
    assert len(set(text)) == 65 and text.startswith("First Citizen:\nBefore we proceed any further")


@pytest.mark.skipif(not SHARED_COPY.exists(), reason=f"no shared copy at {SHARED_COPY} to compare with")
def test_the_shipped_corpus_equals_the_shared_copy():
    assert corpus.read_bytes(corpus.SHIPPED) == SHARED_COPY.read_bytes()


def test_the_readme_states_the_hash_and_the_count():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert TEXT_SHA256 in readme and "1,115,394" in readme and "public domain" in readme


# --- One loader, one environment variable ---------------------------------------------------------------
def test_the_shipped_file_is_read_unless_llmx_corpus_names_another(monkeypatch, tmp_path):
    monkeypatch.delenv(corpus.ENV_VAR, raising=False)
    assert corpus.corpus_path() == corpus.SHIPPED
    monkeypatch.setenv(corpus.ENV_VAR, "")  # set but empty: as if unset
    assert corpus.corpus_path() == corpus.SHIPPED
    (tmp_path / "mine.txt").write_text(SAMPLE, encoding="utf-8")
    monkeypatch.setenv(corpus.ENV_VAR, str(tmp_path / "mine.txt"))
    assert corpus.corpus_path() == tmp_path / "mine.txt"
    assert corpus.read_corpus() == SAMPLE


@pytest.mark.parametrize(
    "name, compress",
    [
        ("plain.txt", lambda b: b),
        ("text.bz2", bz2.compress),
        ("text.txt.xz", lzma.compress),
        ("text.LZMA", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE)),
        ("text.txt.gz", gzip.compress),
    ],
)
def test_every_format_reads_back_the_same_text(name, compress, monkeypatch, tmp_path):
    text = SAMPLE + "ünïcödé, 中文\n"
    (tmp_path / name).write_bytes(compress(text.encode("utf-8")))
    monkeypatch.setenv(corpus.ENV_VAR, str(tmp_path / name))
    assert corpus.read_corpus() == text


def broken_corpora(folder):
    """Each way the corpus's file can be broken, as (name, path, the reason a learner sees)."""
    data = bz2.compress(SAMPLE.encode())
    files = {
        "absent.txt.bz2": (None, "FileNotFoundError"),
        "truncated.txt.bz2": (data[: len(data) // 2], "EOFError"),
        "garbage.txt.bz2": (b"BZh9" + bytes(1000), "OSError"),
        "garbage.txt.xz": (bytes(range(256)), "LZMAError"),
        "garbage.txt.gz": (b"\x1f\x8b" + bytes(100), "BadGzipFile"),
        "latin1.txt": ("Ophélie\n".encode("latin-1") * 2000, "UnicodeDecodeError"),
    }
    out = []
    for name, (content, reason) in files.items():
        if content is not None:
            (folder / name).write_bytes(content)
        out.append((name, folder / name, reason))
    (folder / "a_folder.txt").mkdir()
    out.append(("a_folder.txt", folder / "a_folder.txt", "IsADirectoryError"))
    return out


def test_a_broken_corpus_raises_artefact_error(tmp_path):
    for name, path, reason in broken_corpora(tmp_path):
        with pytest.raises(ArtefactError) as caught:
            corpus.read_corpus(path)
        assert (caught.value.artefact, caught.value.reason) == ("corpus", reason), name


def code_strings(path) -> list[str]:
    """The string constants of a Python file, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def test_only_core_corpus_knows_where_the_text_is():
    """No page, ui module, benchmark or test finds the corpus or reads LLMX_CORPUS by itself."""
    sources = [p for folder in ("app_pages", "ui", "core", "bench", "tests") for p in (ROOT / folder).rglob("*.py")]
    exempt = {ROOT / "core" / "corpus.py", ROOT / "tests" / "test_core_corpus.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for path in [ROOT / "app.py", *sources]
        if path not in exempt and any("tinyshakespeare" in s or "LLMX_CORPUS" in s for s in code_strings(path))
    ]
    assert offenders == []
    assert "LLMX_CORPUS" in code_strings(ROOT / "core" / "corpus.py"), "the check reads what it should"


# --- The pages' cached split ----------------------------------------------------------------------------
def test_the_pages_split_is_nanogpts_in_the_models_vocabulary(monkeypatch, fresh_caches):
    from core.gpt_train import CharVocab
    from ui.corpus import corpus_split, shown_corpus

    monkeypatch.delenv(corpus.ENV_VAR, raising=False)
    chars = CharVocab.from_text(corpus.read_corpus()).chars
    train, val = corpus_split(chars)
    assert (len(train), len(val)) == (1_003_854, 111_540)
    assert corpus_split(chars)[0] is train, "read once, shared read-only"
    assert shown_corpus() == "data/tinyshakespeare.txt.bz2", "relative to the repository"


def test_the_pages_split_refuses_what_the_model_cannot_read(monkeypatch, tmp_path, fresh_caches):
    from core.gpt_train import CharVocab
    from ui.corpus import corpus_split

    chars = CharVocab.from_text(SAMPLE).chars
    cases = {"greek.txt": "αβγ " * 5000, "short.txt": SAMPLE[:5000]}
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        monkeypatch.setenv(corpus.ENV_VAR, str(tmp_path / name))
        with pytest.raises(ArtefactError) as caught:
            corpus_split(chars)
        assert caught.value.reason == "ValueError", name
    for name, _path, reason in broken_corpora(tmp_path):
        monkeypatch.setenv(corpus.ENV_VAR, str(tmp_path / name))
        with pytest.raises(ArtefactError) as caught:
            corpus_split(chars)
        assert caught.value.reason == reason, name
    # Fixed again: the next call reads it (a failure is never cached).
    (tmp_path / "short.txt").write_text(SAMPLE, encoding="utf-8")
    monkeypatch.setenv(corpus.ENV_VAR, str(tmp_path / "short.txt"))
    train, val = corpus_split(chars)
    assert len(train) + len(val) == len(SAMPLE)
