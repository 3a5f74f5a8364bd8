"""Tallies: the dashboard's counts kept as summary rows, exact at every commit.

The database maintains them, not Python: triggers on the households (and, installed by the
acceptance app, on its records) add each statement's deltas in the same transaction as the
write, whatever wrote it (a single save, `QuerySet.update`, `bulk_update`, the import's COPY).
The triggers are created by the migrations, from `tasks.progress.tally_sql`; a recount from
scratch must always give the same figures (tests/tasks/progress/test_tallies.py).

The columns are plain ids, not foreign keys: a tally row is a count, never a reference, and a
foreign-key check on every upsert would cost each write for nothing. A row whose count came back
to 0 stays (n = 0) and counts for nothing. There is no CHECK (n >= 0): PostgreSQL checks the
proposed row of an upsert (which carries the delta, possibly negative) before it finds the
conflict, so such a check would refuse every decrement; the recount test stands for it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class VillageTally(models.Model):
    """A count of households of a programme, town and village (plain ids, see above), kept
    per some more key column by triggers; the acceptance app's `ProgressTally` is one too."""

    programme_id = models.IntegerField()
    town_id = models.IntegerField()
    village_id = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        abstract = True


class HouseholdTally(VillageTally):
    """How many households of a programme, town and village have each status."""

    status = models.CharField(max_length=20)

    class Meta:
        verbose_name = _("改造户计数")
        verbose_name_plural = _("改造户计数")
        constraints = [
            models.UniqueConstraint(
                fields=["programme_id", "town_id", "village_id", "status"],
                name="household_tally_key",
            ),
        ]
        # The villages list reads one village's households across programmes and statuses.
        indexes = [models.Index(fields=["village_id"], name="household_tally_village")]

    def __str__(self) -> str:
        return f"{self.town_id}/{self.village_id} {self.status}: {self.n}"


class StageDayTally(models.Model):
    """How many households of a programme and town reached a stage on a day: contracted,
    started and built from the household's dates (while its status is at that stage or
    beyond), accepted and completion from its standing acceptance passes (filled by the
    acceptance app's triggers)."""

    programme_id = models.IntegerField()
    town_id = models.IntegerField()
    stage = models.CharField(max_length=20)
    day = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("进度日计数")
        verbose_name_plural = _("进度日计数")
        constraints = [
            models.UniqueConstraint(
                fields=["programme_id", "town_id", "stage", "day"], name="stage_day_tally_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.town_id} {self.stage} {self.day}: {self.n}"
