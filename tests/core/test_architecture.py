"""The house rules a newcomer relies on, checked: module and function sizes, no import cycle at
module level, and every declared runtime dependency used by the project's code."""

import ast
import re
import tomllib
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("zichuan_heating", "tasks", "acceptance", "subsidies", "visits")
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80


def app_modules() -> dict[str, Path]:
    modules = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def test_no_module_is_longer_than_five_hundred_lines():
    long = {
        name: n
        for name, path in app_modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_is_longer_than_eighty_lines():
    long = []
    for name, path in app_modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines}")
    assert long == []


def module_level_imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Project modules imported at module level (imports inside functions do not count)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = {f"{base}.{alias.name}" for alias in node.names} & known
            # `from package import submodule` imports the submodule, not the package's body.
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(base)
    return {m for m in found if m in known and m != name}


def test_no_import_cycle_at_module_level():
    modules = app_modules()
    graph = {name: module_level_imports(name, path, set(modules)) for name, path in modules.items()}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*trail[trail.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(graph):
        if start not in state:
            visit(start, [start])
    assert cycles == []


#: Distribution name -> what the project's code uses of it (a module or a settings string).
USED_AS = {
    "Django": "django",
    "django-import-export": "import_export",
    "python-calamine": "python_calamine",
    "XlsxWriter": "xlsxwriter",
    "defusedxml": "defusedxml",
    "weasyprint": "weasyprint",
    "psycopg": "psycopg",
    "dj-database-url": "dj_database_url",
    "celery": "celery",
    "django-filter": "django_filters",
    "django-simple-history": "simple_history",
    "python-stdnum": "stdnum",
    "whitenoise": "whitenoise",
    "django-axes": "axes",
    "django-otp": "django_otp",
    "qrcode": "qrcode",
    "django-csp": "csp",
    "gunicorn": "gunicorn",
    "msoffcrypto-tool": "msoffcrypto",
    "djangorestframework": "rest_framework",
    "drf-spectacular": "drf_spectacular",
}


def test_every_declared_runtime_dependency_is_used_by_the_project():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    names = [re.split(r"[\[<>=!~ ]", spec, maxsplit=1)[0] for spec in declared]
    code = "\n".join(p.read_text(encoding="utf-8") for p in app_modules().values())
    unused = []
    for dist in names:
        module = USED_AS.get(dist)
        assert module, f"{dist}: say in USED_AS what the project uses of it"
        pattern = rf"^\s*(from|import) {module}\b|[\"']{module}[.\"']"
        if not re.search(pattern, code, re.M):
            unused.append(dist)
    assert unused == []
