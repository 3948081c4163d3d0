import torch

from core.device import describe_device, get_device, resolve_device, thread_count


def test_cpu_preference_is_honoured():
    assert resolve_device("cpu") == torch.device("cpu")


def test_auto_and_unknown_pick_an_available_device():
    expected = "cuda" if torch.cuda.is_available() else ("mps" if torch.backends.mps.is_available() else "cpu")
    assert resolve_device(None).type == expected
    assert resolve_device("auto").type == expected
    assert resolve_device("  AUTO ").type == expected
    assert resolve_device("tpu-please").type == expected


def test_unavailable_accelerator_falls_back():
    if not torch.cuda.is_available():
        assert resolve_device("cuda").type in ("mps", "cpu")


def test_describe_cpu():
    assert describe_device(torch.device("cpu")) == "CPU"


def test_thread_count_setting():
    assert thread_count(None) == 1 and thread_count("") == 1
    assert thread_count("4") == 4 and thread_count("0") == 1 and thread_count("many") == 1


def test_get_device_sets_the_thread_count_once():
    device = get_device()
    assert device is get_device()
    assert torch.get_num_threads() >= 1
