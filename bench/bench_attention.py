"""Lesson 7's computations, timed on this machine's CPU (one thread, as the app runs them).

    python -m bench.bench_attention [--repeats 30]

- the work behind one press of the page's first slider (the RNN sentence length): the RNN's and
  the attention head's dependence on each word for 8 random networks, uncached (the page caches
  it per length and strength), at the default length and at the longest;
- the step-through (one head and multi-head on the 5 × 4 matrices) after an edit or a toggle;
- the tiny GPT: generating 24 characters and the attention of every layer over prompt + text
  (cached per prompt, length and seed: paid once per new prompt);
- MiniLM: the library's attentions on a sentence (cached per sentence) and our step-by-step
  recomputation of one head (on every layer or head slider move), with the largest difference.
The page's server rerun and browser latency are in bench.bench_pages.
"""

import argparse
import os
from pathlib import Path

import torch

from bench.stopwatch import median_ms
from core import attention as att
from core import sampling as smp
from core.device import get_device
from core.gpt_train import load

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "tiny_gpt"
SENTENCE = "The animal didn't cross the street because it was too tired."
PROMPT = "ROMEO: But soft, what light"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    get_device()  # sets the thread count the app uses
    n = args.repeats
    rows = []
    for length in (16, 40):
        X = att.word_vectors([f"w{i}" for i in range(length)], 8)
        ms = median_ms(lambda X=X: (att.rnn_dependence(X, 0.9), att.attention_dependence(X)), n)
        rows.append((f"RNN + attention dependence, {length} words, 8 networks each (ms)", f"{ms:.1f}", "< 50"))
    tensors = [torch.tensor(M) for M in (att.STEP_X, att.STEP_WQ, att.STEP_WK, att.STEP_WV)]
    wo = torch.eye(4, dtype=torch.float64)
    ms = median_ms(lambda: (att.one_head(*tensors, causal=True), att.multi_head(*tensors, wo, 2)), n)
    rows.append(("one head + two-head attention, 5 words × 4 (ms)", f"{ms:.2f}", ""))
    if (MODEL / "model.json").exists():
        model, vocab, _ = load(MODEL)
        ids = vocab.encode(PROMPT)

        def gpt_run():
            out = smp.generate(
                model, torch.tensor([ids]), 24, 1.0, top_k=10, generator=torch.Generator().manual_seed(0)
            )
            return att.gpt_attention(model, out[0].tolist()[-model.config.block_size :])

        runs = max(3, n // 5)
        rows.append(
            (
                "tiny GPT: 24 characters + attention of all layers, once per prompt (ms)",
                f"{median_ms(gpt_run, runs):.0f}",
                "",
            )
        )
    try:
        from core.embeddings import load_model

        st_model = load_model("cpu")
    except Exception as missing:  # noqa: BLE001  (the benchmark reports what it could not run)
        rows.append(("MiniLM", f"skipped: {type(missing).__name__}", ""))
    else:
        encoder = att.eager_copy(st_model)
        result = att.minilm_attention(encoder, st_model.tokenizer, SENTENCE)
        ms = median_ms(lambda: att.minilm_attention(encoder, st_model.tokenizer, SENTENCE), n)
        rows.append(
            (f"MiniLM: output_attentions on {len(result.tokens)} tokens, once per sentence (ms)", f"{ms:.1f}", "")
        )
        ms = median_ms(lambda: att.minilm_head_by_hand(encoder, result.hidden[3], 3, 6), n)
        rows.append(("MiniLM: one head recomputed from its weights, per slider move (ms)", f"{ms:.2f}", "part of < 50"))
        heads = [(i, h) for i in range(6) for h in range(12)]
        by_hand = [att.minilm_head_by_hand(encoder, result.hidden[i], i, h).weights for i, h in heads]
        worst = float(abs(torch.stack(by_hand).numpy().reshape(result.weights.shape) - result.weights).max())
        rows.append(("MiniLM: largest difference, ours vs the library, all 72 heads", f"{worst:.1e}", "≤ 1e-5"))
    print(f"threads: {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n| measure | value | budget |\n|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
