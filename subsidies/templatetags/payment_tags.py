"""Template pieces of payments: a household's account, a masked account number."""

from django import template

from subsidies.payments import queries
from subsidies.payments.models import detail_number
from subsidies.payments.validators import mask_account_number

register = template.Library()


@register.simple_tag
def payment_account(household):
    """The household's payment account or None (the including page has scoped it)."""
    return queries.account_of(household)


register.filter("masked_account", mask_account_number)


@register.simple_tag
def detail_no(batch_id: int, household_id: int) -> str:
    """The 明细编号 the sheet and the bank's return use for this household in this batch."""
    return detail_number(batch_id, household_id)
