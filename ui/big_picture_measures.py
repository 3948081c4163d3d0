"""Lesson 9's measurements of a compressed tiny GPT, cached: the shared model is compressed into a
copy, and the copy is measured (size, agreement with the original, validation loss, a sample).

Every result is plain values cached per setting (st.cache_data), so going back to a setting is
instant and learners share the work; the shared model itself is only read.
"""

import time

import streamlit as st
import torch

from core import compress
from core.artefacts import ArtefactError
from core.corpus import corpus_path
from core.gpt_train import CharVocab, estimate_loss
from core.sampling import generate
from ui.corpus import corpus_split
from ui.tiny_gpt import get_model

EVAL_BATCHES, EVAL_BATCH_SIZE, EVAL_SEED = 4, 8, 0  # validation loss: the same 4 × 8 windows for every model
N_REFERENCE_TEXTS = 4  # texts the original writes itself, for the corpus-free measures
SAMPLE_PROMPT, SAMPLE_LENGTH, SAMPLE_SEED, SAMPLE_TEMPERATURE = "ROMEO:\n", 100, 0, 0.8


@st.cache_resource(max_entries=2, show_spinner=False)
def reference_texts(directory: str) -> torch.Tensor:
    """Texts the shipped model writes itself (seeded): the yardstick that needs no corpus. (n, T)"""
    return compress.reference_texts(get_model(directory)[0], N_REFERENCE_TEXTS, seed=0)


def val_loss(model, vocab: CharVocab, corpus: str | None) -> float | None:
    if corpus is None:
        return None
    data = corpus_split(vocab.chars, corpus)[1]
    return estimate_loss(model, data, EVAL_BATCH_SIZE, EVAL_BATCHES, EVAL_SEED, torch.device("cpu"))


def sample(model, vocab: CharVocab) -> str:
    start = torch.tensor([vocab.encode(SAMPLE_PROMPT)])  # (1, T)
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    out = generate(model, start, SAMPLE_LENGTH, SAMPLE_TEMPERATURE, generator=generator)
    return vocab.decode(out[0].tolist())


def usable_corpus(chars: str) -> tuple[str | None, ArtefactError | None]:
    """The corpus's path where it can be read in the vocabulary `chars` (else None: the measures
    that need it are left out), and what went wrong if it cannot."""
    path = str(corpus_path())
    try:
        corpus_split(chars, path)
    except ArtefactError as problem:
        return None, problem
    return path, None


def loss_chars(model) -> int:
    """Characters the validation loss is averaged over."""
    return EVAL_BATCHES * EVAL_BATCH_SIZE * model.config.block_size


@st.cache_data(max_entries=64, show_spinner=False)
def evaluate(
    directory: str, corpus: str | None, bits: int | None, per_channel: bool, sparsity: float, with_sample: bool = True
) -> dict:
    """Compress the shared model (a copy) and measure the copy; plain values, cached per setting."""
    model, vocab, _ = get_model(directory)
    settings = compress.Settings(bits, per_channel, sparsity)
    start = time.perf_counter()
    small, pruned = compress.compressed_model(model, settings)
    compress_ms = 1000 * (time.perf_counter() - start)
    start = time.perf_counter()
    kl, top1 = compress.agreement(model, small, reference_texts(directory))
    result = {
        "bits": bits,
        "per_channel": per_channel,
        "sparsity": sparsity,
        "size": compress.model_size_bytes(small, settings),
        "pruned": pruned,
        "kl": kl,
        "top1": top1,
        "val_loss": val_loss(small, vocab, corpus),
        "sample": sample(small, vocab) if with_sample else None,
    }
    return result | {"compress_ms": compress_ms, "eval_ms": 1000 * (time.perf_counter() - start)}


@st.cache_data(max_entries=4, show_spinner=False)
def original_measures(directory: str, corpus: str | None) -> dict:
    model, vocab, _ = get_model(directory)
    return {
        "size": compress.model_size_bytes(model),
        "val_loss": val_loss(model, vocab, corpus),
        "sample": sample(model, vocab),
    }
