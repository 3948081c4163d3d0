"""Lesson 8's computations, timed on this machine's CPU (one thread, as the app runs them).

    python -m bench.bench_sampling [--repeats 50]

- the work behind one move of the temperature slider: the shipped model's next-character logits
  (cached by the page per prompt, timed here uncached too), three distributions and 1,000 draws;
- generation speed of the shipped model (characters per second, batch 1; budget ≥ 500);
- the page's "retrain a smaller model" demo: time to the first progress report (budget ≤ 1 s),
  total time (budget about 10 s on CPU) and the validation loss it reaches. These run on a shared
  2-core machine: compare with the load average printed beside them.
The page's server rerun and browser latency are in bench.bench_pages.
"""

import argparse
import os
import time
from pathlib import Path

import torch

from bench.stopwatch import median_ms
from core import sampling as smp
from core.corpus import read_corpus
from core.device import get_device
from core.gpt import GPTConfig
from core.gpt_train import PRESETS, load, split_corpus, train

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "tiny_gpt"
PROMPT = "JULIET:\nO Romeo, Romeo! wherefore art thou "


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    get_device()  # sets the thread count the app uses
    model, vocab, info = load(MODEL)
    ids = torch.tensor([vocab.encode(PROMPT)])
    logits = model.next_logits(ids)[0]

    def slider_move():
        final = smp.distribution(logits, 1.3, 10, 0.9)
        smp.distribution(logits, 1.0), smp.distribution(logits, 1.3)
        smp.sample_counts(final, 1000, torch.Generator().manual_seed(0))

    rows = [
        ("next-character logits, uncached (ms)", f"{median_ms(lambda: model.next_logits(ids), args.repeats):.2f}", ""),
        ("3 distributions + 1,000 draws (ms)", f"{median_ms(slider_move, args.repeats):.2f}", "part of < 50 ms"),
    ]
    start = time.perf_counter()
    smp.generate(model, ids, 500, 1.0, generator=torch.Generator().manual_seed(0))
    rows.append(("generation, characters per second", f"{500 / (time.perf_counter() - start):.0f}", "≥ 500"))
    config, settings = PRESETS["lesson"]
    config = GPTConfig(**{**config.to_dict(), "vocab_size": len(vocab)})
    train_data, val_data = split_corpus(read_corpus(), vocab)
    # PyTorch's first optimizer in a process imports its compiler machinery (seconds, once per
    # server): timed apart, so the demo's own time is what every later learner waits.
    start = time.perf_counter()
    torch.optim.AdamW([torch.zeros(1, requires_grad=True)])
    rows.append(("first optimizer in the process (one-off import), s", f"{time.perf_counter() - start:.2f}", ""))
    start, reports = time.perf_counter(), []
    small, history = train(
        config, train_data, val_data, settings, get_device(), lambda *_: reports.append(time.perf_counter() - start)
    )
    total = time.perf_counter() - start
    name = f"retrain demo ({settings.max_iters} steps, {small.num_params():,} parameters)"
    rows.append((f"{name}: first progress, s", f"{reports[0]:.2f}", "≤ 1"))
    rows.append((f"{name}: total, s", f"{total:.1f}", "about 10"))
    rows.append((f"{name}: validation loss, nats per character", f"{history.val_loss[-1]:.3f}", ""))
    print(f"model: {model.num_params():,} parameters, validation loss {info['val_loss']:.3f}")
    print(f"threads: {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n| measure | value | budget |\n|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
