"""The glossary's entries: every term of the curriculum's section 9 and the ones the source articles
stress, its group, and the lesson that demonstrates it (None where no lesson does). The words
themselves live in the catalogs (big_picture.glossary.<id>.term and .text), in both languages, and
the search looks in both: a learner reading in Chinese may type "token", one reading in English 量化."""

from dataclasses import dataclass

GROUPS = ("foundations", "training", "architectures", "using_models", "ecosystem")


@dataclass(frozen=True)
class Term:
    id: str  # catalog key under big_picture.glossary
    group: str  # one of GROUPS
    lesson: str | None = None  # slug of the lesson that shows it at work


TERMS = (
    # Foundations: what AI, models and LLMs are.
    Term("function", "foundations", "fitting"),
    Term("symbolism", "foundations", "big-picture"),
    Term("connectionism", "foundations", "neural-networks"),
    Term("model", "foundations", "fitting"),
    Term("weights", "foundations", "neural-networks"),
    Term("large_model", "foundations"),
    Term("llm", "foundations", "sampling"),
    Term("generative_ai", "foundations", "sampling"),
    Term("chatgpt_gpt_openai", "foundations", "sampling"),
    Term("diffusion", "foundations"),
    Term("gan", "foundations"),
    Term("emergence", "foundations"),
    Term("agi", "foundations"),
    Term("multimodal", "foundations"),
    Term("nlp", "foundations", "embeddings"),
    Term("computer_vision", "foundations", "convolution"),
    Term("tts", "foundations"),
    Term("asr", "foundations"),
    Term("pgc_ugc_aigc", "foundations"),
    # Training: how the weights are found, adapted and shrunk.
    Term("training", "training", "fitting"),
    Term("loss", "training", "loss-surface"),
    Term("gradient_descent", "training", "loss-surface"),
    Term("overfitting", "training", "overfitting"),
    Term("hyperparameter", "training", "loss-surface"),
    Term("pre_training", "training", "generation"),
    Term("fine_tuning", "training", "fine-tuning"),
    Term("lora", "training", "fine-tuning"),
    Term("adapter", "training", "fine-tuning"),
    Term("qlora", "training"),
    Term("rlhf", "training", "fine-tuning"),
    Term("quantization", "training", "big-picture"),
    Term("pruning", "training", "big-picture"),
    Term("distillation", "training", "big-picture"),
    # Architectures: the shapes of networks, and what goes in.
    Term("mlp", "architectures", "neural-networks"),
    Term("cnn", "architectures", "convolution"),
    Term("rnn", "architectures", "attention"),
    Term("attention", "architectures", "attention"),
    Term("transformer", "architectures", "attention"),
    Term("token", "architectures", "tokens"),
    Term("tokenizer", "architectures", "tokens"),
    Term("word_embedding", "architectures", "embeddings"),
    Term("context", "architectures", "sampling"),
    # Using models: from a prompt to agents.
    Term("inference", "using_models", "sampling"),
    Term("prompt", "using_models", "sampling"),
    Term("prompt_engineering", "using_models"),
    Term("temperature", "using_models", "sampling"),
    Term("top_k", "using_models", "sampling"),
    Term("top_p", "using_models", "sampling"),
    Term("hallucination", "using_models", "sampling"),
    Term("chain_of_thought", "using_models"),
    Term("web_search", "using_models"),
    Term("knowledge_base", "using_models", "embeddings"),
    Term("vector_retrieval", "using_models", "embeddings"),
    Term("rag", "using_models", "embeddings"),
    Term("workflow", "using_models"),
    Term("agent", "using_models"),
    Term("multi_agent", "using_models"),
    Term("mcp", "using_models"),
    Term("a2a", "using_models"),
    # Ecosystem: who publishes models, where they run, with what.
    Term("closed_model", "ecosystem"),
    Term("open_weight_model", "ecosystem"),
    Term("fully_open_model", "ecosystem"),
    Term("private_deployment", "ecosystem"),
    Term("cloud_desktop", "ecosystem"),
    Term("cloud_image", "ecosystem"),
    Term("gpu", "ecosystem", "attention"),
    Term("cuda", "ecosystem"),
    Term("tpu", "ecosystem"),
    Term("npu", "ecosystem"),
    Term("pytorch", "ecosystem", "sampling"),
    Term("tensorflow", "ecosystem"),
    Term("model_hub", "ecosystem"),
    Term("local_runner", "ecosystem"),
    Term("inference_engine", "ecosystem"),
)


def matches(query: str, *texts: str) -> bool:
    """Does any of texts contain query, ignoring case and surrounding spaces? An empty query matches."""
    needle = query.strip().casefold()
    return not needle or any(needle in text.casefold() for text in texts)


@dataclass(frozen=True)
class Row:
    """One entry as the table shows it: its term and explanation in every language."""

    entry: Term
    term: dict[str, str]  # language -> the term
    text: dict[str, str]  # language -> its explanation


def rows(catalogs: dict[str, dict[str, str]], terms: tuple[Term, ...] = TERMS) -> list[Row]:
    """Every entry, in order, from the flat catalogs of each language (key -> text)."""
    key = "big_picture.glossary.{}.{}"
    return [
        Row(
            term,
            {lang: catalog[key.format(term.id, "term")] for lang, catalog in catalogs.items()},
            {lang: catalog[key.format(term.id, "text")] for lang, catalog in catalogs.items()},
        )
        for term in terms
    ]


def search(query: str, entries: list[Row]) -> list[Row]:
    """The entries whose term or explanation contains query in any language; all of them when the
    query is empty (never an empty table for nothing typed)."""
    return [row for row in entries if matches(query, *row.term.values(), *row.text.values())]
