"""factory_boy factories shared by every test folder."""

import datetime

import factory
from django.contrib.auth.models import Group

from tasks.models import Programme, Quota, Town, TownKind, Village
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
