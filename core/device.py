"""Which device computes, and with how many CPU threads: decided in one place, once.

CUDA if present, else Apple's MPS, else the CPU. The environment variable LLMX_DEVICE
("cpu", "cuda", "mps" or "auto") overrides the choice, e.g. to force the CPU on a GPU machine.

PyTorch uses one CPU thread per computation unless LLMX_TORCH_THREADS says otherwise. The lessons'
models are small, so a second thread gains little; but on a server where several learners train
at once, each computation's threads spin waiting for cores the others hold, and small matrix
products became up to 20 times slower with 2 threads than with 1 on our 2-core machine.
"""

import functools
import os

import torch

ENV_VAR = "LLMX_DEVICE"
THREADS_ENV_VAR = "LLMX_TORCH_THREADS"
CHOICES = ("auto", "cpu", "cuda", "mps")


def _mps_available() -> bool:
    return bool(getattr(torch.backends, "mps", None)) and torch.backends.mps.is_available()


def resolve_device(preference: str | None = None) -> torch.device:
    """Turn a preference ("auto", "cpu", "cuda", "mps" or None) into an available torch.device.

    An unavailable or unknown preference falls back to "auto" rather than failing: the course
    must still run on a laptop whatever the environment says.
    """
    preference = (preference or "auto").strip().lower()
    if preference == "cuda" and torch.cuda.is_available():
        return torch.device("cuda")
    if preference == "mps" and _mps_available():
        return torch.device("mps")
    if preference == "cpu":
        return torch.device("cpu")
    # auto, or a preference this machine cannot honour
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def thread_count(setting: str | None) -> int:
    """LLMX_TORCH_THREADS as a positive int; anything else means the default, 1."""
    try:
        return max(1, int(setting or 1))
    except ValueError:
        return 1


@functools.cache
def get_device() -> torch.device:
    """The device for this server process, decided once from LLMX_DEVICE and the hardware.

    Also sets PyTorch's CPU thread count for the process (see the module's docstring).
    """
    torch.set_num_threads(thread_count(os.environ.get(THREADS_ENV_VAR)))
    return resolve_device(os.environ.get(ENV_VAR))


def describe_device(device: torch.device) -> str:
    """A short name: 'NVIDIA H100 80GB HBM3', 'Apple MPS' or 'CPU' (the UI adds the thread count)."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple MPS"
    return "CPU"
