"""The tiny GPT's trainer against nanoGPT's recipe, timed in the same run, and generation speed.

    python -m bench.bench_gpt [--data path/to/text] [--max-iters 2000]   (default: the shipped corpus)

nanoGPT's README CPU setting: 4 layers, 4 heads, 128-dim embeddings, context 64, batch 12, 2000
iterations, learning rate 1e-3 (cosine to 1e-4), no dropout. The reference is a plain loop that follows
it step for step (bench/nanogpt_reference.py; on tiny Shakespeare it ends at nanoGPT's published
validation loss, 1.8857); the course's trainer then runs the same setting. DESIGN.md's budget: the same
loss in at most 0.6 x the reference's time. Generation: characters per second sampling from the trained
model on the CPU.
"""

import argparse
import time
from pathlib import Path

import numpy as np
import torch

from bench.nanogpt_reference import train_reference
from core.corpus import ENV_VAR, read_corpus
from core.gpt import GPTConfig
from core.gpt_train import PRESETS, CharVocab, TrainSettings, full_loss, split_corpus, train
from core.sampling import generate

NANOGPT_VAL_LOSS = 1.8857  # nanoGPT's published validation loss in this setting


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, help=f"default: {ENV_VAR}, else the shipped tiny Shakespeare")
    parser.add_argument("--max-iters", type=int, default=2000)
    args = parser.parse_args()

    text = read_corpus(args.data)
    vocab = CharVocab.from_text(text)
    config, settings = PRESETS["nanogpt-cpu"]
    config = GPTConfig(**{**config.to_dict(), "vocab_size": len(vocab)})
    settings = TrainSettings(**{**settings.__dict__, "max_iters": args.max_iters, "eval_interval": 250})
    train_data, val_data = split_corpus(text, vocab)

    def log(who):
        return lambda step, train, val, seconds: print(
            f"{who:9} step {step:5d}  train {train:.4f}  val {val:.4f}  {seconds:6.1f} s", flush=True
        )

    as_uint16 = lambda data: data.numpy().astype(np.uint16)  # noqa: E731  nanoGPT's on-disk format
    ref_seconds, ref_val = train_reference(
        as_uint16(train_data), as_uint16(val_data), len(vocab), args.max_iters, log("reference")
    )
    reached = {}

    def progress(p):
        history = p.record
        log("ours")(p.step, history.train_loss[-1], history.val_loss[-1], history.seconds)
        if history.val_loss[-1] <= ref_val and "seconds" not in reached:
            reached.update(step=p.step, seconds=history.seconds)

    model, history = train(config, train_data, val_data, settings, torch.device("cpu"), progress)
    # The same model and batch on a schedule made for a short run (PRESETS["nanogpt-cpu-short"]); only
    # its end is evaluated, over the whole validation text.
    short_config, short_settings = PRESETS["nanogpt-cpu-short"]
    short_config = GPTConfig(**{**short_config.to_dict(), "vocab_size": len(vocab)})
    short_model, short = train(short_config, train_data, val_data, short_settings, torch.device("cpu"))
    short_full = full_loss(short_model, val_data)

    start_ids = torch.tensor([vocab.encode("\n")])
    t0 = time.perf_counter()
    generate(model, start_ids, 500, temperature=1.0, generator=torch.Generator().manual_seed(0))
    chars_per_second = 500 / (time.perf_counter() - t0)

    print("\n| measure | course trainer | reference loop (nanoGPT's recipe) |\n|---|---:|---:|")
    print(f"| threads | {torch.get_num_threads()} | {torch.get_num_threads()} |")
    print(f"| {args.max_iters} iterations, seconds | {history.seconds:.1f} | {ref_seconds:.1f} |")
    final = f"| final validation loss (20 batches) | {history.val_loss[-1]:.4f} | {ref_val:.4f}"
    print(f"{final} (nanoGPT: {NANOGPT_VAL_LOSS}) |")
    ratio = history.seconds / ref_seconds
    print(f"| time ratio, whole run | {ratio:.2f} | 1.00 (budget for ours: ≤ 0.60) |")
    if reached:
        print(
            f"| seconds to reach the reference's final loss (eval every 250) | {reached['seconds']:.1f} "
            f"(step {reached['step']}, {reached['seconds'] / ref_seconds:.2f} ×) | {ref_seconds:.1f} |"
        )
    else:
        print(f"| seconds to reach the reference's final loss | not reached | {ref_seconds:.1f} |")
    print(f"| generation, characters per second (CPU, batch 1) | {chars_per_second:.0f} | budget ≥ 500 |")
    s = short_settings
    print(
        f"\nShort schedule ({s.max_iters} steps, learning rate {s.learning_rate:g} cosine to {s.min_lr:g}, same model"
        f" and batch): {short.seconds:.1f} s = {short.seconds / ref_seconds:.2f} x the reference; validation"
        f" {short.val_loss[-1]:.4f} ({s.eval_iters} batches), {short_full:.4f} over all {len(val_data):,} characters"
        f" (the reference's: {ref_val:.4f})"
    )


if __name__ == "__main__":
    main()
