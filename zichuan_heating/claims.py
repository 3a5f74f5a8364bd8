"""A once-only act (a day's reminder, an escalation, the weekly report) is claimed by inserting
its row first: the model's unique constraint lets one run have it, so a rerun, a retry or a
second beat finds it taken and does nothing."""

from typing import Any

from django.db import IntegrityError, transaction


def claim(model: Any, **fields: Any) -> Any:
    """Insert the row that claims the act; None when another run holds it already. In its own
    savepoint, so a lost claim leaves the caller's transaction usable."""
    try:
        with transaction.atomic():
            return model.objects.create(**fields)
    except IntegrityError:
        return None
