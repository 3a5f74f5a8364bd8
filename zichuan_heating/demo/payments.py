"""The demo's payment accounts and fund sources: every household its town registers gets a
one-card (a few a bank account instead), finance sets the fund shares of each standard and
the budgets of each season. Numbers derive from the household's ID number, so a run makes
the same accounts whatever the database's ids; nothing here draws from the demo's random
generator, so the other stages are unchanged."""

import time
from collections import defaultdict
from decimal import Decimal

from subsidies.models import SubsidyStandard
from subsidies.payments.models import AccountKind
from subsidies.payments.queries import budget_seasons
from subsidies.payments.services import (
    fund_budget_set,
    fund_shares_set,
    payment_accounts_register,
)
from subsidies.payments.validators import luhn_ok
from tasks.models import Household, Route
from zichuan_heating.demo.common import Cast, Progress

#: Who pays what (illustrative, labelled as such like the example standards): the central
#: and provincial funds carry most of the gas and electric retrofits, the city and district
#: the extension of the central heating network.
SHARES = {
    Route.GAS: {
        "central": Decimal(40),
        "provincial": Decimal(30),
        "municipal": Decimal(15),
        "district": Decimal(15),
    },
    Route.ELECTRIC: {
        "central": Decimal(40),
        "provincial": Decimal(30),
        "municipal": Decimal(15),
        "district": Decimal(15),
    },
    Route.CENTRAL: {"municipal": Decimal(50), "district": Decimal(50)},
}
#: Each season's budget per source (yuan); one-off items in the season "".
BUDGETS = {"": Decimal(6_000_000), "season": Decimal(600_000)}
BANKS = ("淄川农商银行", "中国农业银行淄川支行", "中国邮政储蓄银行淄川支行")
#: One household in this many is paid to a bank account instead of its one-card.
BANK_ACCOUNT_EVERY = 25


def _card(id_number: str) -> str:
    """A UnionPay 19-digit card number with its Luhn digit, derived from the ID number."""
    body = "621700" + id_number[6:17].replace("X", "0") + id_number[-2:-1].replace("X", "0")
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return body + digit
    raise AssertionError(body)


def accounts_register(cast: Cast, progress: Progress) -> None:
    """Each town's official registers the accounts of the town's households (ID order)."""
    started = time.process_time()
    households = Household.objects.filter(programme=cast.programme).order_by("id_number")
    by_town: dict[int, list] = defaultdict(list)
    for n, household in enumerate(households, start=1):
        idn = household.id_number
        if n % BANK_ACCOUNT_EVERY == 0:
            row = (AccountKind.BANK, BANKS[n % len(BANKS)], f"3703{idn[6:17].replace('X', '0')}")
        else:
            row = (AccountKind.ONE_CARD, BANKS[0], _card(idn))
        by_town[household.town_id].append((household, row[0], row[1], household.head_name, row[2]))
    n = 0
    for town in cast.towns:
        n += payment_accounts_register(
            accounts=by_town.get(town.pk, []), by=cast.officials[town.code]
        )
    seconds = time.process_time() - started
    progress(f"  payments: {n} payment accounts registered by the towns ({seconds:.1f} s CPU)")


def funds_set(cast: Cast, progress: Progress) -> None:
    """Finance sets the shares of every standard version and each season's budgets."""
    for standard in SubsidyStandard.objects.filter(programme=cast.programme).order_by("id"):
        fund_shares_set(standard=standard, shares=SHARES[standard.route], by=cast.finance)
    for season in budget_seasons(cast.programme):
        for source in ("central", "provincial", "municipal", "district"):
            amount = BUDGETS[""] if not season else BUDGETS["season"]
            fund_budget_set(
                programme=cast.programme,
                season=season,
                source=source,
                amount=amount,
                by=cast.finance,
            )
    progress("  payments: fund shares and budgets set by finance")
