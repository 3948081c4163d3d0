"""One progress protocol for every trainer in the course.

A trainer takes `on_progress`, a callable or None, and calls it with a `Progress` now and then
(after an epoch, an evaluation, a batch of steps): how far it is, and what it knows so far. A page
turns that into a progress bar (ui.training.train_with_progress); a test or a script can ignore it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Progress:
    step: int  # steps (epochs, iterations) done
    total: int  # steps in the whole run
    loss: float | None = None  # the latest training loss, where the trainer has one
    record: Any = None  # what the trainer has recorded so far (a history, a run), for a live chart

    @property
    def fraction(self) -> float:
        return min(1.0, max(0.0, self.step / self.total)) if self.total > 0 else 1.0


OnProgress = Callable[[Progress], None] | None


def report(on_progress: OnProgress, step: int, total: int, loss: float | None = None, record: Any = None) -> None:
    """Tell `on_progress`, if there is one."""
    if on_progress is not None:
        on_progress(Progress(step, total, loss, record))


def scaled(on_progress: OnProgress, start: int, total: int) -> OnProgress:
    """For a trainer that runs as one part of a longer job: its steps counted from `start`, out of `total`."""
    if on_progress is None:
        return None
    return lambda p: on_progress(Progress(start + p.step, total, p.loss, p.record))
