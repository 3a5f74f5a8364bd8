"""django-import-export resource for the household ledger, on the import's column table.

Its headers and field list come from `tasks.ledger.importing.columns` (as the template's and
the export's do), so the three cannot drift apart; the columns other apps register
(`importing.extra`: meter, payment account) are not in it. Its own row-by-row `import_data`
works and is what the admin would use, but the browser, the CLI and the job import through
`tasks.ledger.importing`, which validates every row first and writes in bulk: measured on the
same file, the resource path is far slower (see `bench/ledger_import.py --resource N`).
"""

from import_export import fields, resources, widgets

from tasks.ledger.importing import LABEL_BY_ROUTE, ROUTE_BY_LABEL, key_text
from tasks.ledger.importing.columns import CORE_COLUMNS
from tasks.ledger.importing.columns import HEADER as H
from tasks.models import Contractor, EquipmentModel, Household, Programme, Town, Village
from tasks.models.ledger import HOUSEHOLD_FLOW


class RouteWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        route = ROUTE_BY_LABEL.get(key_text(value))
        if route is None:
            raise ValueError("改造方式应为：集中供暖、气代煤、电代煤。")
        return route

    def render(self, value, obj=None, **kwargs):
        return LABEL_BY_ROUTE.get(value, "")


class VillageWidget(widgets.ForeignKeyWidget):
    """A village is named within its town: look it up with the row's town."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        return Village.objects.get(town__name=key_text(row[H["town"]]), name=key_text(value))


class EquipmentWidget(widgets.ForeignKeyWidget):
    """Brand and model together name a catalogue entry."""

    def clean(self, value, row=None, **kwargs):
        if not value:
            return None
        return EquipmentModel.objects.get(brand=key_text(row[H["brand"]]), model=key_text(value))


class HouseholdResource(resources.ModelResource):
    town = fields.Field("town", H["town"], widgets.ForeignKeyWidget(Town, "name"))
    village = fields.Field("village", H["village"], VillageWidget(Village, "name"))
    head_name = fields.Field("head_name", H["head_name"])
    id_number = fields.Field("id_number", H["id_number"])
    phone = fields.Field("phone", H["phone"])
    address = fields.Field("address", H["address"])
    size = fields.Field("size", H["size"], widgets.IntegerWidget())
    route = fields.Field("route", H["route"], RouteWidget())
    brand = fields.Field("equipment__brand", H["brand"], readonly=True)
    equipment = fields.Field("equipment", H["model"], EquipmentWidget(EquipmentModel, "model"))
    contractor = fields.Field(
        "contractor", H["contractor"], widgets.ForeignKeyWidget(Contractor, "name")
    )
    contract_signed_on = fields.Field(
        "contract_signed_on", H["signed_on"], widgets.DateWidget("%Y-%m-%d")
    )
    construction_started_on = fields.Field(
        "construction_started_on", H["started_on"], widgets.DateWidget("%Y-%m-%d")
    )
    construction_completed_on = fields.Field(
        "construction_completed_on", H["completed_on"], widgets.DateWidget("%Y-%m-%d")
    )
    notes = fields.Field("notes", H["notes"])
    ledger_no = fields.Field("id", H["ledger_no"], readonly=True)

    class Meta:
        model = Household
        import_id_fields = ("id_number",)
        fields = tuple(c.field for c in CORE_COLUMNS)
        skip_unchanged = True
        report_skipped = False

    def __init__(self, programme: Programme | None = None, **kwargs):
        super().__init__(**kwargs)
        self.programme = programme

    def get_queryset(self):
        qs = super().get_queryset()
        return qs.filter(programme=self.programme) if self.programme else qs

    def before_save_instance(self, instance, row, **kwargs):
        if self.programme is not None:
            instance.programme = self.programme
        if instance.contract_signed_on and HOUSEHOLD_FLOW.can(instance, "contract"):
            HOUSEHOLD_FLOW.apply(instance, "contract")
