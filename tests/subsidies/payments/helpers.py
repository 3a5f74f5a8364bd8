"""Helpers of the payments tests: valid card numbers, a batch with accounts."""

from subsidies import services
from subsidies.payments.services import payment_account_set
from subsidies.payments.validators import luhn_ok


def with_luhn(body: str) -> str:
    """`body` plus the Luhn check digit that makes it valid."""
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError(body)


def card(n: int) -> str:
    """A valid 19-digit one-card number, distinct for each n."""
    return with_luhn(f"621700{n:012d}")


def give_account(household, official, n: int, kind: str = "one_card"):
    number = card(n) if kind == "one_card" else f"3703020{n:09d}"
    return payment_account_set(
        household=household,
        kind=kind,
        bank="淄川农商银行",
        holder=household.head_name,
        number=number,
        by=official,
    )


def approved_batch(programme, towns, finance, finance2, season="2021-2022"):
    batch = services.batch_prepare(programme=programme, season=season, towns=towns, by=finance)
    return services.batch_approve(batch=batch, by=finance2)
