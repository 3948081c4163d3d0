"""The training text for the pages, as character ids split nanoGPT's way (first 90 % to train,
last 10 % to validate): read once per server and file, and shared read-only (st.cache_resource).

`corpus_split` raises core.artefacts.ArtefactError, and only that, when the corpus is missing or
unreadable (LLMX_CORPUS naming an absent or broken file), too short, or has characters the model
does not know. A page catches it around only the sections that train or validate on the text and
names the file with `shown_corpus()`: relative to the repository, never the server's directories.
"""

import streamlit as st
import torch

from core.artefacts import ArtefactError, log_failure, shown_path
from core.corpus import TANG_VALIDATION, corpus_path, read_corpus
from core.gpt_train import CharVocab, split_corpus

MIN_CHARACTERS = 10_000  # the validation tenth must hold many windows of the longest context (128)


@st.cache_resource(max_entries=2, show_spinner=False)
def _split(path: str, chars: str) -> tuple[torch.Tensor, torch.Tensor]:
    text = read_corpus(path)
    unknown = set(text) - set(chars)
    if unknown:
        raise ArtefactError("corpus", ValueError(f"{len(unknown)} characters the model does not know"))
    if len(text) < MIN_CHARACTERS:
        raise ArtefactError("corpus", ValueError(f"{len(text)} characters, fewer than {MIN_CHARACTERS:,}"))
    return split_corpus(text, CharVocab(chars))


def corpus_split(chars: str, path: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(train, validation) ids of the corpus (or of `path`) in the vocabulary `chars`; ArtefactError
    if it is unusable."""
    path = str(corpus_path()) if path is None else path
    try:
        return _split(path, chars)
    except ArtefactError as problem:  # never cached: a fixed file is read on the next run
        log_failure(problem, path)
        raise


@st.cache_resource(max_entries=1, show_spinner=False)
def _tang_validation(path: str, chars: str, unknown: str) -> torch.Tensor:
    return torch.tensor(CharVocab(chars, unknown).encode(read_corpus(path)), dtype=torch.long)


def held_out(name: str, vocab: CharVocab) -> torch.Tensor:
    """The validation ids of the model `name` ("shakespeare" or "tang", ui.tiny_gpt's names): the last
    10 % of the text it was trained on, which it never saw. The Tang model's ships on its own
    (data/tang_poems_val.txt.bz2; its rare characters become the unknown id, as in training).
    ArtefactError if the text is unusable."""
    if name != "tang" or vocab.unknown_id is None:  # a model without the unknown id reads Shakespeare
        return corpus_split(vocab.chars)[1]  # (LLMX_TINY_GPT may name one whatever the switch says)
    path = str(TANG_VALIDATION)
    try:
        return _tang_validation(path, vocab.chars, vocab.chars[vocab.unknown_id])
    except ArtefactError as problem:
        log_failure(problem, path)
        raise


def shown_corpus(name: str = "shakespeare") -> str:
    """The corpus's file as a learner may see it (data/tinyshakespeare.txt.bz2), or the Tang model's
    held-out poems' (data/tang_poems_val.txt.bz2)."""
    return shown_path(TANG_VALIDATION if name == "tang" else corpus_path())
