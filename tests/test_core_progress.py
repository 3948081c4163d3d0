"""core.progress: the one protocol every trainer reports through."""

from core.progress import Progress, report, scaled


def test_report_calls_only_a_callback_that_exists():
    heard = []
    report(heard.append, 3, 10, 0.5, "history")
    report(None, 3, 10)  # nothing to tell, nothing raised
    assert heard == [Progress(3, 10, 0.5, "history")]
    assert heard[0].fraction == 0.3


def test_fraction_stays_between_0_and_1():
    assert [Progress(s, 4).fraction for s in (-1, 0, 2, 4, 9)] == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert Progress(0, 0).fraction == 1.0  # a run of no steps is done


def test_a_part_of_a_longer_job_counts_from_where_it_starts():
    heard = []
    second = scaled(heard.append, 20, 40)
    second(Progress(5, 20, 1.5))
    assert heard == [Progress(25, 40, 1.5)]
    assert scaled(None, 20, 40) is None
