"""收款账户与资金来源: each household's payment account, the fund sources' shares per
standard version and their budgets, and the trace of every yuan (standard → instalment →
batch → approvals → bank return).

Models live in `models.py` and are imported at the bottom of `subsidies/models.py`, so they
belong to the subsidies app (migrations in `subsidies/migrations`).
"""
