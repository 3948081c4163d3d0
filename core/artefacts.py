"""One error type for everything the course ships or needs beside its code.

A file in models/ (the tiny GPT, the MiniLM PCA basis) or the training text in data/ that is
missing, truncated or not what it should be, or the package that carries a pretrained model not
being installed: the loaders turn whatever went wrong underneath (FileNotFoundError,
JSONDecodeError, SafetensorError, ImportError, a shape mismatch...) into an ArtefactError. A page
catches it around only the section that needs the artefact, so the rest of the lesson, and every
other lesson, keeps working.

What a learner sees names a file only through `shown_path`: never the server's own directories.
"""

import logging
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
_log = logging.getLogger(__name__)
_logged: set[tuple[str, str, str]] = set()


class ArtefactError(RuntimeError):
    """`artefact` names what could not be loaded; `reason` is the underlying error's type name."""

    def __init__(self, artefact: str, cause: BaseException | str):
        self.artefact = artefact
        self.reason = cause if isinstance(cause, str) else type(cause).__name__
        super().__init__(f"{artefact} could not be loaded: {cause}")


def shown_path(path) -> str:
    """`path` as a learner may see it: relative to the repository (models/tiny_gpt), to the folder
    that holds the repository (../shared/models/tiny_gpt), or else its name alone. An
    absolute path would show the server's directories (a home folder, a user name) to everyone."""
    path = Path(path).resolve()
    if path.is_relative_to(REPOSITORY):
        return path.relative_to(REPOSITORY).as_posix()
    beside = REPOSITORY.parent
    if beside != Path(beside.anchor) and path.is_relative_to(beside):  # never relative to "/"
        return "../" + path.relative_to(beside).as_posix()
    return path.name


def log_failure(problem: ArtefactError, path) -> None:
    """Log a failed load, with the full path and cause, once per server: for whoever runs it."""
    key = (problem.artefact, str(path), str(problem))
    if key not in _logged:
        _logged.add(key)
        _log.warning("%s (from %s)", problem, path)
