"""Lesson 5's computations against torch.nn.functional, PIL, scikit-learn and the curriculum's figures."""

import io
import itertools
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from core import convolution as cv
from core.convolution import PADDINGS, POOL_SIZES, STRIDES


def torch_conv(x: np.ndarray, k: np.ndarray, stride: int, padding: int) -> np.ndarray:
    out = F.conv2d(torch.from_numpy(x)[None, None], torch.from_numpy(k)[None, None], stride=stride, padding=padding)
    return out[0, 0].numpy()


@pytest.fixture(scope="module")
def image() -> np.ndarray:
    return np.random.default_rng(0).random((23, 31))  # odd sizes: the floor in the size formula matters


@pytest.mark.parametrize("size", cv.KERNEL_SIZES)
def test_conv2d_equals_torch_for_every_offered_stride_and_padding(image, size):
    k = np.random.default_rng(size).normal(size=(size, size))
    for stride, padding in itertools.product(STRIDES, PADDINGS):
        ours = cv.conv2d(image, k, stride, padding)
        np.testing.assert_allclose(ours, torch_conv(image, k, stride, padding), atol=1e-12)
        assert ours.shape == (
            cv.output_size(image.shape[0], size, stride, padding),
            cv.output_size(image.shape[1], size, stride, padding),
        )


@pytest.mark.parametrize("preset", cv.PRESETS)
@pytest.mark.parametrize("size", cv.KERNEL_SIZES)
def test_every_preset_on_a_real_photo_equals_torch(preset, size):
    x = cv.sample_photo("flower")[::4, ::4]  # (86, 128): a real image, small enough to be quick
    k = cv.preset_kernel(preset, size)
    np.testing.assert_allclose(cv.conv2d(x, k, 1, size // 2), torch_conv(x, k, 1, size // 2), atol=1e-12)


def test_presets_do_what_their_names_say():
    x = cv.sample_photo("china")
    np.testing.assert_allclose(cv.conv2d(x, cv.preset_kernel("identity", 5), 1, 2), x)  # changes nothing
    for name in ("box_blur", "gaussian_blur"):
        for size in cv.KERNEL_SIZES:
            assert cv.preset_kernel(name, size).sum() == pytest.approx(1.0)  # blurs keep the brightness
    for name in ("sobel_x", "sobel_y", "laplacian"):
        assert cv.preset_kernel(name).sum() == 0  # edge detectors give 0 on a flat area
    ramp = np.tile(np.arange(10.0), (10, 1))  # brightness grows to the right: one vertical "edge" everywhere
    assert np.all(cv.conv2d(ramp, cv.preset_kernel("sobel_x"), 1, 0) == 8)
    assert np.all(cv.conv2d(ramp, cv.preset_kernel("sobel_y"), 1, 0) == 0)


def test_output_size_formula():
    assert cv.output_size(30, 3) == 28
    assert cv.output_size(30, 3, padding=1) == 30
    assert cv.output_size(512, 5, stride=2, padding=2) == 256
    assert cv.output_size(8, 5, stride=4) == 1


def test_patch_products_sum_to_the_feature_map(image):
    k = np.random.default_rng(1).normal(size=(3, 3))
    for stride, padding in itertools.product(STRIDES, PADDINGS):
        y = cv.conv2d(image, k, stride, padding)
        for i, j in ((0, 0), (y.shape[0] - 1, y.shape[1] - 1), (y.shape[0] // 2, y.shape[1] // 3)):
            patch, products, value = cv.patch_products(image, k, stride, padding, i, j)
            assert patch.shape == k.shape
            np.testing.assert_allclose(products, patch * k)
            assert value == pytest.approx(y[i, j], abs=1e-12)


@pytest.mark.parametrize("size", POOL_SIZES)
def test_pooling_equals_torch(image, size):
    t = torch.from_numpy(image)[None, None]
    for stride in (None, *range(1, max(POOL_SIZES) + 1)):
        s = stride or size
        np.testing.assert_allclose(cv.max_pool2d(image, size, stride), F.max_pool2d(t, size, s)[0, 0].numpy())
        np.testing.assert_allclose(cv.avg_pool2d(image, size, stride), F.avg_pool2d(t, size, s)[0, 0].numpy())


def test_relu_equals_torch(image):
    x = image - 0.5
    np.testing.assert_array_equal(cv.relu(x), F.relu(torch.from_numpy(x)).numpy())


def test_parameter_counts_are_the_curriculums():
    assert cv.fc_parameters(30, 30, 1000) == 900_000
    assert cv.fc_parameters(30, 30, 1000, bias=True) == 901_000
    assert cv.conv_parameters(3, bias=False) == 9
    assert cv.conv_parameters(3) == 10  # 9 weights + 1 bias per filter
    assert cv.conv_parameters(3, filters=64) == 640
    assert cv.conv_parameters(5, filters=16, channels=8) == (25 * 8 + 1) * 16


def test_a_convolution_shifts_with_the_image_but_a_dense_layer_does_not():
    x = cv.resize(cv.sample_photo("china"), 30)
    W = cv.random_fc_layer(900, 1000, seed=0)
    for dy, dx in ((2, 2), (-3, 1), (0, -4)):
        demo = cv.shift_demo(x, cv.preset_kernel("sobel_x"), W, dy, dx)
        assert demo.conv_gap < 1e-12  # the feature map moved with the image, unchanged
        assert demo.fc_change > 0.05  # the dense layer's outputs changed
    still = cv.shift_demo(x, cv.preset_kernel("laplacian", 5), W, 0, 0)
    assert still.conv_gap == 0 and still.fc_change == 0


def test_shift_moves_pixels_and_fills_with_zeros():
    x = np.arange(16.0).reshape(4, 4)
    moved = cv.shift(x, 1, -1)
    np.testing.assert_array_equal(moved[1:, :3], x[:3, 1:])
    assert moved[0].sum() == 0 and moved[:, 3].sum() == 0


def test_random_fc_layer_is_seeded_and_scaled_like_torch():
    W = cv.random_fc_layer(900, 1000, seed=0)
    assert W.shape == (1000, 900)
    np.testing.assert_array_equal(W, cv.random_fc_layer(900, 1000, seed=0))
    assert np.abs(W).max() <= 1 / 30  # nn.Linear's default bound 1/sqrt(fan_in)


# --- Images ------------------------------------------------------------------------------------
def test_gray_conversion_matches_pil():
    pixels = np.random.default_rng(3).integers(0, 256, size=(20, 30, 3), dtype=np.uint8)
    ours = cv.to_gray(pixels) * 255
    pil = np.asarray(Image.fromarray(pixels).convert("L"), dtype=float)  # PIL rounds to integers
    assert np.abs(ours - pil).max() <= 0.51


def test_sample_images_and_digits():
    for name in ("china", "flower"):
        x = cv.sample_photo(name)
        assert x.shape == (342, 512) and 0 <= x.min() and x.max() <= 1
    images, labels = cv.load_digits_data()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.max() == 1.0 and set(labels) == set(range(10))


def _png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


NOISE = np.random.default_rng(6).integers(0, 256, size=(40, 40), dtype=np.uint8)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares a huge canvas in its header: a decompression bomb, in 60 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def test_upload_png_and_jpeg_are_read_in_grayscale():
    pixels = np.random.default_rng(4).integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    x = cv.read_upload(_png_bytes(pixels))
    np.testing.assert_allclose(x, cv.to_gray(pixels))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG")
    assert cv.read_upload(buffer.getvalue()).shape == (40, 60)


def test_large_upload_is_shrunk_to_fit():
    pixels = np.zeros((600, 1200, 3), dtype=np.uint8)
    assert cv.read_upload(_png_bytes(pixels)).shape == (256, 512)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is a text file, not a picture", "not_an_image"),
        (b"", "not_an_image"),
        (_png_bytes(NOISE)[: len(_png_bytes(NOISE)) // 2], "corrupt"),  # cut off in the middle
        (_png_header_only(50_000, 50_000), "too_many_pixels"),
        (_png_header_only(100_000, 100_000), "too_many_pixels"),  # beyond PIL's own bomb limit too
        (_png_bytes(np.zeros((4, 40), np.uint8)), "too_small"),
        (b"\x00" * (cv.MAX_UPLOAD_BYTES + 1), "too_large"),
        (_png_header_only(cv.MAX_UPLOAD_SIDE + 1, 2_000), "side_too_long"),
        (_png_header_only(3_000, cv.MAX_UPLOAD_SIDE + 1), "side_too_long"),
        (_png_header_only(8 * cv.MAX_ASPECT + 1, 8), "too_elongated"),
        (_png_header_only(100, 100 * cv.MAX_ASPECT + 1), "too_elongated"),
    ],
    ids=["text", "empty", "truncated", "bomb", "huge_bomb", "tiny", "too_large", "wide", "tall", "thin", "thin_tall"],
)
def test_bad_uploads_get_a_reason(data, code):
    with pytest.raises(cv.ImageError) as problem:
        cv.read_upload(data)
    assert problem.value.code == code


def test_gif_is_refused():
    buffer = io.BytesIO()
    Image.new("L", (20, 20)).save(buffer, format="GIF")
    with pytest.raises(cv.ImageError, match="not_an_image"):
        cv.read_upload(buffer.getvalue())


def test_the_most_elongated_accepted_image_still_has_room_for_a_kernel():
    x = cv.read_upload(_png_bytes(np.zeros((100, 100 * cv.MAX_ASPECT), np.uint8)))
    assert x.shape == (26, 512) and cv.output_size(min(x.shape), 5, stride=4) >= 5  # room for a 5x5 kernel at stride 4


# --- Uploads that are cheap to send and costly to decode --------------------------------------------
def _png_of_zeros(width: int, height: int) -> bytes:
    """A complete, valid 8-bit grayscale PNG, all black; 40,000,000 x 1 pixels is a 40 KB file.

    Every scanline is a filter byte 0 and `width` zero pixels, so the raw stream is all zeros:
    compressed in pieces, it never needs the whole stream in memory."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    compressor, left, piece = zlib.compressobj(9), (width + 1) * height, bytes(2**22)
    stream = []
    while left:
        stream.append(compressor.compress(piece[: min(left, len(piece))]))
        left -= min(left, len(piece))
    stream.append(compressor.flush())
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"".join(stream)) + chunk(b"IEND", b"")


def _photo(width: int, height: int, fmt: str) -> bytes:
    """An ordinary large upload: a camera-sized JPEG (a real photo, enlarged), or a diagram-like PNG
    (a photo-like PNG this size is over the 5 MB limit)."""
    if fmt == "JPEG":
        from sklearn.datasets import load_sample_image

        image = Image.fromarray(load_sample_image("china.jpg")).resize((width, height), Image.Resampling.BILINEAR)
    else:
        yy, xx = np.mgrid[0:height, 0:width]
        rgb = np.stack([xx * 255 // width, yy * 255 // height, (xx + yy) * 255 // (width + height)], axis=-1)
        image = Image.fromarray(rgb.astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, quality=90)
    return buffer.getvalue()


UPLOAD_CASES = {  # name: (file, what read_upload should give: an error code or the array's shape)
    "png_40000000x1": (lambda: _png_of_zeros(40_000_000, 1), "side_too_long"),
    "png_5000000x1": (lambda: _png_of_zeros(5_000_000, 1), "side_too_long"),
    "png_1x40000000": (lambda: _png_of_zeros(1, 40_000_000), "side_too_long"),
    "jpeg_6000x4000": (lambda: _photo(6000, 4000, "JPEG"), [341, 512]),
    "png_6000x4000": (lambda: _photo(6000, 4000, "PNG"), [341, 512]),
}
_MEASURE = """
import ctypes, json, re, sys, time
from core import convolution as cv
from tests.test_core_convolution import UPLOAD_CASES

try:
    trim = ctypes.CDLL("libc.so.6").malloc_trim  # glibc: give freed heap back, so reuse shows as growth
except (OSError, AttributeError):
    trim = lambda pad: 0

def kib(field):
    return int(re.search(field + r":\\s+(\\d+)", open("/proc/self/status").read()).group(1))

results = {}
for name, (make, _) in UPLOAD_CASES.items():
    data = make()
    trim(0)
    open("/proc/self/clear_refs", "w").write("5")  # the peak (VmHWM) starts again from now
    before, start = kib("VmRSS"), time.perf_counter()
    try:
        outcome = list(cv.read_upload(data).shape)
    except cv.ImageError as problem:
        outcome = problem.code
    seconds, peak_mb = time.perf_counter() - start, (kib("VmHWM") - before) / 1024
    results[name] = {"outcome": outcome, "seconds": seconds, "peak_mb": peak_mb, "kb": len(data) / 1e3}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def upload_costs() -> dict:
    """Each case's outcome, time and peak memory above the resident size before it (the kernel's
    high-water mark, reset per case), measured in a fresh process: Pillow allocates its pixels and
    resampling tables with malloc, which tracemalloc does not see."""
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc to measure peak memory")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", _MEASURE], cwd=root, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name, (_, want) in UPLOAD_CASES.items() if isinstance(want, str)])
def test_a_thin_giant_png_is_refused_from_its_header(upload_costs, name):
    """40,000,000 x 1 passes the pixel count; it used to be decoded and LANCZOS-shrunk (2 GB, 12 to 20 s)."""
    cost = upload_costs[name]
    assert cost["kb"] < 100 and cost["outcome"] == UPLOAD_CASES[name][1], cost
    assert cost["peak_mb"] < 50 and cost["seconds"] < 2, cost


@pytest.mark.slow
@pytest.mark.parametrize("name", [name for name, (_, want) in UPLOAD_CASES.items() if isinstance(want, list)])
def test_an_ordinary_large_photo_is_accepted_within_one_decoded_copy(upload_costs, name):
    """A JPEG is decoded at a reduced DCT scale (1500 x 1000 here, 6 MB); a PNG must be decoded whole,
    once: 6000 x 4000 RGB is 96 MB in Pillow (4 bytes a pixel), and nothing may double it."""
    cost = upload_costs[name]
    assert cost["outcome"] == UPLOAD_CASES[name][1], cost
    assert cost["peak_mb"] < (50 if name.startswith("jpeg") else 130), cost


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_shrinking_a_large_photo_matches_a_full_lanczos_resize(fmt):
    """Decoding at a reduced scale and box-reducing first changes the result by a hair."""
    data = _photo(3000, 2000, fmt)
    x = cv.read_upload(data)
    full = Image.open(io.BytesIO(data)).convert("RGB").resize((512, 341), Image.Resampling.LANCZOS)
    reference = cv.to_gray(np.asarray(full))
    assert x.shape == reference.shape
    assert np.abs(x - reference).mean() < 0.005 and np.abs(x - reference).max() < 0.05  # measured: 0.001, 0.01


def test_parse_kernel():
    np.testing.assert_array_equal(cv.parse_kernel([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), np.arange(1, 10).reshape(3, 3))
    for rows, code in (
        ([[1, None, 3], [4, 5, 6], [7, 8, 9]], "kernel_not_a_number"),
        ([[1, float("nan"), 3], [4, 5, 6], [7, 8, 9]], "kernel_not_a_number"),
        ([["a", 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_not_a_number"),
        ([[1e9, 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_too_large"),
        ([[float("inf"), 0, 0], [0, 0, 0], [0, 0, 0]], "kernel_too_large"),
        ([[1, 2], [3, 4]], "kernel_shape"),
    ):
        with pytest.raises(cv.ImageError) as problem:
            cv.parse_kernel(rows)
        assert problem.value.code == code


# --- The digits CNN -----------------------------------------------------------------------------
def test_confusion_matrix_equals_sklearn():
    rng = np.random.default_rng(5)
    y_true, y_pred = rng.integers(0, 10, 300), rng.integers(0, 10, 300)
    np.testing.assert_array_equal(
        cv.confusion_matrix(y_true, y_pred), sk_confusion_matrix(y_true, y_pred, labels=range(10))
    )


def test_cnn_and_mlp_have_similar_parameter_counts():
    cnn = cv.DigitCNN()
    mlp = cv.DigitMLP(cv.mlp_hidden_for(cv.count_parameters(cnn)))
    assert cv.count_parameters(cnn) == (9 + 1) * 8 + (9 * 8 + 1) * 16 + (16 * 4 + 1) * 10 == 1898
    assert abs(cv.count_parameters(mlp) - 1898) / 1898 < 0.03
    assert cnn(torch.zeros(5, 1, 8, 8)).shape == (5, 10)


def test_init_is_seeded_without_touching_the_global_generator():
    state = torch.random.get_rng_state()
    a = cv.init_parameters(cv.DigitCNN(), torch.Generator().manual_seed(1))
    b = cv.init_parameters(cv.DigitCNN(), torch.Generator().manual_seed(1))
    for p, q in zip(a.parameters(), b.parameters()):
        torch.testing.assert_close(p, q)
    torch.random.set_rng_state(state)


def test_split_is_seeded_and_stratified():
    images, labels = cv.load_digits_data()
    first = cv.split_digits(images, labels, 0.25, seed=0)
    again = cv.split_digits(images, labels, 0.25, seed=0)
    np.testing.assert_array_equal(first[3], again[3])
    assert len(first[3]) == 450
    np.testing.assert_allclose(np.bincount(first[3]) / 450, np.bincount(labels) / len(labels), atol=0.003)


@pytest.mark.slow
def test_cnn_reaches_97_percent_on_the_test_digits():
    config = cv.TrainConfig()
    seen = []
    run = cv.train_digits(config, "cpu", on_progress=lambda p: seen.append((p.step, p.total)))
    assert seen[0] == (1, 2 * config.epochs) and seen[-1] == (2 * config.epochs, 2 * config.epochs)
    assert run.cnn.test_accuracy[-1] >= 0.97
    assert len(run.cnn.test_accuracy) == config.epochs == len(run.mlp.test_accuracy)
    # Accuracy recomputed from the returned model and the held-out digits agrees.
    predictions = cv.predict(run.cnn.model, run.x_test)
    assert np.mean(predictions == run.y_test) == pytest.approx(run.cnn.test_accuracy[-1])
    assert cv.confusion_matrix(run.y_test, predictions).trace() == (predictions == run.y_test).sum()
    kernels, maps = cv.first_layer(run.cnn.model, run.x_test[0])
    assert kernels.shape == (8, 3, 3) and maps.shape == (8, 8, 8) and maps.min() >= 0


@pytest.mark.slow
def test_the_same_seed_trains_the_same_networks():
    short = cv.TrainConfig(epochs=2)
    first, again = cv.train_digits(short, "cpu"), cv.train_digits(short, "cpu")
    assert first.cnn.test_accuracy == again.cnn.test_accuracy
    assert first.mlp.test_accuracy == again.mlp.test_accuracy
    other = cv.train_digits(cv.TrainConfig(epochs=2, seed=1), "cpu")
    assert not np.array_equal(other.y_test, first.y_test)  # another seed, another split


# --- The hero: every stop of the kernel -------------------------------------------------------------
@pytest.mark.parametrize("stride, padding", [(1, 0), (2, 1), (3, 2)])
def test_every_stop_of_a_sweep_is_its_patch_times_the_kernel(image, stride, padding):
    k = np.random.default_rng(7).normal(size=(3, 3))
    s = cv.sweep(image, k, stride, padding)
    np.testing.assert_allclose(s.y, torch_conv(image, k, stride, padding), atol=1e-12)
    assert len(s.positions) == s.y.size
    for n, (i, j) in enumerate(s.positions):
        assert (i, j) == divmod(n, s.y.shape[1])  # reading order, row by row
        patch, products, value = cv.patch_products(image, k, stride, padding, i, j)
        np.testing.assert_array_equal(s.patches[n], patch)
        np.testing.assert_allclose(s.products[n], products)
        assert s.products[n].sum() == pytest.approx(s.y[i, j], abs=1e-12) == pytest.approx(value, abs=1e-12)


def test_the_hero_digit_has_36_stops_and_sobel_sees_its_strokes_edges():
    x = cv.load_digits_data()[0][0]  # a handwritten 0
    s = cv.sweep(x, cv.preset_kernel("sobel_x"))
    assert s.y.shape == (6, 6) and len(s.positions) == 36
    (hi, hi_row, hi_col), (lo, lo_row, lo_col) = cv.extremes(s.y)
    assert (hi, lo) == (s.y.max(), s.y.min()) and s.y[hi_row, hi_col] == hi and s.y[lo_row, lo_col] == lo
    assert hi > 0 > lo
    right, left = cv.column_sums(s.patches[hi_row * 6 + hi_col], cv.preset_kernel("sobel_x"))
    assert right - left == pytest.approx(hi)  # Sobel x: the right column's weighted sum minus the left one's


def test_extremes_takes_the_first_of_ties():
    assert cv.extremes(np.array([[1.0, 3.0], [3.0, -2.0]])) == ((3.0, 0, 1), (-2.0, 1, 1))


def test_a_sideways_shift_sweep():
    x = cv.resize(cv.load_digits_data()[0][0], 30)
    W = cv.random_fc_layer(900, 1000, seed=0)
    demos = cv.shift_sweep(x, cv.preset_kernel("sobel_x"), W, range(-4, 5))
    assert len(demos) == 9
    for dx, demo in zip(range(-4, 5), demos):
        np.testing.assert_array_equal(demo.image_after, cv.shift(x, 0, dx))
        assert demo.conv_gap < 1e-12
        assert (demo.fc_change == 0) == (dx == 0)


# --- Mini-batches, the recorded kernels and the shipped default run ------------------------------------
def test_steps_per_epoch_counts_the_last_partial_batch():
    assert cv.steps_per_epoch(1347, 64) == 22  # 21 full mini-batches and one of 3 digits
    assert cv.steps_per_epoch(1280, 64) == 20
    assert cv.steps_per_epoch(1, 64) == 1


def test_kernel_changes_are_the_norms_of_each_epochs_step():
    kernels = [np.zeros((2, 3, 3)), np.ones((2, 3, 3)), np.ones((2, 3, 3))]
    np.testing.assert_allclose(cv.kernel_changes(kernels), [np.sqrt(18), 0.0])


@pytest.mark.slow
def test_training_records_the_kernels_and_a_saved_run_loads_back(tmp_path):
    config = cv.TrainConfig(epochs=2)
    run = cv.train_digits(config, "cpu")
    assert len(run.cnn.kernels) == config.epochs + 1 and run.mlp.kernels == []
    np.testing.assert_array_equal(run.cnn.kernels[-1], run.cnn.model.conv1.weight.detach()[:, 0].numpy())
    assert not np.allclose(run.cnn.kernels[0], run.cnn.kernels[-1])  # they moved
    assert run.train_size == 1347 and run.updates_per_epoch == 22
    cv.save_run(run, tmp_path)
    loaded = cv.load_run(tmp_path)
    assert loaded.config == config and loaded.train_size == run.train_size
    np.testing.assert_array_equal(loaded.y_test, run.y_test)
    for a, b in zip(loaded.cnn.kernels, run.cnn.kernels):
        np.testing.assert_array_equal(a, b)
    assert loaded.cnn.test_accuracy == run.cnn.test_accuracy and loaded.mlp.parameters == run.mlp.parameters
    np.testing.assert_array_equal(cv.predict(loaded.cnn.model, run.x_test), cv.predict(run.cnn.model, run.x_test))
    np.testing.assert_array_equal(cv.predict(loaded.mlp.model, run.x_test), cv.predict(run.mlp.model, run.x_test))


SHIPPED = Path(__file__).resolve().parent.parent / "models" / "convolution_digits"


def test_the_shipped_run_is_small_and_describes_itself():
    assert (SHIPPED / "model.safetensors").stat().st_size < 100_000
    info = json.loads((SHIPPED / "model.json").read_text(encoding="utf-8"))
    assert info["command"] == cv.COMMAND and info["config"]["seed"] == 0
    run = cv.load_run(SHIPPED)
    assert run.config == cv.TrainConfig()  # the section's default settings
    assert len(run.cnn.kernels) == run.config.epochs + 1 == len(run.cnn.test_accuracy) + 1
    predictions = cv.predict(run.cnn.model, run.x_test)
    assert np.mean(predictions == run.y_test) == pytest.approx(run.cnn.test_accuracy[-1], abs=1e-6)
    assert np.mean(cv.predict(run.mlp.model, run.x_test) == run.y_test) == pytest.approx(run.mlp.test_accuracy[-1])
    assert run.cnn.test_accuracy[-1] >= 0.97


@pytest.mark.slow
def test_the_shipped_run_is_what_its_command_makes(tmp_path):
    """Retrained here from the same seed, on the CPU with one thread as the command does: the same
    accuracies epoch by epoch and the same kernels (up to float rounding across machines)."""
    subprocess.run([sys.executable, "-m", "core.convolution", "--out", str(tmp_path)], check=True, capture_output=True,
                   cwd=SHIPPED.parent.parent)  # fmt: skip
    shipped, fresh = cv.load_run(SHIPPED), cv.load_run(tmp_path)
    for a, b in ((shipped.cnn, fresh.cnn), (shipped.mlp, fresh.mlp)):
        assert a.test_accuracy == pytest.approx(b.test_accuracy, abs=1 / 450 + 1e-6)  # at most one digit apart
    for a, b in zip(shipped.cnn.kernels, fresh.cnn.kernels):
        np.testing.assert_allclose(a, b, atol=1e-3)
