"""factory_boy factories shared by every test folder."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from bench.generate import iter_unique_id_numbers
from tasks.models import (
    Contractor,
    ContractorKind,
    EquipmentModel,
    Household,
    HouseholdStatus,
    PlanStatus,
    Programme,
    Quota,
    Route,
    Town,
    TownKind,
    TownPlan,
    Village,
)
from zichuan_heating.models import User
from zichuan_heating.roles import Role


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("year",)

    year = 2021
    name = factory.LazyAttribute(lambda o: f"淄川区{o.year}年冬季清洁取暖")
    plan_due = factory.LazyAttribute(lambda o: datetime.date(o.year, 6, 15))
    construction_due = factory.LazyAttribute(lambda o: datetime.date(o.year, 8, 30))
    acceptance_due = factory.LazyAttribute(lambda o: datetime.date(o.year, 9, 30))
    first_heating_season = factory.SelfAttribute("year")
    operating_seasons = 6
    is_active = True


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"town{n}")
    name = factory.Sequence(lambda n: f"测试{n}镇")
    kind = TownKind.TOWN
    order = factory.Sequence(lambda n: n)


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        django_get_or_create = ("town", "name")

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"第{n}村")


class QuotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Quota
        django_get_or_create = ("programme", "town")

    programme = factory.SubFactory(ProgrammeFactory)
    town = factory.SubFactory(TownFactory)
    households = 100


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@zichuan.local")
    password = factory.django.Password("pw-for-tests-1")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=str(Role(extracted))))


class ContractorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contractor
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"淄川燃气公司{n}")
    kind = ContractorKind.GAS


class EquipmentModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EquipmentModel
        django_get_or_create = ("brand", "model")

    brand = "示例品牌"
    model = factory.Sequence(lambda n: f"L1PB{n}")
    kind = "燃气壁挂炉"
    route = Route.GAS
    price_cap = Decimal("4200.00")


_ids = iter_unique_id_numbers(200_000, seed=42)  # drawn lazily: a list took 1.6 s per process


class ApprovedPlanFactory(factory.django.DjangoModelFactory):
    """A town's implementation plan in force (已核准): what starting construction needs."""

    class Meta:
        model = TownPlan

    status = PlanStatus.APPROVED
    approved_at = factory.LazyFunction(timezone.now)


class HouseholdFactory(factory.django.DjangoModelFactory):
    """A gas household in town_a's first village unless told otherwise; IDs are valid."""

    class Meta:
        model = Household

    programme = factory.SubFactory(ProgrammeFactory)
    town = factory.SubFactory(TownFactory)
    village = factory.LazyAttribute(lambda o: VillageFactory(town=o.town, name="东村"))
    head_name = factory.Sequence(lambda n: f"王{n}")
    id_number = factory.LazyFunction(lambda: next(_ids))
    phone = "13905331234"
    address = "东村1号"
    size = 3
    route = Route.GAS
    status = HouseholdStatus.SURVEYED
