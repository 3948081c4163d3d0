"""Lesson 9's symbolism-versus-connectionism contrast on lesson 1's milk-tea shop: a rule a
person writes down, against the line least squares learns from the six teas."""

import numpy as np

from core import fitting

# The hand-written rule's two answers, chosen by its author, not learned: cups for a cheap tea
# and for a dear one.
CHEAP_CUPS = 850.0
DEAR_CUPS = 650.0


def rule(x, threshold: float) -> np.ndarray:
    """The written rule: IF price <= threshold THEN 850 cups ELSE 650 cups."""
    return np.where(np.asarray(x, dtype=float) <= threshold, CHEAP_CUPS, DEAR_CUPS)


def rule_error(x, y, threshold: float) -> float:
    """Lesson 1's dataset error, (prediction - y)^2 / 2 averaged, for the rule's predictions."""
    return float(np.mean((rule(x, threshold) - np.asarray(y, dtype=float)) ** 2 / 2))


def learned_line(x, y) -> tuple[float, float]:
    """Connectionism's answer in miniature: the slope and intercept learned from the data."""
    return fitting.least_squares(x, y)
