"""Fixtures for the progress tests: households in bulk, a reports folder, a real SMTP server,
PDF tools."""

import datetime
import email
import socket
import subprocess
from email import policy

import pytest
from aiosmtpd.controller import Controller

from tasks.models import Household, HouseholdStatus, Quota, Village
from tests import factories


def add_households(programme, town, status: str, n: int, village: str = "东村") -> None:
    """n households of a town in one status, in one insert (IDs from the factories' pool)."""
    village_obj, _ = Village.objects.get_or_create(town=town, name=village)
    rows = []
    for i in range(n):
        id_number = next(factories._ids)
        rows.append(
            Household(
                programme=programme,
                town=town,
                village=village_obj,
                head_name=f"王{i}",
                id_number=id_number,
                id_tail=id_number[-6:],
                route="gas",
                status=status,
                withdrawal_reason="迁出" if status == HouseholdStatus.WITHDRAWN else "",
            )
        )
    Household.objects.bulk_create(rows)


@pytest.fixture
def reports_dir(settings, tmp_path):
    """Reports go to a fresh folder of the test's own."""
    settings.REPORTS_DIR = tmp_path / "reports"
    settings.REPORTS_DIR.mkdir()
    return settings.REPORTS_DIR


@pytest.fixture
def two_towns(programme, town_a, town_b):
    """Only 洪山镇 (quota 458) and 昆仑镇 (quota 500) keep their quota this year."""
    Quota.objects.filter(programme=programme).exclude(town__in=[town_a, town_b]).delete()
    return town_a, town_b


class Mailbox:
    """What the SMTP server received: (envelope recipients, parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((sorted(envelope.rcpt_tos), message))
        return "250 OK"

    @staticmethod
    def subject(message) -> str:
        # Long encoded subjects are folded; the parser keeps the fold's leading space.
        return str(message["Subject"]).strip()

    def subjects(self) -> list[str]:
        return [self.subject(m) for _, m in self.received]

    def body(self, message) -> str:
        part = message.get_body(preferencelist=("plain",))
        return part.get_content()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 with Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield mailbox
    controller.stop()


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_fonts(path) -> str:
    return subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout


def plan_line(plan, village: str, households: int, route: str = "gas"):
    """A line of `plan` for the town's village (made if missing)."""
    from tasks.models import TownPlanLine

    village_obj, _ = Village.objects.get_or_create(town=plan.town, name=village)
    return TownPlanLine.objects.create(
        plan=plan,
        village=village_obj,
        route=route,
        households=households,
        planned_start=datetime.date(2021, 6, 20),
        planned_finish=datetime.date(2021, 9, 30),
    )
