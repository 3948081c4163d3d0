"""The tiny GPT's trainer in nanoGPT's documented CPU setting, and generation speed.

    python -m bench.bench_gpt [--data path/to/text] [--max-iters 2000]   (default: the shipped corpus)

nanoGPT's README setting: 4 layers, 4 heads, 128-dim embeddings, context 64, batch 12, 2000
iterations, learning rate 1e-3 (cosine to 1e-4), no dropout. nanoGPT itself took 160 s on a 2-core
machine like ours and reached validation loss 1.886; the budget is the same loss in 60% of that
time (96 s). Generation: characters per second sampling from the trained model on the CPU.
"""

import argparse
import time
from pathlib import Path

import torch

from core.corpus import ENV_VAR, read_corpus
from core.gpt import GPTConfig
from core.gpt_train import PRESETS, CharVocab, TrainSettings, split_corpus, train
from core.sampling import generate

NANOGPT_SECONDS, NANOGPT_VAL_LOSS = 160.0, 1.886


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
    reached = {}

    def progress(step, history):
        print(f"step {step:5d}  val {history.val_loss[-1]:.4f}  {history.seconds:6.1f} s", flush=True)
        if history.val_loss[-1] <= NANOGPT_VAL_LOSS and "seconds" not in reached:
            reached.update(step=step, seconds=history.seconds)

    device = torch.device("cpu")
    model, history = train(config, train_data, val_data, settings, device, progress)

    start_ids = torch.tensor([vocab.encode("\n")])
    t0 = time.perf_counter()
    generate(model, start_ids, 500, temperature=1.0, generator=torch.Generator().manual_seed(0))
    chars_per_second = 500 / (time.perf_counter() - t0)

    print("\n| measure | ours | nanoGPT / budget |\n|---|---:|---:|")
    print(f"| threads | {torch.get_num_threads()} | 2 cores |")
    print(f"| {args.max_iters} iterations, seconds | {history.seconds:.1f} | {NANOGPT_SECONDS:.0f} |")
    print(f"| final validation loss | {history.val_loss[-1]:.3f} | {NANOGPT_VAL_LOSS} |")
    if reached:
        print(
            f"| seconds to reach val {NANOGPT_VAL_LOSS} (eval every 250) | {reached['seconds']:.1f} "
            f"(step {reached['step']}) | ≤ {0.6 * NANOGPT_SECONDS:.0f} |"
        )
    else:
        print(f"| seconds to reach val {NANOGPT_VAL_LOSS} | not reached | ≤ {0.6 * NANOGPT_SECONDS:.0f} |")
    print(f"| generation, characters per second (CPU, batch 1) | {chars_per_second:.0f} | ≥ 500 |")


if __name__ == "__main__":
    main()
