"""Template pieces of payments: a household's account, a masked account number."""

from django import template

from subsidies.payments import queries
from subsidies.payments.validators import mask_account_number

register = template.Library()


@register.simple_tag
def payment_account(household):
    """The household's payment account or None (the including page has scoped it)."""
    return queries.account_of(household)


register.filter("masked_account", mask_account_number)
