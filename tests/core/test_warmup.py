"""A web worker's warm-up (`zichuan_heating.warmup`), in a fresh interpreter as a gunicorn
worker has after its fork: the views imported, both languages' catalogues loaded and every
project template compiled into the cached loader, without a database."""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

PROBE = """
import json, sys
import django
django.setup()
from django.template import engines
from django.utils.translation import trans_real
from zichuan_heating.warmup import project_templates, warm_up

from django.urls import get_resolver

def resolvers(resolver):
    yield resolver
    for _prefix, child in resolver.namespace_dict.values():
        yield from resolvers(child)

def reverse_languages():
    # Django's tables for `reverse`, one per language, of the root and each namespace.
    return sorted({tuple(sorted(r._reverse_dict)) for r in resolvers(get_resolver())})

def built_on_reverse():
    # What a page's `{% url %}` would still have to build after the warm-up.
    from django.urls import resolvers as module, reverse
    from django.utils import translation

    built, populate = [], module.URLResolver._populate
    module.URLResolver._populate = lambda self: built.append(str(self.pattern)) or populate(self)
    for code in ("zh-hans", "en"):
        with translation.override(code):
            for name in ("progress:dashboard", "ledger:household_list", "visits:safety:overview",
                         "subsidies:overview", "login", "admin:index"):
                reverse(name)
    module.URLResolver._populate = populate
    return built

loader = engines["django"].engine.template_loaders[0]
before = {
    "views": "tasks.progress.views" in sys.modules,
    "cached": len(loader.get_template_cache),
    "languages": sorted(trans_real._translations),
}
get_resolver().url_patterns
before["reverse"] = reverse_languages()
done = warm_up()
print(json.dumps({
    "before": before,
    "done": done._asdict(),
    "loader": type(loader).__name__,
    "names": project_templates(),
    "cached": sorted(loader.get_template_cache),
    "views": all(m in sys.modules for m in (
        "tasks.progress.views", "acceptance.views", "subsidies.views", "visits.views")),
    "languages": sorted(trans_real._translations),
    "namespaces": sum(1 for _ in resolvers(get_resolver())),
    "reverse": reverse_languages(),
    "built_on_reverse": built_on_reverse(),
}))
"""


def test_a_fresh_worker_is_warmed_up_without_a_database():
    # An unreachable database: the warm-up must not touch it.
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.splitlines()[-1])

    assert out["before"]["views"] is False and out["before"]["cached"] == 0
    assert "en" not in out["before"]["languages"]
    assert out["loader"] == "Loader" and out["views"] is True
    assert {"zh-hans", "en"} <= set(out["languages"])
    # The reverse tables of the root URLconf and of each namespace, for both languages.
    assert [] in out["before"]["reverse"] and out["namespaces"] > 10
    assert out["reverse"] == [["en", "zh-hans"]]
    assert out["built_on_reverse"] == []
    # Every project template, and no installed package's (Django's admin has its own).
    names = out["names"]
    assert {"base.html", "tasks/dashboard.html", "acceptance/panel.html"} <= set(names)
    assert not any(n.startswith("admin/") for n in names)
    assert len(names) == len(set(names)) > 100
    assert out["done"]["templates"] == len(names) and out["done"]["failed"] == 0
    assert set(names) <= set(out["cached"])


def test_project_templates_are_every_html_file_under_the_projects_template_folders():
    from zichuan_heating.warmup import project_templates

    on_disk = {
        p.relative_to(folder).as_posix()
        for folder in [ROOT / "templates", *ROOT.glob("*/templates")]
        if ".venv" not in folder.parts
        for p in folder.rglob("*.html")
    }
    assert set(project_templates()) == on_disk
