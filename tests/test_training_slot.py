"""The server's training slots: a bounded, shared count, always given back."""

import threading

import pytest

from ui.training_slot import DEFAULT_SLOTS, TrainingSlots, slot_count, training_slot, training_slots


@pytest.mark.parametrize(
    ("setting", "expected"),
    [(None, DEFAULT_SLOTS), ("", DEFAULT_SLOTS), ("3", 3), ("0", 1), ("-2", 1), ("two", DEFAULT_SLOTS)],
)
def test_slot_count_reads_the_environment_setting(setting, expected):
    assert slot_count(setting) == expected


def test_slots_are_bounded():
    slots = TrainingSlots(2)
    assert slots.acquire(timeout=0) and slots.acquire(timeout=0)
    assert not slots.acquire(timeout=0)
    slots.release()
    assert slots.acquire(timeout=0)
    slots.release()
    slots.release()
    with pytest.raises(ValueError):  # a release without an acquire is a bug, not a silent extra slot
        slots.release()


def test_training_waits_for_a_slot_and_always_gives_it_back():
    slots = training_slots()  # the server-wide object (outside a server: one per process)
    held = [slots.acquire(timeout=0) for _ in range(slots.size)]
    assert all(held)
    entered = threading.Event()

    def learner():
        with training_slot():
            entered.set()
            raise RuntimeError("training failed")  # the slot must come back all the same

    errors = []
    thread = threading.Thread(target=lambda: _capture(learner, errors))
    thread.start()
    assert not entered.wait(1.0), "trained although every slot was taken"
    slots.release()  # one slot frees up: the waiting learner goes ahead
    thread.join(timeout=30)
    assert entered.is_set() and errors == ["training failed"]
    for _ in range(slots.size):  # every slot is free again
        assert slots.acquire(timeout=0)
    for _ in range(slots.size):
        slots.release()


def _capture(function, errors):
    try:
        function()
    except RuntimeError as error:
        errors.append(str(error))
