"""Business actions of payments: set a household's payment account, set the fund shares of a
standard version, set a source's budget for a season. Keyword-only, `by=` the acting user,
one transaction, history kept (django-simple-history rows with `by` as the history user)."""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from subsidies.models import SubsidyStandard
from subsidies.payments.models import (
    AccountKind,
    FundBudget,
    FundShare,
    FundSource,
    PaymentAccount,
)
from subsidies.payments.validators import validate_account_number
from subsidies.services.common import require_perm
from tasks.models import Household, Programme
from zichuan_heating.scoping import sees_all_towns

HUNDRED = Decimal("100")


def _clean_text(value: str, label: str, max_length: int) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        raise ValidationError(_("“%(f)s”不能为空。") % {"f": label})
    if len(text) > max_length:
        raise ValidationError(_("“%(f)s”最多 %(n)s 个字。") % {"f": label, "n": max_length})
    return text


@transaction.atomic
def payment_account_set(
    *, household: Household, kind: str, bank: str, holder: str, number: str, by: Any
) -> PaymentAccount:
    """Create or change the household's payment account (a town official of its town)."""
    require_perm(by, "subsidies.change_paymentaccount")
    if not sees_all_towns(by) and by.town_id != household.town_id:
        raise PermissionDenied(_("只能修改本镇（街道）改造户的收款账户。"))
    if kind not in AccountKind.values:
        raise ValidationError(_("“账户类型”无效。"))
    errors = []
    values: dict[str, str] = {}
    for field, label, value, n in (
        ("bank", _("开户银行"), bank, 60),
        ("holder", _("户名"), holder, 40),
    ):
        try:
            values[field] = _clean_text(value, label, n)
        except ValidationError as exc:
            errors.extend(exc.messages)
    try:
        values["number"] = validate_account_number(kind, number, _("账号"))
    except ValidationError as exc:
        errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    Household.objects.filter(pk=household.pk).locked().values_list("id", flat=True).get()
    account = PaymentAccount.objects.filter(household=household).first()
    if account is None:
        account = PaymentAccount(household=household)
    elif (account.kind, account.bank, account.holder, account.number) == (
        kind,
        values["bank"],
        values["holder"],
        values["number"],
    ):
        return account  # nothing changed: no history row
    account.kind = kind
    account.bank = values["bank"]
    account.holder = values["holder"]
    account.number = values["number"]
    account.updated_by = by
    account._history_user = by
    account.save()
    return account


@transaction.atomic
def payment_accounts_register(
    *, accounts: list[tuple[Household, str, str, str, str]], by: Any
) -> int:
    """Register many households' first accounts at once (household, kind, bank, holder,
    number), as a town does from its list: every row checked first, all or nothing, one
    history row per account. Households that already have an account are left as they are
    (change those one by one). Returns how many were created."""
    from simple_history.utils import bulk_create_with_history

    require_perm(by, "subsidies.change_paymentaccount")
    errors: list[str] = []
    rows = []
    for n, (household, kind, bank, holder, number) in enumerate(accounts, start=1):
        if not sees_all_towns(by) and by.town_id != household.town_id:
            raise PermissionDenied(_("只能修改本镇（街道）改造户的收款账户。"))
        try:
            if kind not in AccountKind.values:
                raise ValidationError(_("“账户类型”无效。"))
            rows.append(
                PaymentAccount(
                    household=household,
                    kind=kind,
                    bank=_clean_text(bank, _("开户银行"), 60),
                    holder=_clean_text(holder, _("户名"), 40),
                    number=validate_account_number(kind, number, _("账号")),
                    updated_by=by,
                )
            )
        except ValidationError as exc:
            errors.extend(_("第 %(n)s 户：%(m)s") % {"n": n, "m": m} for m in exc.messages)
    if errors:
        raise ValidationError(errors)
    ids = [row.household_id for row in rows]
    list(Household.objects.filter(pk__in=ids).locked().values_list("id", flat=True))
    have = set(
        PaymentAccount.objects.filter(household_id__in=ids).values_list("household_id", flat=True)
    )
    new = [row for row in rows if row.household_id not in have]
    bulk_create_with_history(new, PaymentAccount, batch_size=1000, default_user=by)
    return len(new)


@transaction.atomic
def fund_shares_set(
    *, standard: SubsidyStandard, shares: dict[str, Decimal], by: Any
) -> list[FundShare]:
    """Set the sources' shares (percent) of a standard version; they must sum to 100 %."""
    require_perm(by, "subsidies.manage_funds")
    clean: dict[str, Decimal] = {}
    for source, value in shares.items():
        if source not in FundSource.values:
            raise ValidationError(_("资金来源“%(s)s”无效。") % {"s": source})
        percent = Decimal(value or 0)
        if percent < 0 or percent > HUNDRED or percent != percent.quantize(Decimal("0.01")):
            raise ValidationError(
                _("“%(s)s”的比例应在 0 至 100 之间，最多两位小数。")
                % {"s": FundSource(source).label}
            )
        if percent:
            clean[source] = percent
    total = sum(clean.values(), Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            _("各资金来源比例之和应为 100%%，现为 %(t)s%%。") % {"t": f"{total:g}"}
        )
    SubsidyStandard.objects.select_for_update().get(pk=standard.pk)
    existing = {s.source: s for s in FundShare.objects.filter(standard=standard)}
    for source, share in existing.items():
        if source not in clean:
            share._history_user = by
            share.delete()
    out = []
    for source in FundSource.values:
        if source not in clean:
            continue
        share = existing.get(source) or FundShare(standard=standard, source=source)
        if share.pk is None or share.percent != clean[source]:
            share.percent = clean[source]
            share._history_user = by
            share.save()
        out.append(share)
    return out


@transaction.atomic
def fund_budget_set(
    *, programme: Programme, season: str, source: str, amount: Decimal, by: Any
) -> FundBudget:
    """Set one source's budget for one heating season (finance)."""
    require_perm(by, "subsidies.manage_funds")
    if season not in ["", *programme.heating_seasons()]:
        raise ValidationError(_("采暖季 %(s)s 不在本年度补贴期内。") % {"s": season})
    if source not in FundSource.values:
        raise ValidationError(_("资金来源“%(s)s”无效。") % {"s": source})
    amount = Decimal(amount)
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_("“预算金额”应为不小于 0 的金额，精确到分。"))
    budget = (
        FundBudget.objects.select_for_update()
        .filter(programme=programme, season=season, source=source)
        .first()
    )
    if budget is None:
        budget = FundBudget(programme=programme, season=season, source=source, amount=amount)
    elif budget.amount == amount:
        return budget
    budget.amount = amount
    budget.updated_by = by
    budget._history_user = by
    budget.save()
    return budget
