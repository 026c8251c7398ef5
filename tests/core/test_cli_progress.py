"""The command-line progress bar: redrawn in place on a terminal (throttled), a line per tenth
of the work anywhere else."""

from __future__ import annotations

import io

from xpsfit.cli.progress import REDRAW_INTERVAL, ProgressBar


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_log_gets_one_plain_line_per_tenth() -> None:
    log = io.StringIO()
    bar = ProgressBar("spectra", stream=log)
    for done in range(1, 118):
        bar(done, 117)
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue()
    # the first item (the total is known from the start), then each tenth
    assert len(lines) == 11
    assert lines[0].endswith(" 1/117 spectra")
    assert lines[1].endswith(" 12/117 spectra")
    assert lines[-1] == f"[{'#' * 30}] 117/117 spectra"


def test_a_terminal_is_redrawn_in_place_at_most_ten_times_a_second() -> None:
    tty, clock = _Terminal(), _Clock()
    bar = ProgressBar("spectra", rate=True, stream=tty, clock=clock)
    for done in range(1, 1001):
        clock.now = done * 0.001  # 1,000 spectra in 1 s
        bar(done, 1000)
    out = tty.getvalue()
    draws = out.split("\r")[1:]
    # the first call and then one redraw per REDRAW_INTERVAL, the last always drawn
    assert len(draws) <= 1 / REDRAW_INTERVAL + 2
    assert draws[-1] == f"[{'#' * 30}] 1000/1000 spectra, 1000.0/s\n"
    assert out.count("\n") == 1
