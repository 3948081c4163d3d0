"""The course's training text, tiny Shakespeare (and the Tang model's held-out poems): where it is
and how it is read.

It ships in the repository, compressed (data/tinyshakespeare.txt.bz2; source and hash in
data/README.md). LLMX_CORPUS=/path/to/text names another file instead, compressed (.bz2, .xz, .gz)
or plain UTF-8. Pure reading, no caching: a page caches it in ui/corpus.py.
"""

import bz2
import gzip
import lzma
import os
from pathlib import Path

from core.artefacts import ArtefactError

ENV_VAR = "LLMX_CORPUS"
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "tinyshakespeare.txt.bz2"
SHIPPED_CHARACTERS = 1_115_394
SHIPPED_SHA256 = "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed"  # of the decompressed text
# The Tang model's held-out text: the last 10 % of ../shared/data/tang_poems.txt by position (the
# part its trainer never saw), for the pages that measure its loss on a deployed app.
TANG_VALIDATION = SHIPPED.parent / "tang_poems_val.txt.bz2"
TANG_VALIDATION_CHARACTERS = 269_712
TANG_VALIDATION_SHA256 = "2bdf3b946f8f86e7c81d09cdf9155ca20de87dfb5505137fac68d61a83abc820"  # decompressed
_OPENERS = {".bz2": bz2.open, ".xz": lzma.open, ".lzma": lzma.open, ".gz": gzip.open}


def corpus_path() -> Path:
    """LLMX_CORPUS where it is set (read on every call: tests set it), else the shipped file."""
    return Path(os.environ.get(ENV_VAR) or SHIPPED)


def read_bytes(path=None) -> bytes:
    """The corpus's bytes, decompressed by the file's suffix; ArtefactError if it cannot be read."""
    path = corpus_path() if path is None else Path(path)
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rb") as file:
            return file.read()
    except (OSError, EOFError, lzma.LZMAError) as problem:  # absent, a folder, truncated, not that format
        raise ArtefactError("corpus", problem) from problem


def read_corpus(path=None) -> str:
    """The corpus as text (UTF-8); ArtefactError if it cannot be read or decoded."""
    data = read_bytes(path)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise ArtefactError("corpus", problem) from problem
