"""Progress lines of a run: tiles finished of all, the rate of this run (tiles/s) and the ETA at that rate."""
import time


def duration(seconds):
    """'0.42 s', '3.1 min', '2.0 h' (as the TypeScript CLI prints durations)."""
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.1f} s"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Counts finished tiles; `line` says where the run stands. `total` counts every tile, `done` those found done."""

    def __init__(self, total, done, clock=time.monotonic):
        self.total = total
        self.finished = done
        self.ran = 0
        self.clock = clock
        self.started = clock()

    def tile_finished(self):
        self.finished += 1
        self.ran += 1

    def rate(self):
        """Tiles per second finished by this run (None before the first)."""
        elapsed = self.clock() - self.started
        return self.ran / elapsed if self.ran and elapsed > 0 else None

    def eta(self, left):
        """Seconds until `left` more tiles are finished at this run's rate (None when unknown)."""
        r = self.rate()
        return left / r if r else None

    def counter(self):
        width = len(str(self.total))
        return f"[{self.finished:>{width}}/{self.total}]"

    def line(self, left):
        """'1.3 tiles/s, ETA 4.20 s' (or 'ETA unknown' before a tile finished)."""
        r = self.rate()
        if r is None:
            return "ETA unknown"
        return f"{r:.3g} tiles/s, " + ("done" if left == 0 else f"ETA {duration(self.eta(left))}")
