"""One training run watched from the inside, for the lesson "How a GPT writes and learns": at every
evaluation the trainer pauses and we keep what the model writes (seeded), its losses and its last
layer's attention on a fixed line. The lesson scrubs these checkpoints in the browser.

    python -m core.learning_run --model shakespeare --out models/learning_run/shakespeare.json
    python -m core.learning_run --model tang --data ../shared/data/tang_poems.txt \
        --out models/learning_run/tang.json

The model is nanoGPT's CPU setting (4 layers, 4 heads, 128 dims, context 64, batch 12), evaluated
every 50 steps. Looking does not change the run: sampling and attention use their own generator and
no gradient, so the weights after each step are the same as without the checkpoints (tested).
"""

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from core.attention import gpt_attention
from core.corpus import corpus_path, read_corpus
from core.gpt import GPTConfig
from core.gpt_train import PRESETS, CharVocab, TrainSettings, split_corpus, train
from core.sampling import generate


@dataclass(frozen=True)
class Watch:
    """What is kept at each checkpoint, per corpus."""

    prompt: str  # the sample starts from it
    attention_text: str  # a fixed real line; its attention is kept at every checkpoint
    vocab_size: int | None  # a capped vocabulary (most frequent characters + one unknown id), or all


WATCHES = {
    "shakespeare": Watch("\n", "ROMEO:\nBut soft, what light through", None),
    "tang": Watch("《", "《春望》杜甫\n国破山河在，城春草木深。\n感时花溅泪，", 4000),
}
SAMPLE_LENGTH, SAMPLE_SEED = 160, 0
SETTINGS = TrainSettings(eval_interval=50, eval_iters=10)  # nanoGPT's CPU recipe, looked at every 50 steps


def checkpoint(step: int, model, vocab: CharVocab, watch: Watch, history) -> dict:
    """The model at `step`: its sample, its losses so far and its last layer's attention (percent,
    each row up to the diagonal: a causal model attends to nothing later)."""
    start = torch.tensor([vocab.encode(watch.prompt)])  # (1, T)
    generator = torch.Generator().manual_seed(SAMPLE_SEED)
    out = generate(model, start, SAMPLE_LENGTH, 1.0, generator=generator, banned=vocab.unknown_id)
    weights = gpt_attention(model, vocab.encode(watch.attention_text))[-1]  # (n_head, T, T), last layer
    percent = [[[round(100 * float(w)) for w in row[: i + 1]] for i, row in enumerate(head)] for head in weights]
    return {
        "step": step,
        "train_loss": round(history.train_loss[-1], 4),
        "val_loss": round(history.val_loss[-1], 4),
        "sample": vocab.decode(out[0, start.shape[1] :].tolist()),
        "attention": percent,  # (n_head, T, ≤T)
    }


def watch_run(text: str, watch: Watch, settings: TrainSettings = SETTINGS, on_progress=None) -> dict:
    """Train nanoGPT's CPU model on text and keep a checkpoint at every evaluation."""
    train_part = text[: int(0.9 * len(text))]  # a capped vocabulary is counted on the training part only
    vocab = CharVocab.from_text(train_part, watch.vocab_size) if watch.vocab_size else CharVocab.from_text(text)
    config, _ = PRESETS["nanogpt-cpu"]
    config = GPTConfig(**{**config.to_dict(), "vocab_size": len(vocab)})
    train_data, val_data = split_corpus(text, vocab)
    checkpoints = []
    history_of = {}

    def keep(progress):
        history_of["now"] = progress.record
        if on_progress is not None:
            on_progress(progress)

    def look(step, model):
        checkpoints.append(checkpoint(step, model, vocab, watch, history_of["now"]))

    started = time.perf_counter()
    model, history = train(config, train_data, val_data, settings, torch.device("cpu"), keep, on_eval=look)
    return {
        "config": config.to_dict(),
        "settings": settings.__dict__,
        "vocab_size": len(vocab),
        "parameters": model.num_params(),
        "prompt": watch.prompt,
        "attention_text": watch.attention_text,
        "attention_layer": config.n_layer,
        "seconds": round(time.perf_counter() - started, 1),
        "checkpoints": checkpoints,
    }


def load_run(path: Path) -> dict:
    """A saved run (JSON: texts and numbers only)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(WATCHES), required=True)
    parser.add_argument("--data", type=Path, help="the text (default: the shipped tiny Shakespeare)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-iters", type=int, default=SETTINGS.max_iters)
    args = parser.parse_args()
    torch.set_num_threads(2)
    text = read_corpus(args.data or corpus_path())
    settings = TrainSettings(**{**SETTINGS.__dict__, "max_iters": args.max_iters})

    def log(p):
        h = p.record
        print(
            f"step {p.step:5d}  train {h.train_loss[-1]:.4f}  val {h.val_loss[-1]:.4f}  {h.seconds:6.1f} s", flush=True
        )

    run = watch_run(text, WATCHES[args.model], settings, log)
    run["command"] = (
        f"python -m core.learning_run --model {args.model}"
        + (f" --data {args.data}" if args.data else "")
        + f" --out {args.out}"
        + (f" --max-iters {args.max_iters}" if args.max_iters != SETTINGS.max_iters else "")
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(run, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(run['checkpoints'])} checkpoints, {args.out.stat().st_size:,} bytes, {run['seconds']} s")


if __name__ == "__main__":
    main()
