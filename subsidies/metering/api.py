"""The utilities' REST endpoint: a gas or grid company's system submits season readings of
ITS meters, with the token of that utility (`Authorization: Token <key>`).

The same checks and all-or-nothing write as the file import (`importing.validate`,
`services.readings_commit`); a meter of another utility reads as unknown, so numbers do not
leak between companies. OpenAPI schema by drf-spectacular at /api/schema/.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from subsidies.metering.importing import validate
from subsidies.metering.models import (
    Meter,
    MeterReading,
    ReadingSource,
)
from subsidies.metering.services import readings_commit
from tasks.queries import active_programme

MAX_READINGS = 5000


def _season(value: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{4}", value) or int(value[5:]) != int(value[:4]) + 1:
        raise serializers.ValidationError(_("采暖季应写成 2026-2027 的形式。"))
    return value


class ReadingInSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=32, help_text="表号（户号）")
    id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="身份证号（可脱敏）"
    )
    start = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    end = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    usage = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    read_on = serializers.DateField()


class SubmissionSerializer(serializers.Serializer):
    season = serializers.CharField(max_length=9, validators=[_season])
    dry_run = serializers.BooleanField(required=False, default=False)
    readings = ReadingInSerializer(many=True, allow_empty=False, max_length=MAX_READINGS)


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True)
    column = serializers.CharField()
    message = serializers.CharField()


class OutcomeSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = RowErrorSerializer(many=True)


class ReadingSubmitView(APIView):
    """Submit one season's readings; row numbers in errors count from 1 in `readings`."""

    @extend_schema(
        request=SubmissionSerializer,
        responses={200: OutcomeSerializer, 400: OutcomeSerializer},
        summary="报送采暖季抄表数据",
    )
    def post(self, request: Any) -> Response:
        incoming = SubmissionSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        programme = active_programme()
        if programme is None:
            raise exceptions.NotFound(_("当前没有年度。"))
        recs = [
            {"row": n, "season": data["season"], **r} for n, r in enumerate(data["readings"], 1)
        ]
        plan = validate(
            recs, programme=programme, season=data["season"], utility=request.auth.utility
        )
        if data["dry_run"] or not plan.ok:
            payload = {**plan.counts(), "errors": [e.as_dict() for e in plan.errors]}
            code = status.HTTP_400_BAD_REQUEST if plan.errors else status.HTTP_200_OK
            return Response(payload, status=code)
        outcome = readings_commit(
            plan=plan,
            by=request.user,
            source=ReadingSource.API,
            file_name=f"api {timezone.now():%Y-%m-%d %H:%M}",
        )
        return Response(outcome.as_dict())


class MeterSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meter
        fields = ["number", "kind", "installed_on", "replaced_on"]


class MeterList(generics.ListAPIView):
    """The submitting utility's meters (numbers only: no names or ID numbers)."""

    serializer_class = MeterSerializer

    def get_queryset(self) -> Any:
        return Meter.objects.filter(utility=self.request.auth.utility).order_by("number", "id")


class ReadingOutSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="meter.number")

    class Meta:
        model = MeterReading
        fields = ["number", "season", "start", "end", "usage", "read_on"]


class ReadingList(generics.ListAPIView):
    """The readings of the submitting utility's meters, optionally of one season."""

    serializer_class = ReadingOutSerializer

    @extend_schema(parameters=[OpenApiParameter("season", str, description="采暖季，如 2026-2027")])
    def get(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        qs = MeterReading.objects.filter(meter__utility=self.request.auth.utility).select_related(
            "meter"
        )
        season = self.request.query_params.get("season", "")
        if season:
            qs = qs.filter(season=season[:9])
        return qs.order_by("season", "meter__number", "id")
