"""The course map: every lesson, in the curriculum's order, with its stable URL slug.

A lesson appears in the navigation only once its page file exists: no placeholder pages.
Slugs are fixed forever so shared links never break.
"""

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("foundations", "training", "networks", "language_models", "big_picture")


# The strip at the top of every lesson: where its idea sits in a language model. Each stage links
# to the lesson that teaches it ("training" goes around the whole pipeline).
STAGES = ("text", "tokens", "embeddings", "blocks", "logits", "sampling", "training")
STAGE_LESSON = {
    "tokens": "tokens",
    "embeddings": "embeddings",
    "blocks": "attention",
    "logits": "sampling",
    "sampling": "sampling",
    "training": "fitting",
}


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str  # URL path and the locale namespace of the page ("loss-surface" -> loss_surface)
    group: str
    icon: str
    minutes: int = 20  # about how long the lesson takes, experiments included
    stages: tuple[str, ...] = ()  # the parts of the LLM strip this lesson lights
    exercises: int = 0  # predict-then-check cards (ui/exercise.py); the sidebar counts the solved ones

    @property
    def path(self) -> Path:
        return ROOT / "app_pages" / f"{self.namespace}.py"

    @property
    def namespace(self) -> str:
        return self.slug.replace("-", "_")

    @property
    def built(self) -> bool:
        return self.path.exists()


LESSONS = (
    Lesson(1, "fitting", "foundations", ":material/show_chart:", 20, ("training",), 3),
    Lesson(2, "loss-surface", "training", ":material/landscape:", 25, ("training",), 3),
    Lesson(3, "neural-networks", "networks", ":material/hub:", 30, ("blocks",), 4),
    Lesson(4, "overfitting", "networks", ":material/ssid_chart:", 25, ("training",), 3),
    Lesson(5, "convolution", "networks", ":material/grid_on:", 25, ("blocks",), 3),
    Lesson(6, "tokens", "language_models", ":material/token:", 25, ("tokens",), 3),
    Lesson(7, "embeddings", "language_models", ":material/scatter_plot:", 30, ("embeddings",), 3),
    Lesson(8, "attention", "language_models", ":material/visibility:", 35, ("blocks",), 3),
    Lesson(9, "sampling", "language_models", ":material/casino:", 20, ("logits", "sampling"), 3),
    Lesson(10, "generation", "language_models", ":material/edit_note:", 30, ("blocks", "logits", "training"), 3),
    Lesson(11, "fine-tuning", "language_models", ":material/tune:", 25, ("training",), 3),
    Lesson(12, "big-picture", "big_picture", ":material/public:", 25, STAGES, 3),
)
# Not "pages/": Streamlit treats a pages/ folder beside the entry script as a legacy multipage
# app, and on some reruns that overrides st.navigation (the sidebar and its links vanish).
HOME_PATH = ROOT / "app_pages" / "home.py"


def built_lessons() -> list[Lesson]:
    return [lesson for lesson in LESSONS if lesson.built]


def lesson(slug: str) -> Lesson:
    return next(item for item in LESSONS if item.slug == slug)


def next_lesson(slug: str) -> Lesson | None:
    """The next built lesson in course order, if any."""
    later = [item for item in LESSONS if item.number > lesson(slug).number and item.built]
    return later[0] if later else None
