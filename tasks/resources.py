"""django-import-export resources for the catalogue: the municipal tender list of heating
equipment (keyed on brand + model) and the contractors (keyed on name).

Columns carry Chinese headers; route and kind accept either the code or the Chinese label, so
a spreadsheet typed by hand (气代煤, 燃气企业) loads as well as an exported one.
"""

import unicodedata
from typing import Any

from import_export import fields, resources, widgets

from tasks.models import Contractor, ContractorKind, EquipmentModel, Route
from tasks.validators import normalise_text


class ChoiceWidget(widgets.CharWidget):
    def __init__(self, choices: type, **kwargs: Any):
        super().__init__(**kwargs)
        self.choices = choices
        self.by_label = {str(label): value for value, label in choices.choices}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = normalise_text(value)
        if text in self.choices.values:
            return text
        if text in self.by_label:
            return self.by_label[text]
        allowed = "、".join(self.by_label)
        raise ValueError(f"“{text}”不是有效选项，应为：{allowed}")

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(dict(self.choices.choices).get(value, value or ""))


class TextWidget(widgets.CharWidget):
    """Trimmed, control characters dropped; full-width punctuation kept (names are keys, and
    NFKC would turn （示例数据） into (示例数据), a different key)."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if value is None:
            return ""
        text = str(value)
        return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip()


class CatalogueResource(resources.ModelResource):
    """A catalogue sheet: a blank flag cell means the flag's default, not "false"."""

    #: {column header: the value a blank cell stands for}
    blank_defaults = {"示例数据": "0"}

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for header, default in self.blank_defaults.items():
            if header in row and row[header] in (None, ""):
                row[header] = default


#: The tender list's columns, in order: the resource's fields and the admin's list.
EQUIPMENT_FIELDS = (
    "brand",
    "model",
    "kind",
    "route",
    "tender_batch",
    "price_cap",
    "is_active",
    "is_example",
)
CONTRACTOR_FIELDS = ("name", "kind", "contact_person", "contact_phone", "is_example")


class EquipmentModelResource(CatalogueResource):
    brand = fields.Field("brand", "品牌", widget=TextWidget())
    model = fields.Field("model", "型号", widget=TextWidget())
    kind = fields.Field("kind", "设备类型", widget=TextWidget())
    route = fields.Field("route", "技术路线", widget=ChoiceWidget(Route))
    tender_batch = fields.Field("tender_batch", "招标批次", widget=TextWidget())
    price_cap = fields.Field("price_cap", "限价（元）", widget=widgets.DecimalWidget())
    is_active = fields.Field("is_active", "在目录内", widget=widgets.BooleanWidget())
    is_example = fields.Field("is_example", "示例数据", widget=widgets.BooleanWidget())

    blank_defaults = {"在目录内": "1", "示例数据": "0"}

    class Meta(CatalogueResource.Meta):
        model = EquipmentModel
        import_id_fields = ("brand", "model")
        fields = EQUIPMENT_FIELDS


class ContractorResource(CatalogueResource):
    name = fields.Field("name", "名称", widget=TextWidget())
    kind = fields.Field("kind", "类型", widget=ChoiceWidget(ContractorKind))
    contact_person = fields.Field("contact_person", "联系人", widget=TextWidget())
    contact_phone = fields.Field("contact_phone", "联系电话", widget=TextWidget())
    is_example = fields.Field("is_example", "示例数据", widget=widgets.BooleanWidget())

    class Meta(CatalogueResource.Meta):
        model = Contractor
        import_id_fields = ("name",)
        fields = CONTRACTOR_FIELDS
