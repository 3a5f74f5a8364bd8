"""The scripts: each parses, scripts/stack refuses without its services, and a real start of the
whole stack serves the login page, has a worker that answers a ping and exactly one beat, and
leaves nothing running after a Ctrl-C."""

import hashlib
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SCRIPTS = sorted(p for p in (ROOT / "scripts").iterdir() if p.is_file())
#: The server the stack test makes its own database on, and the Redis database it may flush.
POSTGRES_URL = os.environ.get(
    "ZH_STACK_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("ZH_STACK_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
#: Variables of this test run that must not reach the stack (it reads its own settings).
NOT_PASSED_ON = {"DJANGO_SETTINGS_MODULE", "ZH_TEST_DATABASE_NAME", "DATABASE_URL", "REDIS_URL"}


def venv_is_current() -> bool:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return (ROOT / ".venv" / f".installed-{digest}").exists()


#: Before any fixture runs: a skipped stack test makes (and drops) no database.
needs_current_venv = pytest.mark.skipif(
    not venv_is_current(), reason="the project's .venv is not installed for this pyproject.toml"
)


def stack_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
    env.update(ZH_SKIP_SYSTEM_PACKAGES="1", **extra)
    return env


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_every_script_parses(script):
    subprocess.run(["bash", "-n", str(script)], check=True)


def test_a_quiet_step_shows_its_output_only_when_it_fails(tmp_path):
    script = (
        f"source {ROOT / 'scripts' / 'lib.sh'}; "
        'quietly fine bash -c "echo pip noise"; log "next step"; '
        'quietly broken bash -c "echo first; echo the reason >&2; exit 3"; echo not reached'
    )
    result = subprocess.run(
        ["bash", "-c", script],
        env=stack_env(ZH_VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stdout == "==> next step\n"
    assert "the reason" in result.stderr
    assert f"whole output in {tmp_path}/log/broken.log" in result.stderr
    assert (tmp_path / "log" / "fine.log").read_text() == "pip noise\n"


def test_the_stack_refuses_without_its_services_before_installing_anything(tmp_path):
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "stack")],
        env=stack_env(ZH_VAR_DIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "scripts/stack needs DATABASE_URL REDIS_URL in the environment" in result.stderr
    assert "scripts/run needs neither" in result.stderr
    assert not (tmp_path / "log").exists()


@needs_current_venv
def test_the_stack_refuses_an_unreachable_database(tmp_path):
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "stack")],
        env=stack_env(
            ZH_VAR_DIR=str(tmp_path),
            DATABASE_URL="postgres://postgres@127.0.0.1:1/nowhere",
            REDIS_URL=REDIS_URL,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "PostgreSQL at DATABASE_URL does not answer" in result.stderr
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in result.stderr
    assert "==> installing Python packages" not in result.stdout


def processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{proc.name}: {cmdline}")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_of(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


@pytest.fixture
def fresh_database():
    """A database of the stack's own: a copy of the suite's template where that server has one
    for this code (`tests.template_db`: migrated from zero when it was made, with nothing of any
    test in it), so the stack's migrate step runs and finds nothing to apply instead of spending
    some 20 s of CPU on what the template already proved; otherwise an empty one."""
    psycopg = pytest.importorskip("psycopg")
    from tests import template_db

    name = f"zh_stack_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        admin = psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3)
    except psycopg.Error:
        pytest.skip("PostgreSQL is not reachable")
    with admin:
        template_db.create_database(admin.cursor(), name)
        try:
            yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def spare_redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.RedisError:
        pytest.skip("Redis is not reachable")
    yield REDIS_URL
    client.flushdb()


def wait_for(what: str, check, stack: subprocess.Popen, output: Path, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stack.poll() is not None:
            pytest.fail(f"scripts/stack ended before {what}:\n{output.read_text()}")
        if result := check():
            return result
        time.sleep(0.5)
    pytest.fail(f"no {what} within {seconds} s:\n{output.read_text()}")


@pytest.mark.worker
@needs_current_venv
def test_the_stack_serves_runs_a_worker_and_one_beat_and_stops_on_ctrl_c(
    tmp_path, fresh_database, spare_redis
):
    from celery import Celery

    var, port, output = tmp_path / "var", free_port(), tmp_path / "stack.out"
    env = stack_env(
        DATABASE_URL=fresh_database,
        REDIS_URL=spare_redis,
        PORT=str(port),
        ZH_VAR_DIR=str(var),
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
    )
    # --no-demo: the demo's size is the demo's business; this test is about the processes.
    with output.open("w") as out:
        stack = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "stack"), "--no-demo"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            # As from a terminal: SIGINT at its default, whatever this test process inherited
            # (a non-interactive bash cannot trap a signal ignored on entry).
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
    try:
        url = f"http://127.0.0.1:{port}"
        # Migrations on an empty PostgreSQL database (no template) take most of this on a busy
        # machine.
        wait_for("login page", lambda: status_of(f"{url}/login/") == 200, stack, output, 150)
        assert status_of(f"{url}/static/css/app.css") == 200  # whitenoise, DEBUG off
        # Each of the two web workers warmed up (gunicorn.conf.py's post_worker_init) before
        # it took a request, and every template compiled.
        web_log = var / "log" / "web.log"
        wait_for(
            "both web workers warmed up",
            lambda: web_log.read_text().count("worker warmed up:") == 2,
            stack,
            output,
            30,
        )
        warmed = web_log.read_text()
        assert warmed.count("templates in") == warmed.count("(0 failed)") == 2
        assert "does not compile" not in warmed
        celery = Celery(broker=spare_redis, set_as_current=False)
        replies = wait_for("worker ping", lambda: celery.control.ping(timeout=1), stack, output, 30)
        assert [list(r.values()) for r in replies] == [[{"ok": "pong"}]]

        printed = output.read_text()
        for step in ("==> migrating", "==> collecting static files", "==> starting"):
            assert step in printed
        pids = {
            m[1]: int(m[2])
            for m in re.finditer(r"^\s+(web|worker|beat)\s+pid (\d+)", printed, re.M)
        }
        assert set(pids) == {"web", "worker", "beat"}
        assert f"log {var}/log/web.log" in printed
        # Quiet: up to the processes, one "==>" line per step and nothing of the tools' output.
        steps = printed.split("==> starting")[0].splitlines()
        assert [line for line in steps if not line.startswith("==> ")] == []
        beats = [p for p in processes_mentioning(str(var)) if " beat " in p]
        assert len(beats) == 1, beats
        assert (var / "celerybeat-schedule").exists() or list(var.glob("celerybeat-schedule*"))

        # Ctrl-C in a terminal signals the whole foreground process group, not bash alone (bash
        # drops a SIGINT that arrives while a foreground child such as `sleep` runs and that
        # child exits normally, so signalling bash alone could be lost).
        os.killpg(stack.pid, signal.SIGINT)
        assert stack.wait(timeout=45) == 130
        assert processes_mentioning(str(var)) == []
        assert list((var / "run").iterdir()) == []  # every pidfile removed
        assert status_of(f"{url}/login/") is None
        assert "==> stopped" in output.read_text()
    finally:
        if stack.poll() is None:
            os.killpg(stack.pid, signal.SIGKILL)
        for line in processes_mentioning(str(var)):
            os.kill(int(line.split(":")[0]), signal.SIGKILL)
