"""Deadlines and late work: what a student's deadline is, until when late work is taken, and what
it costs. Plain values, decided from the data the trusted side holds (the submission's own
creation time, the run's rules, the staff's extensions), never from anything the student sends.

A late policy either refuses work after the deadline, or takes it until a hard cut-off (hours
after the student's own deadline, so an extension moves both) and takes off a percentage of the
points for each hour or day begun after the deadline.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

REFUSE, PENALTY = "refuse", "penalty"
LATE_CHOICES = [(REFUSE, "refuse work after the deadline"),
                (PENALTY, "accept late work until a cut-off, with a penalty")]
HOUR, DAY = "hour", "day"
UNIT_CHOICES = [(HOUR, "per hour"), (DAY, "per day")]
UNIT_LENGTH = {HOUR: timedelta(hours=1), DAY: timedelta(days=1)}


def shown_time(moment: datetime) -> str:
    """A moment in the active time zone (the user's, see torchgrade.timezones), with its name."""
    return f"{timezone.localtime(moment):%a %d %b %Y, %H:%M %Z}"


@dataclass(frozen=True)
class LatePolicy:
    mode: str = REFUSE
    penalty_percent: float = 0.0  # taken off for each unit begun after the deadline
    unit: str = DAY
    cutoff_hours: int = 0  # after the deadline; no work at all after it

    def __post_init__(self):
        if self.mode not in (REFUSE, PENALTY):
            raise ValueError(f"a late policy is {REFUSE!r} or {PENALTY!r}, not {self.mode!r}")
        if self.unit not in UNIT_LENGTH:
            raise ValueError(f"a penalty is per {HOUR!r} or {DAY!r}, not {self.unit!r}")
        if not 0 <= self.penalty_percent <= 100:
            raise ValueError(f"a penalty is 0 to 100 percent, not {self.penalty_percent:g}")
        if self.cutoff_hours < 0:
            raise ValueError("the cut-off cannot come before the deadline")

    @property
    def accepts_late_work(self) -> bool:
        return self.mode == PENALTY and self.cutoff_hours > 0

    def penalty(self, late_by: timedelta) -> float:
        """The percentage of the points lost by work `late_by` after the deadline (0 when on time)."""
        if late_by <= timedelta(0):
            return 0.0
        units_begun = math.ceil(late_by / UNIT_LENGTH[self.unit])
        return min(100.0, units_begun * self.penalty_percent)

    def describe(self) -> str:
        if not self.accepts_late_work:
            return "No submission is accepted after the deadline."
        return (f"Late work is accepted for {self.cutoff_hours} hours after the deadline and loses "
                f"{self.penalty_percent:g}% of the points per {self.unit} (or part of one) late.")


@dataclass(frozen=True)
class Window:
    """When one student may hand in one exercise or quiz, and what lateness costs them."""

    due_at: datetime | None = None
    policy: LatePolicy = LatePolicy()
    extended: bool = False  # due_at comes from an extension granted to the student (or their group)

    def __post_init__(self):
        if self.due_at is not None and timezone.is_naive(self.due_at):
            raise ValueError("a deadline needs a time zone")

    @property
    def closes_at(self) -> datetime | None:
        """After this no work is taken: the deadline, or the late policy's cut-off."""
        if self.due_at is None or not self.policy.accepts_late_work:
            return self.due_at
        return self.due_at + timedelta(hours=self.policy.cutoff_hours)

    def refusal(self, now: datetime) -> str:
        """Why nothing may be handed in at `now` ("" when it may)."""
        closes_at = self.closes_at
        if closes_at is None or now <= closes_at:
            return ""
        if closes_at == self.due_at:
            return f"The deadline ({shown_time(self.due_at)}) has passed."
        return f"The deadline ({shown_time(self.due_at)}) and the cut-off for late work ({shown_time(closes_at)}) have passed."

    def penalty_at(self, handed_in: datetime) -> float:
        """The percentage lost by work handed in at `handed_in`."""
        if self.due_at is None:
            return 0.0
        return self.policy.penalty(handed_in - self.due_at)

    def is_late(self, moment: datetime) -> bool:
        return self.due_at is not None and moment > self.due_at


@dataclass(frozen=True)
class LateScore:
    """A score with its late penalty: what the student and the gradebook show."""

    raw: float
    penalty_percent: float

    @property
    def final(self) -> float:
        # Rounded past any precision a score has, so 6 less 20% is 4.8, not 4.800000000000001.
        return round(self.raw * (100 - self.penalty_percent) / 100, 9)
