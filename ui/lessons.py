"""The course map: every lesson, in the curriculum's order, with its stable URL slug.

A lesson appears in the navigation only once its page file exists: no placeholder pages.
Slugs are fixed forever so shared links never break.
"""

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("foundations", "training", "networks", "language_models", "big_picture")


@dataclass(frozen=True)
class Lesson:
    number: int
    slug: str  # URL path and the locale namespace of the page ("loss-surface" -> loss_surface)
    group: str
    icon: str

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
    Lesson(1, "fitting", "foundations", ":material/show_chart:"),
    Lesson(2, "loss-surface", "training", ":material/landscape:"),
    Lesson(3, "neural-networks", "networks", ":material/hub:"),
    Lesson(4, "overfitting", "networks", ":material/ssid_chart:"),
    Lesson(5, "convolution", "networks", ":material/grid_on:"),
    Lesson(6, "embeddings", "language_models", ":material/scatter_plot:"),
    Lesson(7, "attention", "language_models", ":material/visibility:"),
    Lesson(8, "sampling", "language_models", ":material/casino:"),
    Lesson(9, "big-picture", "big_picture", ":material/public:"),
)
# Not "pages/": Streamlit treats a pages/ folder beside the entry script as a legacy multipage
# app, and on some reruns that overrides st.navigation (the sidebar and its links vanish).
HOME_PATH = ROOT / "app_pages" / "home.py"


def built_lessons() -> list[Lesson]:
    return [lesson for lesson in LESSONS if lesson.built]


def lesson(slug: str) -> Lesson:
    return next(item for item in LESSONS if item.slug == slug)
