"""The payment account's columns in the household ledger (账户类型, 开户银行, 户名, 账号).

Registered in `SubsidiesConfig.ready()` through `tasks.ledger.importing.extra`. The rules are
`payment_account_set`'s, for the whole file at once: the number checked by
`validators.validate_account_number` (length, Luhn where it applies). The export masks the
number unless the user may see full numbers; a masked number that is the household's own
reads back as unchanged. All four cells blank leave the account as it is; 户名 left blank is
the head of the household.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from subsidies.payments.models import AccountKind, PaymentAccount
from subsidies.payments.validators import mask_account_number, validate_account_number
from tasks.ledger.importing.columns import HEADER
from tasks.ledger.importing.extra import ExtraColumns, ExtraRow, extra_column
from tasks.ledger.importing.plan import RowError
from tasks.ledger.importing.text import clean_text, key_text
from tasks.models import Household

KIND, BANK, HOLDER, NUMBER = "account_kind", "account_bank", "account_holder", "account_number"
KIND_BY_LABEL = {"一卡通": AccountKind.ONE_CARD.value, "银行卡": AccountKind.BANK.value}
KIND_BY_LABEL.update({key_text(label): value for value, label in AccountKind.choices})
LABEL = {AccountKind.ONE_CARD.value: "一卡通", AccountKind.BANK.value: "银行账户"}
LIMITS = {BANK: 60, HOLDER: 40}


def export(household_ids: list[int], full: bool) -> dict[int, dict[str, Any]]:
    """Each household's account (one query), the number masked unless `full`."""
    rows = PaymentAccount.objects.filter(household_id__in=household_ids).values_list(
        "household_id", "kind", "bank", "holder", "number"
    )
    return {
        pk: {
            KIND: LABEL.get(kind, kind),
            BANK: bank,
            HOLDER: holder,
            NUMBER: number if full else mask_account_number(number),
        }
        for pk, kind, bank, holder, number in rows
    }


@dataclass
class AccountChanges:
    #: ID number -> (kind, bank, holder, number) of each account to create or change.
    accounts: dict[str, tuple[str, str, str, str]] = field(default_factory=dict)


def check(rows: list[ExtraRow], programme: Any) -> tuple[list[RowError], AccountChanges]:
    """Every row's account against its rules and the stored one (one query for the file)."""
    errors: list[RowError] = []
    changes = AccountChanges()
    given = [r for r in rows if any(r.values.get(k) for k in (KIND, BANK, HOLDER, NUMBER))]
    if not given:
        return errors, changes
    stored = {
        a[0]: a[1:]
        for a in PaymentAccount.objects.filter(
            household__programme=programme,
            household__id_number__in={r.id_number for r in given},
        ).values_list("household__id_number", "kind", "bank", "holder", "number")
    }
    for row in given:
        wanted, problems = _row_account(row, stored.get(row.id_number))
        errors.extend(RowError(row.excel_row, HEADER[k], m) for k, m in problems)
        if not problems and wanted != stored.get(row.id_number):
            changes.accounts[row.id_number] = wanted
    return errors, changes


def _row_account(row: ExtraRow, own: tuple | None) -> tuple[tuple, list[tuple[str, str]]]:
    """(kind, bank, holder, number) the row asks for, and its (column key, message) problems."""
    v, problems = row.values, []
    kind = KIND_BY_LABEL.get(key_text(v.get(KIND) or ""))
    if kind is None:
        problems.append((KIND, _("账户类型应为：一卡通、银行账户。")))
    texts = {}
    for key in (BANK, HOLDER):
        text = " ".join(str(v.get(key) or "").split()) or (row.head_name if key == HOLDER else "")
        if not text:
            problems.append((key, _("“%(f)s”不能为空。") % {"f": HEADER[key]}))
        elif len(text) > LIMITS[key]:
            message = _("“%(f)s”最多 %(n)s 个字。") % {"f": HEADER[key], "n": LIMITS[key]}
            problems.append((key, message))
        texts[key] = text
    raw = v.get(NUMBER)
    number = ""
    if isinstance(raw, str) and "*" in raw:
        if own is None or mask_account_number(own[3]) != raw.strip():
            problems.append((NUMBER, _("账号已打码，且不是该户已登记账号的打码：请填写完整账号。")))
        else:
            number = own[3]
    elif kind is not None:
        try:
            number = validate_account_number(kind, raw, HEADER[NUMBER])
        except ValidationError as exc:
            problems.extend((NUMBER, m) for m in exc.messages)
    return (kind, texts.get(BANK), texts.get(HOLDER), number), problems


def write(changes: AccountChanges, programme: Any, by: Any) -> None:
    """Inside the import's transaction, in bulk, one history row per account written."""
    from simple_history.utils import bulk_create_with_history, bulk_update_with_history

    if not changes.accounts:
        return
    household_of = dict(
        Household.objects.filter(programme=programme, id_number__in=changes.accounts).values_list(
            "id_number", "pk"
        )
    )
    existing = {
        a.household_id: a
        for a in PaymentAccount.objects.filter(household_id__in=household_of.values())
    }
    new, changed = [], []
    for id_number, (kind, bank, holder, number) in changes.accounts.items():
        pk = household_of[id_number]
        account = existing.get(pk) or PaymentAccount(household_id=pk)
        account.kind, account.bank, account.holder, account.number = kind, bank, holder, number
        account.updated_by = by
        (changed if account.pk else new).append(account)
    if changed:
        fields = ["kind", "bank", "holder", "number", "updated_by", "updated_at"]
        bulk_update_with_history(changed, PaymentAccount, fields, default_user=by)
    if new:
        bulk_create_with_history(new, PaymentAccount, default_user=by)


def describe(changes: AccountChanges) -> str | None:
    if not changes.accounts:
        return None
    return _("收款账户：登记或修改 %(n)d 户。") % {"n": len(changes.accounts)}


ACCOUNT_COLUMNS = ExtraColumns(
    name="payment_accounts",
    columns=(
        extra_column(KIND, "账户类型", clean_text, width=12),
        extra_column(BANK, "开户银行", clean_text, width=20),
        extra_column(HOLDER, "户名", clean_text, width=10),
        extra_column(NUMBER, "账号", lambda value: value, width=24, kind="text"),
    ),
    export=export,
    check=check,
    write=write,
    describe=describe,
    rules=(
        gettext_lazy(
            "账户类型、开户银行、户名、账号：补贴的收款账户。账户类型填“一卡通”（惠民惠农"
            "财政补贴资金一卡通）或“银行账户”；账号只填数字，一卡通为 16 至 19 位并核对校验位；"
            "户名留空时为户主。四列都留空不会修改已登记的账户；导出的打码账号原样导回不作修改。"
        ),
    ),
)
