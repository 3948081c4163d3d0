"""Lesson 4, part 2: a small MLP classifying 2D points, and the ways to keep it from overfitting.

Datasets (circles, moons, XOR, spirals, Gaussian blobs) are drawn with an explicit seed. The
network is trained full-batch with Adam on the cross-entropy loss plus optional L1/L2 penalties,
with our own dropout (driven by a torch.Generator, so a run is repeatable without a global seed)
and early stopping that restores the weights of the best validation epoch.
"""

import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn as nn

from core.errors import InputError

DATASETS = ("circles", "moons", "xor", "spirals", "blobs")
TWO_CLASS_ONLY = ("moons", "xor")
MAX_CLASSES = 4
CSV_MAX_BYTES = 100_000
CSV_MIN_ROWS, CSV_MAX_ROWS = 10, 2000
# Largest coordinate a CSV may hold. Points become float32 (largest ~3.4e38: 1e39 turns into inf and
# the point silently vanishes), and standardizing squares them (2e19 squared overflows already).
# Well inside that, float32 still tells 1e6 from 1e6 + 0.1; beyond it nearby points start to merge.
CSV_MAX_ABS = 1e6


# --- Data ---------------------------------------------------------------------------------------
def n_classes_of(kind: str, n_classes: int) -> int:
    """Moons and XOR are two-class puzzles; the others take 2 to 4 classes."""
    return 2 if kind in TWO_CLASS_ONLY else int(np.clip(n_classes, 2, MAX_CLASSES))


def make_dataset(kind: str, n: int, noise: float, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points in 2D with integer labels; `noise` is the standard deviation of Gaussian jitter."""
    rng = np.random.default_rng(seed)
    k = n_classes_of(kind, n_classes)
    y = np.arange(n) % k  # (n,) balanced classes
    t = rng.uniform(0.0, 1.0, n)  # (n,) position along each class's shape
    if kind == "circles":  # one ring per class, radius 0.5, 1.0, ...
        angle = 2 * np.pi * t
        X = (0.5 * (y + 1))[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    elif kind == "moons":  # two interleaved half circles
        angle = np.pi * t
        upper = np.column_stack([np.cos(angle), np.sin(angle)])
        lower = np.column_stack([1 - np.cos(angle), 0.5 - np.sin(angle)])
        X = np.where((y == 0)[:, None], upper, lower) - [0.5, 0.25]
    elif kind == "xor":  # the class is the sign of x1 * x2
        X = rng.uniform(-1.0, 1.0, (n, 2))
        X += 0.1 * np.sign(X)  # a small gap between the quadrants before noise
        y = (X[:, 0] * X[:, 1] < 0).astype(int)
    elif kind == "spirals":  # one arm per class, turning 1.5 times
        radius = 0.1 + 0.9 * t
        angle = 3 * np.pi * t + 2 * np.pi * y / k
        X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    elif kind == "blobs":  # one Gaussian cloud per class, centres on a circle
        centre_angle = 2 * np.pi * y / k + np.pi / 4
        X = 0.8 * np.column_stack([np.cos(centre_angle), np.sin(centre_angle)]) + rng.normal(0, 0.25, (n, 2))
    else:
        raise ValueError(f"unknown dataset {kind!r}; choose one of {DATASETS}")
    X = X + rng.normal(0.0, noise, (n, 2))
    return X.astype(np.float32), y.astype(np.int64)


def split(X, y, holdout: float, seed: int):
    """Shuffle and hold out a share of the points for validation: (X_train, y_train, X_val, y_val)."""
    n = len(y)
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(np.clip(round(holdout * n), 1, n - 1))
    val, train = order[:n_val], order[n_val:]
    return X[train], y[train], X[val], y[val]


class CsvError(InputError):
    """A learner's CSV that cannot be used; `code` names the message in the catalogs."""


def parse_csv(data: bytes) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A learner's CSV -> (X (n, 2), labels (n,), class names). Columns: x1, x2, label; a header row.

    Raises CsvError for anything that cannot be trained on: too big, not text, wrong columns,
    non-numeric, non-finite or huge (beyond ±CSV_MAX_ABS) coordinates, too few or too many rows,
    fewer than 2 or more than MAX_CLASSES classes.
    """
    if len(data) > CSV_MAX_BYTES:
        raise CsvError("too_big", limit_kb=CSV_MAX_BYTES // 1000)
    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, skipinitialspace=True, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        raise CsvError("unreadable") from None
    if table.shape[1] != 3:
        raise CsvError("columns", found=table.shape[1])
    table = table.dropna(how="all")
    if len(table) < CSV_MIN_ROWS:
        raise CsvError("too_few_rows", minimum=CSV_MIN_ROWS)
    if len(table) > CSV_MAX_ROWS:
        raise CsvError("too_many_rows", limit=CSV_MAX_ROWS)
    coords = table.iloc[:, :2].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)  # (n, 2)
    bad = ~np.isfinite(coords).all(axis=1) | table.iloc[:, 2].isna().to_numpy()
    if bad.any():
        raise CsvError("bad_row", row=int(np.flatnonzero(bad)[0]) + 2)  # +2: 1-based, after the header
    huge = (np.abs(coords) > CSV_MAX_ABS).any(axis=1)
    if huge.any():
        raise CsvError("too_large_value", row=int(np.flatnonzero(huge)[0]) + 2, limit=f"{CSV_MAX_ABS:,.0f}")
    labels = table.iloc[:, 2].str.strip()
    names = sorted(labels.unique())
    if not 2 <= len(names) <= MAX_CLASSES:
        raise CsvError("classes", found=len(names), limit=MAX_CLASSES)
    y = labels.map({name: i for i, name in enumerate(names)}).to_numpy(dtype=np.int64)
    return coords.astype(np.float32), y, names


# --- The network ------------------------------------------------------------------------------
class Dropout(nn.Module):
    """Zero each unit with probability p while training, scaling the rest by 1/(1-p); off in eval.

    Our own, so the random masks come from the run's torch.Generator (nn.Dropout uses the global one).
    """

    def __init__(self, p: float):
        super().__init__()
        self.p = p
        self.generator: torch.Generator | None = None  # set by train_mlp for each run

    def forward(self, h):
        if not self.training or self.p == 0:
            return h
        keep = torch.rand(h.shape, generator=self.generator, device=h.device) >= self.p  # (B, width)
        return h * keep / (1 - self.p)


class MLP(nn.Module):
    """2 inputs -> `depth` hidden layers of `width` ReLU units (each followed by dropout) -> logits."""

    def __init__(self, width: int, depth: int, n_classes: int, dropout: float, generator: torch.Generator):
        super().__init__()
        sizes = [2] + [width] * depth
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU(), Dropout(dropout)]
        layers.append(nn.Linear(sizes[-1], n_classes))
        self.net = nn.Sequential(*layers)
        with torch.no_grad():  # PyTorch's default range, drawn from our generator
            for linear in self.linears():
                bound = 1 / linear.in_features**0.5
                linear.weight.uniform_(-bound, bound, generator=generator)
                linear.bias.uniform_(-bound, bound, generator=generator)

    def linears(self) -> list[nn.Linear]:
        return [m for m in self.net if isinstance(m, nn.Linear)]

    def forward(self, x):  # x: (B, 2) standardized coordinates
        return self.net(x)  # (B, n_classes) logits


def cross_entropy(logits, y):
    """Mean of -log(probability given to the true class); softmax and log done together, stably."""
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)  # (B, C)
    return -log_probs[torch.arange(len(y)), y].mean()


def weight_penalty(model: MLP, l1: float, l2: float):
    """l1 * sum|W| + l2 * sum W² over the weight matrices (biases are not penalised)."""
    weights = [linear.weight for linear in model.linears()]
    return l1 * sum(W.abs().sum() for W in weights) + l2 * sum((W**2).sum() for W in weights)


# --- Training -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class MLPConfig:
    width: int = 16  # units per hidden layer
    depth: int = 2  # hidden layers
    dropout: float = 0.0  # share of hidden units dropped at each training step
    l1: float = 0.0
    l2: float = 0.0
    lr: float = 0.01  # Adam's step size; full-batch training on a few hundred points
    epochs: int = 200
    early_stopping: bool = False
    patience: int = 30  # epochs without a better validation loss before stopping
    seed: int = 0


@dataclass
class MLPRun:
    """A trained network with its history; index i of each list is epoch i + 1."""

    model: MLP
    mean: np.ndarray  # (2,) the training inputs' mean and std, used to standardize any input
    std: np.ndarray
    n_classes: int
    train_loss_: list[float] = field(default_factory=list)
    val_loss_: list[float] = field(default_factory=list)
    train_acc_: list[float] = field(default_factory=list)
    val_acc_: list[float] = field(default_factory=list)
    best_epoch_: int = 0  # epoch (1-based) with the lowest validation loss
    stopped_early_: bool = False
    restored_: bool = False  # the final weights are the best epoch's


@torch.no_grad()
def _evaluate(model: MLP, x, y, n_train: int) -> tuple[float, float, float, float]:
    """Training and validation loss and accuracy, dropout off, in one forward pass over both sets."""
    model.eval()
    logits = model(x)  # (N + M, C): the training points first, then the validation points
    right = (logits.argmax(dim=1) == y).float()  # (N + M,)
    train, val = slice(0, n_train), slice(n_train, None)
    return (
        float(cross_entropy(logits[train], y[train])),
        float(cross_entropy(logits[val], y[val])),
        float(right[train].mean()),
        float(right[val].mean()),
    )


def train_mlp(X_train, y_train, X_val, y_val, n_classes: int, config: MLPConfig, device=None, on_epoch=None) -> MLPRun:
    """Train from config.seed; `on_epoch(epoch, run)` is called after every epoch (for progress)."""
    device = torch.device(device or "cpu")
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-8
    to_x = lambda X: torch.tensor((X - mean) / std, dtype=torch.float32, device=device)  # noqa: E731
    xt, xv = to_x(X_train), to_x(X_val)  # (N, 2), (M, 2)
    yt = torch.tensor(y_train, dtype=torch.long, device=device)  # (N,)
    yv = torch.tensor(y_val, dtype=torch.long, device=device)  # (M,)
    init = torch.Generator().manual_seed(config.seed)
    model = MLP(config.width, config.depth, n_classes, config.dropout, init).to(device)
    masks = torch.Generator(device=device).manual_seed(config.seed + 1)
    for m in model.net:
        if isinstance(m, Dropout):
            m.generator = masks
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    x_all, y_all = torch.cat([xt, xv]), torch.cat([yt, yv])  # both sets, evaluated together
    run = MLPRun(model, mean, std, n_classes)
    best_loss, best_state = float("inf"), None
    for epoch in range(1, config.epochs + 1):
        model.train()
        loss = cross_entropy(model(xt), yt) + weight_penalty(model, config.l1, config.l2)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_loss, val_loss, train_acc, val_acc = _evaluate(model, x_all, y_all, len(yt))
        run.train_loss_.append(train_loss)
        run.val_loss_.append(val_loss)
        run.train_acc_.append(train_acc)
        run.val_acc_.append(val_acc)
        if run.val_loss_[-1] < best_loss:
            best_loss, run.best_epoch_ = run.val_loss_[-1], epoch
            best_state = {name: value.clone() for name, value in model.state_dict().items()}
        if on_epoch is not None:
            on_epoch(epoch, run)
        if config.early_stopping and epoch - run.best_epoch_ >= config.patience:
            run.stopped_early_ = True
            break
    if config.early_stopping and best_state is not None:
        model.load_state_dict(best_state)  # go back to the best validation epoch
        run.restored_ = True
    model.eval()
    return run


@torch.no_grad()
def predict_proba(run: MLPRun, X) -> np.ndarray:
    """Class probabilities (n, C) for raw 2D points, dropout off."""
    run.model.eval()
    device = next(run.model.parameters()).device
    x = torch.tensor((np.asarray(X, dtype=np.float32) - run.mean) / run.std, dtype=torch.float32, device=device)
    return torch.softmax(run.model(x), dim=1).cpu().numpy()


def boundary_grid(run: MLPRun, x_range, y_range, resolution: int = 60):
    """Probabilities on a resolution x resolution grid: xs (R,), ys (R,), probs (R, R, C)."""
    xs = np.linspace(*x_range, resolution, dtype=np.float32)
    ys = np.linspace(*y_range, resolution, dtype=np.float32)
    gx, gy = np.meshgrid(xs, ys)  # (R, R) each; row = y, column = x
    probs = predict_proba(run, np.column_stack([gx.ravel(), gy.ravel()]))  # (R*R, C)
    return xs, ys, probs.reshape(resolution, resolution, -1)


def plot_range(X, margin: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
    """An (x, y) window around the points with a margin, for the decision-boundary map."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = margin * np.maximum(hi - lo, 1e-6)
    return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))
