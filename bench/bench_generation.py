"""Generation speed of the shipped tiny GPT on the CPU, with the app's setting of one torch thread.

    python -m bench.bench_generation [--chars 500] [--threads 1] [--repeats 3] [--model models/tiny_gpt_tang]

Budget (issue 7): at least 500 characters per second. Reference in the same run: nanoGPT's plain
loop, one full forward pass over the whole context for every new character; ours reads one new
character per step from a KV cache (core.gpt.KVCache: keys and values in preallocated buffers, weights
transposed once so one row vector times them reads memory in order).
"""

import argparse
import statistics
import time
from pathlib import Path

import torch

from core.gpt_train import load
from core.sampling import distribution, generate
from ui.tiny_gpt import model_dir


@torch.no_grad()
def plain_loop(model, idx, n_new, generator):
    """nanoGPT's generate: the last block_size characters through the whole model, every step."""
    for _ in range(n_new):
        probs = distribution(model.next_logits(idx), 1.0)
        idx = torch.cat([idx, torch.multinomial(probs, 1, generator=generator)], dim=1)
    return idx


def chars_per_second(run, n: int, repeats: int) -> float:
    rates = []
    for seed in range(repeats):
        start = time.perf_counter()
        run(torch.Generator().manual_seed(seed))
        rates.append(n / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", type=Path, help="a model folder; default: the course's tiny GPT")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, vocab, info = load(args.model or model_dir())
    prompt = "ROMEO:\n" if not vocab.unknown("ROMEO:\n") else "《春晓》孟浩然\n"  # Shakespeare, else Tang poems
    start = torch.tensor([vocab.encode(prompt)])  # (1, 7)
    cached = chars_per_second(lambda g: generate(model, start, args.chars, 1.0, generator=g), args.chars, args.repeats)
    plain = chars_per_second(lambda g: plain_loop(model, start, args.chars, g), args.chars, args.repeats)
    config = info["config"]
    print(f"model: {model.num_params():,} parameters, {config['n_layer']} layers, context {config['block_size']}")
    print("\n| generation (CPU, batch 1) | characters per second |\n|---|---:|")
    print(f"| threads | {torch.get_num_threads()} |")
    print(f"| ours, KV cache | {cached:.0f} |")
    print(f"| reference: full forward pass per character | {plain:.0f} |")
    print(f"| ratio | {cached / plain:.1f}x |")


if __name__ == "__main__":
    main()
