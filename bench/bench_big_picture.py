"""Lesson 9's compression of the tiny GPT, timed on this machine's CPU (one thread, as the app runs it).

    python -m bench.bench_big_picture [--repeats 5]

- the compression chart's states (core.big_picture.compression_states: one matrix's histogram and
  the whole model's size for 3 bit widths × 10 pruned shares), per-tensor and per-channel: the
  budget is 1 s for the first computation and 2 MB for what the figure carries;
- quantization (8 and 4 bits, per-tensor and per-channel) and pruning (50 % and 90 %) of every
  compressible matrix of the shipped model, each into a fresh copy: budget < 2 s each;
- the page's measurements of one compressed model: agreement (KL, top-1) on the reference texts,
  the validation loss on the page's fixed batches (when the corpus is present), the sample text;
- the numbers themselves: size, KL, top-1 and validation loss for each setting, so a run records
  what compression costs as well as how long it takes. These run on a shared 2-core machine:
  compare with the load average printed beside them.
"""

import argparse
import json
import os
import time
from pathlib import Path

import torch

from bench.stopwatch import median_ms
from core import big_picture as bp
from core import compress
from core.corpus import read_corpus
from core.device import get_device
from core.gpt_train import load, split_corpus

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "tiny_gpt"
SETTINGS = [
    compress.Settings(8, False),
    compress.Settings(8, True),
    compress.Settings(4, False),
    compress.Settings(4, True),
    compress.Settings(None, True, 0.5),
    compress.Settings(None, True, 0.9),
    compress.Settings(4, True, 0.5),
]


def label(settings: compress.Settings) -> str:
    bits = "float32" if settings.bits is None else f"{settings.bits}-bit"
    scope = "" if settings.bits is None else (" per-channel" if settings.per_channel else " per-tensor")
    pruned = f", {settings.sparsity:.0%} pruned" if settings.sparsity else ""
    return bits + scope + pruned


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    get_device()  # sets the thread count the app uses
    model, vocab, info = load(MODEL)
    val = split_corpus(read_corpus(), vocab)[1]  # the shipped corpus, or LLMX_CORPUS
    start = time.perf_counter()
    reference = bp.reference_texts(model)
    reference_s = time.perf_counter() - start
    base_loss = bp.val_loss(model, val)
    print(f"model: {model.num_params():,} parameters, {compress.model_size_bytes(model) / 1000:,.0f} kB in float32")
    print(f"threads: {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"reference texts for the corpus-free measures (once per server): {reference_s:.2f} s")
    for per_channel in (False, True):
        seconds = median_ms(lambda pc=per_channel: bp.compression_states(model, pc), args.repeats) / 1000
        states = bp.compression_states(model, per_channel)
        carried = len(json.dumps(states.counts.tolist())) + len(json.dumps(states.sizes.tolist()))
        scope = "per-channel" if per_channel else "per-tensor"
        print(f"chart states, {scope}: {seconds:.2f} s (budget 1 s), {carried / 1000:.0f} kB of numbers (budget 2 MB)")
    if base_loss is not None:
        print(f"original validation loss (the page's 4 batches of 8): {base_loss:.4f}")
    print(
        "\n| setting | compress, s (budget < 2) | size kB | ratio | KL nats | same top | val loss | "
        "KL + top-1, s | val loss, s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    )
    for settings in SETTINGS:
        seconds = median_ms(lambda s=settings: compress.compressed_model(model, s), args.repeats) / 1000
        small, _ = compress.compressed_model(model, settings)
        size = compress.model_size_bytes(small, settings)
        start = time.perf_counter()
        kl, top1 = compress.agreement(model, small, reference)
        agreement_s = time.perf_counter() - start
        loss, loss_s = "—", "—"
        if val is not None:
            start = time.perf_counter()
            loss = f"{bp.val_loss(small, val):.4f}"
            loss_s = f"{time.perf_counter() - start:.2f}"
        ratio = compress.model_size_bytes(model) / size
        print(
            f"| {label(settings)} | {seconds:.3f} | {size / 1000:,.0f} | {ratio:.1f}× | {kl:.4f} | {top1:.1%} | "
            f"{loss} | {agreement_s:.2f} | {loss_s} |"
        )
    start = time.perf_counter()
    bp.sample(model, vocab)
    print(f"\nsample text on the page ({bp.SAMPLE_LENGTH} characters): {time.perf_counter() - start:.2f} s per model")


if __name__ == "__main__":
    main()
