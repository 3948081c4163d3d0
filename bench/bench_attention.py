"""Lesson 7's computations, timed on this machine's CPU (one thread, as the app runs them).

    python -m bench.bench_attention [--repeats 30]

- the work behind one press of the page's first slider (the RNN sentence length): the RNN's and
  the attention head's dependence on each word for 8 random networks, uncached (the page caches
  it per length and strength), at the default length and at the longest;
- the hero after an edit or a toggle: one head and multi-head on the 5 × 4 matrices, and the
  scrub figure's five frames (one per word; the page builds it once per state of the matrices);
- the tiny GPT: generating 24 characters and the attention of every layer over prompt + text
  (cached per prompt and length: paid once per new prompt);
- MiniLM: the library's attentions on a sentence and our step-by-step recomputation of all 72 heads
  (both cached per sentence: a layer or head move only picks a frame), with the largest difference,
  and the 72-frame scrub figure built from them.
The page's server rerun and browser latency are in bench.bench_pages.
"""

import argparse
import json
import os
from pathlib import Path

import torch

from bench.stopwatch import median_ms
from core import attention as att
from core.device import get_device
from core.gpt_train import load
from ui import attention_charts as charts

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
    words, features = "my cat chased a mouse".split(), ["noun", "verb", "determiner", "animate"]
    head = att.one_head(*tensors)
    spec = charts.query_template(words, features, head, scale=True)
    ms = median_ms(lambda: charts.query_template(words, features, head, scale=True), n)
    rows.append(
        (f"hero scrub figure, 5 frames, {len(json.dumps(spec, default=str)):,} bytes (ms)", f"{ms:.1f}", "< 1000")
    )
    if (MODEL / "model.json").exists():
        model, vocab, _ = load(MODEL)
        ids = vocab.encode(PROMPT)

        def gpt_run():
            return att.gpt_continue(model, ids, 24, seed=0)

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
        runs = max(3, n // 5)
        ms = median_ms(lambda: att.minilm_heads_by_hand(encoder, result), runs)
        rows.append(("MiniLM: all 72 heads recomputed from its weights, once per sentence (ms)", f"{ms:.0f}", ""))
        maps = att.minilm_heads_by_hand(encoder, result)
        worst = float(abs(maps - result.weights).max())
        rows.append(("MiniLM: largest difference, ours vs the library, all 72 heads", f"{worst:.1e}", "≤ 1e-5"))
        links = att.strongest_links(maps, att.special_tokens(result.tokens))
        title = lambda i, h: f"layer {i}, head {h}: {links[i - 1, h - 1]}"  # noqa: E731
        spec = charts.heads_template(result.tokens, maps, title)
        ms = median_ms(lambda: charts.heads_template(result.tokens, maps, title), runs)
        size = len(json.dumps(spec, default=str))
        rows.append((f"MiniLM scrub figure, 72 frames, {size:,} bytes (ms)", f"{ms:.0f}", "< 1000, < 2 MB"))
    print(f"threads: {torch.get_num_threads()}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("\n| measure | value | budget |\n|---|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
