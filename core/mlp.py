"""A small MLP classifier and its one trainer, shared by lesson 2 (the digits' loss landscape) and
lesson 4 (overfitting on 2D points).

The network is trained full-batch with Adam on the cross-entropy loss plus optional L1/L2 penalties,
with our own dropout (driven by a torch.Generator, so a run is repeatable without a global seed)
and early stopping that restores the weights of the best validation epoch. Inputs are standardized
with the training set's mean and std, which the run keeps for any later input.
"""

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn

from core.progress import OnProgress, report

REPORTS = 10  # progress reports per run (and the end): each may redraw a live chart on the page


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
    """n_inputs -> `depth` hidden layers of `width` ReLU units (each followed by dropout) -> logits."""

    def __init__(self, n_inputs: int, width: int, depth: int, n_classes: int, dropout: float, generator):
        super().__init__()
        sizes = [n_inputs] + [width] * depth
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

    def forward(self, x):  # x: (B, n_inputs) standardized inputs
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
    epochs: int = 200  # full-batch steps
    early_stopping: bool = False
    patience: int = 30  # epochs without a better validation loss before stopping
    seed: int = 0


@dataclass
class MLPRun:
    """A trained network with its history; index i of each list is epoch i + 1."""

    model: MLP
    mean: np.ndarray  # (n_inputs,) the training inputs' mean and std, used to standardize any input
    std: np.ndarray
    n_classes: int
    train_loss_: list[float] = field(default_factory=list)
    val_loss_: list[float] = field(default_factory=list)
    train_acc_: list[float] = field(default_factory=list)
    val_acc_: list[float] = field(default_factory=list)
    best_epoch_: int = 0  # epoch (1-based) with the lowest validation loss
    stopped_early_: bool = False
    restored_: bool = False  # the final weights are the best epoch's


def inputs(run: MLPRun, X, device=None) -> torch.Tensor:
    """Raw inputs (n, n_inputs) as the network sees them: standardized, float32, on its device."""
    device = device or next(run.model.parameters()).device
    return torch.tensor((np.asarray(X, dtype=np.float32) - run.mean) / run.std, dtype=torch.float32, device=device)


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


def train_mlp(
    X_train, y_train, X_val, y_val, n_classes: int, config: MLPConfig, device=None, on_progress: OnProgress = None
) -> MLPRun:
    """Train from config.seed on numpy inputs (n, n_inputs) and integer labels.

    `on_progress` hears about REPORTS times per run, with the run so far as `record`.
    """
    device = torch.device(device or "cpu")
    mean, std = X_train.mean(axis=0), X_train.std(axis=0) + 1e-8
    to_x = lambda X: torch.tensor((X - mean) / std, dtype=torch.float32, device=device)  # noqa: E731
    xt, xv = to_x(X_train), to_x(X_val)  # (N, n_inputs), (M, n_inputs)
    yt = torch.tensor(y_train, dtype=torch.long, device=device)  # (N,)
    yv = torch.tensor(y_val, dtype=torch.long, device=device)  # (M,)
    init = torch.Generator().manual_seed(config.seed)
    model = MLP(X_train.shape[1], config.width, config.depth, n_classes, config.dropout, init).to(device)
    masks = torch.Generator(device=device).manual_seed(config.seed + 1)
    for m in model.net:
        if isinstance(m, Dropout):
            m.generator = masks
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    x_all, y_all = torch.cat([xt, xv]), torch.cat([yt, yv])  # both sets, evaluated together
    run = MLPRun(model, mean, std, n_classes)
    best_loss, best_state = float("inf"), None
    every = max(1, config.epochs // REPORTS)
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
        run.stopped_early_ = config.early_stopping and epoch - run.best_epoch_ >= config.patience
        if epoch % every == 0 or epoch == config.epochs or run.stopped_early_:
            report(on_progress, epoch, config.epochs, train_loss, run)
        if run.stopped_early_:
            break
    if config.early_stopping and best_state is not None:
        model.load_state_dict(best_state)  # go back to the best validation epoch
        run.restored_ = True
    model.eval()
    return run


@torch.no_grad()
def predict_proba(run: MLPRun, X) -> np.ndarray:
    """Class probabilities (n, C) for raw inputs, dropout off."""
    run.model.eval()
    return torch.softmax(run.model(inputs(run, X)), dim=1).cpu().numpy()
