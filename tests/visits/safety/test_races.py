"""Races on PostgreSQL: a rectification submitted twice at once, and two people verifying the
same finding at once — one wins, the other is refused in Chinese, never a database error."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from visits.models import FindingState, HazardFinding
from visits.safety import services

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 6


def fire(calls) -> tuple[list, list]:
    barrier = threading.Barrier(len(calls))
    ok, refused, unexpected = [], [], []

    def run(call):
        try:
            barrier.wait()
            ok.append(call())
        except ValidationError as exc:
            refused.append(exc)
        except Exception as exc:  # pragma: no cover - surfaced below
            unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,), daemon=True) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert not unexpected, unexpected
    return ok, refused


@pytest.fixture(autouse=True)
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")


def test_a_rectification_submitted_many_times_at_once_is_recorded_once(
    inspection_a, official_a, today
):
    finding = inspection_a.findings.first()

    def rectify(n):
        return lambda: services.finding_rectify(
            finding=finding, rectified_on=today, rectification=f"第{n}次提交", by=official_a
        )

    ok, refused = fire([rectify(n) for n in range(THREADS)])
    assert len(ok) == 1 and len(refused) == THREADS - 1
    assert all("不能登记整改" in e.messages[0] for e in refused)
    finding.refresh_from_db()
    assert finding.state == FindingState.RECTIFIED
    assert finding.history.filter(history_change_reason="登记整改").count() == 1


def test_two_verifiers_at_once_one_wins(inspection_a, official_a, official_a2, district, today):
    finding = inspection_a.findings.first()
    services.finding_rectify(
        finding=finding, rectified_on=today, rectification="已整改。", by=official_a
    )
    ok, refused = fire(
        [
            lambda: services.finding_verify(finding=finding, by=district),
            lambda: services.finding_send_back(
                finding=finding, by=official_a2, comment="未整改到位"
            ),
        ]
    )
    assert len(ok) == 1 and len(refused) == 1
    finding = HazardFinding.objects.get(pk=finding.pk)
    assert finding.state in (FindingState.VERIFIED, FindingState.OPEN)
    moves = finding.history.filter(history_change_reason__in=["复核销号", "退回重新整改"])
    assert moves.count() == 1
