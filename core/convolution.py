"""Lesson 5: convolution and pooling, written out in NumPy, and a small CNN on the 8x8 digits.

conv2d / max_pool2d / avg_pool2d are our own (tested against torch.nn.functional); the CNN and
the MLP it is compared with are ordinary torch modules, trained with a seeded generator.
"""

import argparse
import io
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from numpy.lib.stride_tricks import sliding_window_view
from PIL import Image, UnidentifiedImageError
from torch import nn

from core.errors import InputError
from core.progress import OnProgress, report, scaled

# --- Images -----------------------------------------------------------------------------------
MAX_SIDE = 512  # larger images are shrunk to fit: every slider move stays fast
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000  # checked from the header, before any pixel is decoded
MIN_SIDE = 8
# Each side is judged from the header too: 40,000,000 x 1 passes the pixel count, yet decoding and
# shrinking it took 2 GB. A 3:2 photo under the pixel limit is at most 7,746 px long.
MAX_UPLOAD_SIDE = 10_000
# Long side : short side. Even panoramas are rarely beyond 10:1; at 20:1 the short side still has
# 25 px once the long side is shrunk to MAX_SIDE, room for a 5x5 kernel at stride 4 (past 64:1 it
# would shrink below MIN_SIDE).
MAX_ASPECT = 20
UPLOAD_FORMATS = ("PNG", "JPEG")


class ImageError(InputError):
    """An upload that cannot be used; `code` names the message in the catalogs."""


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 colour -> (H, W) float grayscale in [0, 1], with ITU-R 601 luma weights."""
    x = np.asarray(rgb, dtype=np.float64)[..., :3] / 255.0  # (H, W, 3)
    return x @ np.array([0.299, 0.587, 0.114])  # (H, W)


def fit_side(image: Image.Image, max_side: int = MAX_SIDE) -> Image.Image:
    """Shrink (never enlarge) so that neither side exceeds max_side, keeping the aspect ratio.

    reducing_gap=2: a whole-factor box average (Image.reduce) first brings the image within twice
    the target, then LANCZOS finishes. LANCZOS alone builds a weight table that grows with the ratio.
    """
    scale = max_side / max(image.size)
    if scale >= 1:
        return image
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _check_sides(width: int, height: int) -> None:
    """Refuse, from the header alone, sizes that are absurd to decode or useless once shrunk."""
    shape = {"width": f"{width:,}", "height": f"{height:,}"}
    if max(width, height) > MAX_UPLOAD_SIDE:
        raise ImageError("side_too_long", limit=f"{MAX_UPLOAD_SIDE:,}", **shape)
    if min(width, height) < MIN_SIDE:
        raise ImageError("too_small", side=MIN_SIDE)
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise ImageError("too_elongated", limit=MAX_ASPECT, **shape)


def read_upload(data: bytes) -> np.ndarray:
    """A learner's PNG/JPEG as an (H, W) grayscale float array, or ImageError with a reason."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError("too_large", limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only
        if image.format not in UPLOAD_FORMATS:
            raise ImageError("not_an_image")
        if image.width * image.height > MAX_UPLOAD_PIXELS:  # a decompression bomb stops here
            raise ImageError("too_many_pixels", limit=f"{MAX_UPLOAD_PIXELS:,}")
        _check_sides(image.width, image.height)
        # A JPEG can be decoded at 1/2, 1/4 or 1/8 scale: ask for at least twice the final size
        # (other formats ignore this). 6000 x 4000 is then decoded at 1500 x 1000.
        scale = min(1.0, 2 * MAX_SIDE / max(image.size))
        image.draft(None, (max(1, int(image.width * scale)), max(1, int(image.height * scale))))
        if image.mode not in ("L", "RGB"):  # palette, alpha, CMYK, 16-bit: to RGB first, as always
            image = image.convert("RGB")
        image = fit_side(image).convert("RGB")  # decodes the pixels
    except ImageError:
        raise
    except Image.DecompressionBombError:
        raise ImageError("too_many_pixels", limit=f"{MAX_UPLOAD_PIXELS:,}") from None
    except UnidentifiedImageError:
        raise ImageError("not_an_image") from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ImageError("corrupt") from None
    if min(image.size) < MIN_SIDE:
        raise ImageError("too_small", side=MIN_SIDE)
    return to_gray(np.asarray(image))


def sample_photo(name: str) -> np.ndarray:
    """scikit-learn's bundled photo 'china' or 'flower', grayscale, shrunk to fit MAX_SIDE."""
    from sklearn.datasets import load_sample_image

    image = Image.fromarray(load_sample_image(f"{name}.jpg"))
    return to_gray(np.asarray(fit_side(image)))


def load_digits_data() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 handwritten digits: images (N, 8, 8) in [0, 1] and labels (N,)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.images / 16.0, digits.target


# --- Kernels ------------------------------------------------------------------------------------
def _binomial(n: int) -> np.ndarray:
    row = np.array([math.comb(n - 1, i) for i in range(n)], dtype=np.float64)
    return np.outer(row, row) / row.sum() ** 2  # a Gaussian, approximated by Pascal's triangle


PRESETS_3 = {
    "identity": np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box_blur": np.ones((3, 3)) / 9,
    "gaussian_blur": _binomial(3),
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "sobel_x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "sobel_y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]]),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]]),
}
PRESETS = tuple(PRESETS_3)
# What the page offers (and the tests check against torch, every combination).
KERNEL_SIZES = (3, 5)
STRIDES = (1, 2, 3, 4)
PADDINGS = (0, 1, 2, 3, 4)
POOL_SIZES = (2, 3, 4)  # pooling windows, stride = window


def preset_kernel(name: str, size: int = 3) -> np.ndarray:
    """A named kernel. At 5x5 the blurs widen; the others sit in the centre of a zero border."""
    if size == 5 and name == "box_blur":
        return np.ones((5, 5)) / 25
    if size == 5 and name == "gaussian_blur":
        return _binomial(5)
    k = np.zeros((size, size))
    m = (size - 3) // 2
    k[m : m + 3, m : m + 3] = PRESETS_3[name]
    return k


MAX_KERNEL_VALUE = 1000.0


def parse_kernel(rows) -> np.ndarray:
    """A kernel typed into the grid, as a float array; ImageError for an empty or absurd cell."""
    try:
        k = np.array([[float(v) for v in row] for row in rows], dtype=np.float64)  # (kh, kw)
    except (TypeError, ValueError):
        raise ImageError("kernel_not_a_number") from None
    if k.ndim != 2 or k.shape[0] != k.shape[1] or k.shape[0] not in KERNEL_SIZES:
        raise ImageError("kernel_shape")
    if np.isnan(k).any():
        raise ImageError("kernel_not_a_number")
    if not np.isfinite(k).all() or np.abs(k).max() > MAX_KERNEL_VALUE:
        raise ImageError("kernel_too_large", limit=f"{MAX_KERNEL_VALUE:g}")
    return k


def resize(x: np.ndarray, side: int) -> np.ndarray:
    """An (H, W) map resampled to side x side (bilinear), e.g. the 30x30 image of the parameter count."""
    image = Image.fromarray(x.astype(np.float32), mode="F").resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(image, dtype=np.float64)


# --- Convolution and pooling ------------------------------------------------------------------
def output_size(n: int, k: int, stride: int = 1, padding: int = 0) -> int:
    """How many positions a window of size k finds along a side of n: floor((n + 2p - k) / s) + 1."""
    return (n + 2 * padding - k) // stride + 1


def conv2d(x: np.ndarray, k: np.ndarray, stride: int = 1, padding: int = 0) -> np.ndarray:
    """Slide kernel k over image x: at each stop multiply the patch by k element-wise and sum.

    Like every deep-learning library, this is cross-correlation: the kernel is not flipped.
    """
    xp = np.pad(x, padding)  # (H + 2p, W + 2p), zeros around the border
    patches = sliding_window_view(xp, k.shape)[::stride, ::stride]  # (H_out, W_out, kh, kw)
    return np.einsum("ijab,ab->ij", patches, k)  # (H_out, W_out)


def patch_products(x: np.ndarray, k: np.ndarray, stride: int, padding: int, i: int, j: int):
    """The patch under the kernel for output (i, j), the element-wise products, and their sum."""
    xp = np.pad(x, padding)
    kh, kw = k.shape
    patch = xp[i * stride : i * stride + kh, j * stride : j * stride + kw]  # (kh, kw)
    products = patch * k  # (kh, kw)
    return patch, products, float(products.sum())


@dataclass(frozen=True)
class Sweep:
    """Every stop of a kernel over an image, in reading order (row by row): what the hero scrubs."""

    y: np.ndarray  # (H_out, W_out) the feature map
    positions: np.ndarray  # (N, 2) the output row and column of each stop, N = H_out * W_out
    patches: np.ndarray  # (N, kh, kw) the input under the kernel at each stop (padding included)
    products: np.ndarray  # (N, kh, kw) patch * k, element by element; products[n].sum() = y at stop n


def sweep(x: np.ndarray, k: np.ndarray, stride: int = 1, padding: int = 0) -> Sweep:
    """The kernel's stops one by one: each stop's patch, its products with k, and the whole feature map."""
    xp = np.pad(x, padding)
    windows = sliding_window_view(xp, k.shape)[::stride, ::stride]  # (H_out, W_out, kh, kw)
    h_out, w_out = windows.shape[:2]
    patches = windows.reshape(h_out * w_out, *k.shape).copy()  # (N, kh, kw)
    positions = np.stack(np.divmod(np.arange(h_out * w_out), w_out), axis=1)  # (N, 2) row, column
    return Sweep(conv2d(x, k, stride, padding), positions, patches, patches * k)


def extremes(y: np.ndarray) -> tuple[tuple[float, int, int], tuple[float, int, int]]:
    """The largest and the smallest value of a map, each with its row and column (the first one on a tie)."""
    found = []
    for index in (int(np.argmax(y)), int(np.argmin(y))):
        row, col = np.unravel_index(index, y.shape)
        found.append((float(y[row, col]), int(row), int(col)))
    return found[0], found[1]


def column_sums(patch: np.ndarray, k: np.ndarray) -> tuple[float, float]:
    """For a kernel whose middle column is zero (Sobel x): the weighted sums of the patch's right and
    left columns. The output is their difference: positive where the right side is brighter."""
    weights = np.abs(k[:, -1])  # (kh,) Sobel x: 1, 2, 1
    return float(patch[:, -1] @ weights), float(patch[:, 0] @ weights)


def relu(x: np.ndarray) -> np.ndarray:
    """Keep positive responses, set the rest to zero."""
    return np.maximum(x, 0)


def _pool_windows(x: np.ndarray, size: int, stride: int) -> np.ndarray:
    return sliding_window_view(x, (size, size))[::stride, ::stride]  # (H_out, W_out, size, size)


def max_pool2d(x: np.ndarray, size: int = 2, stride: int | None = None) -> np.ndarray:
    """The largest value in each size x size window (stride defaults to size: no overlap)."""
    return _pool_windows(x, size, stride or size).max(axis=(2, 3))


def avg_pool2d(x: np.ndarray, size: int = 2, stride: int | None = None) -> np.ndarray:
    """The mean of each size x size window."""
    return _pool_windows(x, size, stride or size).mean(axis=(2, 3))


# --- Parameters and shifts ----------------------------------------------------------------------
def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def fc_parameters(height: int, width: int, neurons: int, bias: bool = False) -> int:
    """Weights of a fully connected layer from every pixel to every neuron (built on 'meta': no memory)."""
    return count_parameters(nn.Linear(height * width, neurons, bias=bias, device="meta"))


def conv_parameters(kernel: int, filters: int = 1, channels: int = 1, bias: bool = True) -> int:
    """Weights of a convolution layer: one kernel per filter and input channel, whatever the image size."""
    return count_parameters(nn.Conv2d(channels, filters, kernel, bias=bias, device="meta"))


def shift(x: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Move the image dy pixels down and dx right; pixels pushed out are lost, new ones are 0."""
    h, w = x.shape
    out = np.zeros_like(x)
    out[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)] = x[
        max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)
    ]
    return out


def random_fc_layer(inputs: int, neurons: int, seed: int = 0) -> np.ndarray:
    """W (neurons, inputs) drawn like torch's nn.Linear default: uniform within 1/sqrt(inputs)."""
    rng = np.random.default_rng(seed)
    bound = 1 / math.sqrt(inputs)
    return rng.uniform(-bound, bound, size=(neurons, inputs))


@dataclass(frozen=True)
class ShiftDemo:
    image_after: np.ndarray  # (n, n) the shifted image
    conv_before: np.ndarray  # (n, n) feature map of the image
    conv_after: np.ndarray  # (n, n) feature map of the shifted image
    conv_gap: float  # largest |conv(shift(x)) - shift(conv(x))| away from the border
    fc_before: np.ndarray  # (neurons,) fully connected outputs for the image
    fc_after: np.ndarray  # (neurons,) ... for the shifted image
    fc_change: float  # |fc_after - fc_before| / |fc_before|


def shift_demo(x: np.ndarray, k: np.ndarray, W: np.ndarray, dy: int, dx: int) -> ShiftDemo:
    """Shift x; compare a convolution (size-keeping padding) with a fully connected layer W."""
    same = k.shape[0] // 2  # padding that keeps the size, so positions line up
    before, after = conv2d(x, k, 1, same), conv2d(shift(x, dy, dx), k, 1, same)  # (n, n)
    m = same + max(abs(dy), abs(dx))  # rows/columns near the border saw padding or shifted-in zeros
    inner = np.s_[m : x.shape[0] - m, m : x.shape[1] - m]
    gap = float(np.abs(after - shift(before, dy, dx))[inner].max(initial=0.0))
    fc_before, fc_after = W @ x.ravel(), W @ shift(x, dy, dx).ravel()  # (neurons,)
    change = float(np.linalg.norm(fc_after - fc_before) / max(np.linalg.norm(fc_before), 1e-12))
    return ShiftDemo(shift(x, dy, dx), before, after, gap, fc_before, fc_after, change)


def shift_sweep(x: np.ndarray, k: np.ndarray, W: np.ndarray, shifts) -> list[ShiftDemo]:
    """shift_demo for each sideways shift dx in `shifts` (negative: to the left)."""
    return [shift_demo(x, k, W, 0, dx) for dx in shifts]


# --- A small CNN and an MLP on the 8x8 digits ----------------------------------------------------
@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    epochs: int = 20  # enough for the CNN to pass 97% on the held-out digits
    batch_size: int = 64
    lr: float = 1e-2  # Adam's starting rate, lowered along a cosine to 0 by the last epoch
    test_fraction: float = 0.25
    channels: tuple[int, int] = (8, 16)  # filters in the CNN's two convolution layers


class DigitCNN(nn.Module):
    """conv 3x3 -> ReLU -> max-pool 2 -> conv 3x3 -> ReLU -> max-pool 2 -> linear to 10 classes."""

    def __init__(self, channels: tuple[int, int] = (8, 16)):
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.head = nn.Linear(c2 * 2 * 2, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.conv1(x))  # (B, c1, 8, 8): the first layer's feature maps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(self.features(x), 2)  # (B, c1, 4, 4)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)  # (B, c2, 2, 2)
        return self.head(x.flatten(1))  # (B, 10) logits


class DigitMLP(nn.Module):
    """64 pixels -> hidden ReLU layer -> 10 classes: no notion of neighbouring pixels."""

    def __init__(self, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(64, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.relu(self.fc1(x.flatten(1))))  # (B, 10) logits


def mlp_hidden_for(parameters: int) -> int:
    """The hidden width giving an MLP about `parameters` weights: 64h + h + 10h + 10 = 75h + 10."""
    return max(1, round((parameters - 10) / 75))


def init_parameters(model: nn.Module, generator: torch.Generator) -> nn.Module:
    """Re-draw every weight like torch's defaults, but from our generator (no global seed)."""
    for module in model.modules():
        if isinstance(module, nn.Conv2d | nn.Linear):
            nn.init.kaiming_uniform_(module.weight, a=math.sqrt(5), generator=generator)
            bound = 1 / math.sqrt(module.weight[0].numel())
            nn.init.uniform_(module.bias, -bound, bound, generator=generator)
    return model


def split_digits(images: np.ndarray, labels: np.ndarray, test_fraction: float, seed: int):
    """A seeded, stratified train/test split (the test digits are never trained on)."""
    from sklearn.model_selection import train_test_split

    return train_test_split(images, labels, test_size=test_fraction, random_state=seed, stratify=labels)


@dataclass
class TrainResult:
    model: nn.Module
    parameters: int
    test_accuracy: list[float] = field(default_factory=list)  # after each epoch
    seconds: float = 0.0
    kernels: list[np.ndarray] = field(default_factory=list)  # a CNN's first-layer kernels (c1, 3, 3): start, each epoch


def steps_per_epoch(examples: int, batch_size: int) -> int:
    """Weight updates in one pass over the training set: one per mini-batch, the last one may be smaller."""
    return math.ceil(examples / batch_size)


def kernel_changes(kernels: list[np.ndarray]) -> np.ndarray:
    """How far the kernels moved in each epoch: the norm of their change, one number per epoch."""
    stacked = np.stack(kernels)  # (epochs + 1, c1, 3, 3)
    return np.linalg.norm((stacked[1:] - stacked[:-1]).reshape(len(kernels) - 1, -1), axis=1)  # (epochs,)


def _first_kernels(model: nn.Module) -> list[np.ndarray]:
    conv1 = getattr(model, "conv1", None)
    return [] if conv1 is None else [conv1.weight.detach()[:, 0].cpu().numpy().copy()]  # (c1, 3, 3)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def train_model(
    model, x_train, y_train, x_test, y_test, config: TrainConfig, device, on_progress: OnProgress = None
) -> TrainResult:
    """Adam on cross-entropy in shuffled mini-batches; on_progress after each epoch (its last batch's loss)."""
    g = torch.Generator().manual_seed(config.seed)
    model = init_parameters(model, g).to(device)
    x_train, y_train = (torch.as_tensor(a).to(device) for a in (x_train, y_train))  # (N, 1, 8, 8), (N,)
    x_test, y_test = (torch.as_tensor(a).to(device) for a in (x_test, y_test))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=config.epochs)  # settle at the end
    result = TrainResult(model, count_parameters(model), kernels=_first_kernels(model))
    start = time.perf_counter()
    for epoch in range(config.epochs):
        model.train()
        order = torch.randperm(len(x_train), generator=g).to(device)
        for batch in order.split(config.batch_size):
            loss = F.cross_entropy(model(x_train[batch]), y_train[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        schedule.step()
        model.eval()
        result.test_accuracy.append(accuracy(model, x_test, y_test))
        result.kernels += _first_kernels(model)
        report(on_progress, epoch + 1, config.epochs, loss=loss.item())
    result.seconds = time.perf_counter() - start
    result.model = model.cpu()
    return result


@dataclass
class DigitsRun:
    """Both models trained on the same split, and the held-out digits they were tested on."""

    cnn: TrainResult
    mlp: TrainResult
    x_test: np.ndarray  # (N_test, 8, 8)
    y_test: np.ndarray  # (N_test,)
    config: TrainConfig = TrainConfig()
    train_size: int = 0  # digits trained on

    @property
    def updates_per_epoch(self) -> int:
        return steps_per_epoch(self.train_size, self.config.batch_size)


def digit_split(config: TrainConfig):
    """The seeded split as the trainers take it: (N, 1, 8, 8) float32 images and their labels."""
    images, labels = load_digits_data()
    x_train, x_test, y_train, y_test = split_digits(images, labels, config.test_fraction, config.seed)
    return x_train[:, None].astype(np.float32), y_train, x_test[:, None].astype(np.float32), y_test


def _models(config: TrainConfig) -> tuple[DigitCNN, DigitMLP]:
    cnn = DigitCNN(config.channels)
    return cnn, DigitMLP(mlp_hidden_for(count_parameters(cnn)))


def train_digits(config: TrainConfig = TrainConfig(), device="cpu", on_progress: OnProgress = None) -> DigitsRun:
    """Train the CNN, then an MLP with about as many parameters, on one seeded split."""
    data = digit_split(config)
    cnn, mlp = _models(config)
    total = 2 * config.epochs
    cnn_run = train_model(cnn, *data, config, device, scaled(on_progress, 0, total))
    mlp_run = train_model(mlp, *data, config, device, scaled(on_progress, config.epochs, total))
    return DigitsRun(cnn_run, mlp_run, data[2][:, 0], data[3], config, len(data[1]))


# --- The course's default run, shipped in models/ (python -m core.convolution --out ...) --------------
COMMAND = "python -m core.convolution --out models/convolution_digits"


def save_run(run: DigitsRun, directory: Path, device: str = "cpu") -> None:
    """Weights and every epoch's first-layer kernels as safetensors, the rest as JSON (never pickle)."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    tensors = {
        f"{name}.{key}": p
        for name, r in (("cnn", run.cnn), ("mlp", run.mlp))
        for key, p in r.model.state_dict().items()
    }
    tensors["cnn_kernels"] = torch.as_tensor(np.stack(run.cnn.kernels))  # (epochs + 1, c1, 3, 3)
    save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, directory / "model.safetensors")
    history = {
        n: {"parameters": r.parameters, "test_accuracy": r.test_accuracy, "seconds": r.seconds}
        for n, r in (("cnn", run.cnn), ("mlp", run.mlp))
    }
    info = {
        "command": COMMAND,
        "config": asdict(run.config),
        "train_size": run.train_size,
        **history,
        "torch": torch.__version__,
        "device": device,
    }
    (directory / "model.json").write_text(json.dumps(info, indent=2), encoding="utf-8")


def load_run(directory: Path) -> DigitsRun:
    """A run saved by save_run, on the CPU; the test digits are the config's split, drawn again."""
    from safetensors.torch import load_file

    info = json.loads((directory / "model.json").read_text(encoding="utf-8"))
    config = TrainConfig(**{**info["config"], "channels": tuple(info["config"]["channels"])})
    tensors = load_file(directory / "model.safetensors")
    results = []
    for name, model in zip(("cnn", "mlp"), _models(config)):
        model.load_state_dict({k.split(".", 1)[1]: v for k, v in tensors.items() if k.startswith(f"{name}.")})
        saved = info[name]
        results.append(TrainResult(model.eval(), saved["parameters"], saved["test_accuracy"], saved["seconds"]))
    results[0].kernels = list(tensors["cnn_kernels"].numpy())
    _, y_train, x_test, y_test = digit_split(config)
    return DigitsRun(*results, x_test[:, 0], y_test, config, len(y_train))


def confusion_matrix(y_true, y_pred, classes: int = 10) -> np.ndarray:
    """counts[t, p]: how many digits of true class t were predicted as p."""
    counts = np.zeros((classes, classes), dtype=int)
    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return counts


@torch.no_grad()
def predict(model: nn.Module, images: np.ndarray) -> np.ndarray:
    x = torch.as_tensor(images, dtype=torch.float32).unsqueeze(1)  # (N, 1, 8, 8)
    return model(x).argmax(1).numpy()


@torch.no_grad()
def first_layer(model: DigitCNN, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The learned first-layer kernels (c1, 3, 3) and their feature maps (c1, 8, 8) for one digit."""
    x = torch.as_tensor(image, dtype=torch.float32)[None, None]  # (1, 1, 8, 8)
    return model.conv1.weight[:, 0].numpy().copy(), model.features(x)[0].numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description="Train lesson 5's default CNN and MLP on the 8x8 digits.")
    parser.add_argument("--out", type=Path, required=True, help="directory for model.safetensors and model.json")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the server trains (core.device): the recorded seconds are comparable
    run = train_digits(
        TrainConfig(), "cpu", lambda p: print(f"epoch {p.step}/{p.total}  loss {p.loss:.4f}", flush=True)
    )
    save_run(run, args.out)
    print(f"CNN {run.cnn.test_accuracy[-1]:.1%}, MLP {run.mlp.test_accuracy[-1]:.1%}, saved to {args.out}")


if __name__ == "__main__":
    main()
