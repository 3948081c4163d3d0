"""One error type for everything the course ships or needs beside its code.

A file in models/ (the tiny GPT, the MiniLM PCA basis) that is missing, truncated or not what it
should be, or the package that carries a pretrained model not being installed: the loaders turn
whatever went wrong underneath (FileNotFoundError, JSONDecodeError, SafetensorError, ImportError,
a shape mismatch...) into an ArtefactError. A page catches it around only the section that needs
the artefact, so the rest of the lesson, and every other lesson, keeps working.
"""


class ArtefactError(RuntimeError):
    """`artefact` names what could not be loaded; `reason` is the underlying error's type name."""

    def __init__(self, artefact: str, cause: BaseException | str):
        self.artefact = artefact
        self.reason = cause if isinstance(cause, str) else type(cause).__name__
        super().__init__(f"{artefact} could not be loaded: {cause}")
