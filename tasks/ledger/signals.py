"""Signals other modules hook into when a household's standing changes.

Sent by services after their transaction commits the change (inside the same transaction,
so a receiver's writes commit or roll back with it). Receivers take keyword arguments.
"""

from django.dispatch import Signal

#: household, by (user or None): commissioning passed, the household is now accepted.
household_accepted = Signal()
#: household, by, reason: the district office revoked an acceptance; unpaid subsidies stop.
household_acceptance_revoked = Signal()
#: household, by, reason: the household left the programme; unpaid subsidies stop.
household_withdrawn = Signal()
