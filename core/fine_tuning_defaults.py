"""The fine-tuning lesson's results, measured: supervised fine-tuning (full and LoRA) on the quatrains and
DPO towards the moon, each as a plain dict of numbers, samples and curves.

The page shows the default results, computed once by this module's command and shipped as JSON (no
weights), and a learner's live run goes through the same functions, so both read the same way:

    python -m core.fine_tuning_defaults --out models/fine_tuning/defaults.json

Seeded throughout; torch at one thread, as the app runs it.
"""

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path

import torch

from core.corpus import TANG_VALIDATION, read_corpus
from core.finetune import LORA_SFT, SFT, finetune, form_share, moon_share, sample_poems, split_poems, wujue_corpus
from core.gpt import GPT
from core.gpt_train import CharVocab, TrainSettings, estimate_loss, load
from core.lora import LoRASettings, trainable_share
from core.preference import DPOSettings, dpo_train, kl_from_base, preference_pairs
from core.progress import OnProgress
from core.tokens import TANG_EXCERPT

ROOT = Path(__file__).resolve().parent.parent
TANG_MODEL = ROOT / "models" / "tiny_gpt_tang"
COMMAND = "python -m core.fine_tuning_defaults --out models/fine_tuning/defaults.json"
N_SAMPLES = 64  # poems behind every share: one poem is 1.6 %
SAMPLE_SEED = 0  # the same poems before and after: the same seed
SHOWN = 12  # poems kept for the page, at the end of a run and at each record of the shipped ones
PAIR_SAMPLES = 256  # the base model's own poems from which the moon pairs are built
PAIR_SEED = 1
# Forgetting is measured every 10 steps on 10 batches of the held-out poems, the same windows each time
# (paired, so small changes show); every 5 steps on 20 would double a live run's time.
MEASURE = replace(SFT, eval_interval=10, eval_iters=10)
KL_WINDOWS = 16  # windows of the held-out text on which the drift from the base model is measured
BETAS = (0.1, 0.5)
LORA_RANK = 4


def tang_data(model: GPT, vocab: CharVocab) -> tuple[torch.Tensor, torch.Tensor]:
    """(the quatrains of the excerpt, the held-out Tang poems) as ids."""
    train = torch.tensor(vocab.encode(wujue_corpus(read_corpus(TANG_EXCERPT))), dtype=torch.long)
    val = torch.tensor(vocab.encode(read_corpus(TANG_VALIDATION)), dtype=torch.long)
    return train, val


def val_loss(model: GPT, val: torch.Tensor, settings: TrainSettings = MEASURE) -> float:
    """The held-out loss on the same windows finetune's history measures (seed 2): before and after compare."""
    return estimate_loss(model, val, settings.batch_size, settings.eval_iters, 2, next(model.parameters()).device)


def measured(model: GPT, vocab: CharVocab) -> dict:
    """The seeded samples and their shares."""
    poems = sample_poems(model, vocab, N_SAMPLES, SAMPLE_SEED)
    return {"form_share": form_share(poems), "moon_share": moon_share(poems), "samples": poems[:SHOWN]}


def base_result(model: GPT, vocab: CharVocab, val: torch.Tensor) -> dict:
    return {**measured(model, vocab), "val_loss": val_loss(model, val), "trainable_share": 0.0}


def snapshot(model: GPT, vocab: CharVocab, step: int) -> dict:
    """The model at one record of a run: the form share of the seeded samples and the poems kept."""
    shares = measured(model, vocab)
    return {"step": step, "form_share": shares["form_share"], "samples": shares["samples"]}


def sft_result(
    model: GPT,
    vocab: CharVocab,
    train: torch.Tensor,
    val: torch.Tensor,
    steps: int = SFT.max_iters,
    rank: int | None = None,
    on_progress: OnProgress = None,
    snapshots: bool = False,
) -> dict:
    """Full fine-tuning (rank None) or LoRA of that rank, `steps` steps on the quatrains; its measures.
    With `snapshots`, the samples at every record too (step 0 is the base): ~1 s each, for the shipped runs."""
    settings = replace(
        LORA_SFT if rank else SFT, max_iters=steps, eval_interval=MEASURE.eval_interval, eval_iters=MEASURE.eval_iters
    )  # the held-out windows val_loss measures the base on
    lora = LoRASettings(rank=rank) if rank else None
    trail = [snapshot(model, vocab, 0)] if snapshots else []
    record = (lambda step, tuned: trail.append(snapshot(tuned, vocab, step))) if snapshots else None
    tuned, history = finetune(model, train, settings, on_progress, lora=lora, val_data=val, on_record=record)
    return {
        **measured(tuned, vocab),
        "val_loss": history.val_loss[-1],
        "seconds": history.seconds,
        "trainable_share": trainable_share(tuned),
        "steps": steps,
        "rank": rank,
        "curve": {"steps": history.steps, "train_loss": history.train_loss, "val_loss": history.val_loss},
    } | ({"snapshots": trail} if snapshots else {})


def moon_pairs(model: GPT, vocab: CharVocab) -> list:
    return preference_pairs(model, vocab, PAIR_SAMPLES, PAIR_SEED)


def kl_ids(model: GPT, val: torch.Tensor) -> torch.Tensor:
    T = model.config.block_size
    return val[: KL_WINDOWS * T].view(KL_WINDOWS, T)  # (KL_WINDOWS, T): the held-out text's first windows


def dpo_result(
    model: GPT,
    vocab: CharVocab,
    pairs: list,
    val: torch.Tensor,
    beta: float,
    steps: int = DPOSettings.steps,
    on_progress: OnProgress = None,
) -> dict:
    """DPO at this β on the pairs; the moon share after and the drift (KL, nats per character) from the base."""
    policy, history = dpo_train(model, pairs, DPOSettings(beta=beta, steps=steps), on_progress)
    return {
        **measured(policy, vocab),
        "beta": beta,
        "kl": kl_from_base(policy, model, kl_ids(model, val)),
        "seconds": history.seconds,
        "curve": {"steps": history.steps, "loss": history.loss, "margin": history.margin, "accuracy": history.accuracy},
    }


def example_pairs(pairs: list, vocab: CharVocab, n: int = 3) -> list[dict]:
    return [
        {"chosen": split_poems(vocab.decode(p + c))[0], "rejected": split_poems(vocab.decode(p + r))[0]}
        for p, c, r in pairs[:n]
    ]


def compute_defaults() -> dict:
    model, vocab, _ = load(TANG_MODEL)
    train, val = tang_data(model, vocab)
    out = {"command": COMMAND, "model": "models/tiny_gpt_tang", "n_samples": N_SAMPLES, "sample_seed": SAMPLE_SEED}
    out["quatrains"] = len(split_poems(wujue_corpus(read_corpus(TANG_EXCERPT))))
    out["train_chars"] = len(train)
    out["base"] = base_result(model, vocab, val)
    out["full"] = sft_result(model, vocab, train, val, snapshots=True)
    print(f"full: {out['full']['form_share']:.3f} in {out['full']['seconds']:.1f} s", flush=True)
    out["lora"] = sft_result(model, vocab, train, val, rank=LORA_RANK, snapshots=True)
    print(f"lora: {out['lora']['form_share']:.3f} in {out['lora']['seconds']:.1f} s", flush=True)
    start = time.perf_counter()
    pairs = moon_pairs(model, vocab)
    out["pairs"] = {"count": len(pairs), "samples": PAIR_SAMPLES, "seed": PAIR_SEED,
                    "seconds": time.perf_counter() - start, "examples": example_pairs(pairs, vocab)}  # fmt: skip
    out["dpo"] = {str(beta): dpo_result(model, vocab, pairs, val, beta) for beta in BETAS}
    for beta, result in out["dpo"].items():
        print(f"dpo β {beta}: moon {result['moon_share']:.3f}, KL {result['kl']:.3f}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "fine_tuning" / "defaults.json")
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    result = compute_defaults()
    result["total_seconds"] = time.perf_counter() - start
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes) in {result['total_seconds']:.0f} s")


if __name__ == "__main__":
    main()
