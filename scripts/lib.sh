# Shared by scripts/run and scripts/test: install what is missing, never more.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
SYSTEM_PACKAGES=(
  chromium               # browser tests (Playwright drives it; never downloads its own)
  fonts-noto-cjk         # Chinese glyphs in PDFs
  poppler-utils          # pdftotext / pdffonts / pdftoppm in report tests
  gettext                # compilemessages
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint
  python3-venv
)

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

ensure_system_packages() {
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  # python3-venv is only needed when the interpreter cannot make a venv by itself.
  if [[ " ${missing[*]} " == *" python3-venv "* ]] && python3 -m venv --help >/dev/null 2>&1; then
    missing=("${missing[@]/python3-venv}")
  fi
  local wanted=()
  for pkg in "${missing[@]}"; do [[ -n "$pkg" ]] && wanted+=("$pkg"); done
  if ((${#wanted[@]})); then
    log "installing system packages: ${wanted[*]}"
    local sudo=""
    [[ $(id -u) -ne 0 ]] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null
  fi
}

pick_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  echo "Python 3.11 or newer is required" >&2
  exit 1
}

ensure_venv() {
  local stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    "$(pick_python)" -m venv "$VENV"
  fi
  if [[ ! -f "$stamp" ]]; then
    log "installing Python packages"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e "$ROOT[dev]"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

compile_messages() {
  # The test settings: compiling needs no secret key and no database.
  (cd "$ROOT" && DJANGO_SETTINGS_MODULE=zichuan_heating.settings_test \
    "$VENV/bin/python" manage.py compilemessages --ignore=.venv -v 0)
}

ensure_local_secret_key() {
  # A key of this machine's own, kept in var/ (owner-only, not in git): the app never runs
  # with DEBUG off on the repository's key.
  if [[ -z "${DJANGO_SECRET_KEY:-}" ]]; then
    mkdir -p "$ROOT/var"
    if [[ ! -s "$ROOT/var/secret-key" ]]; then
      (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$ROOT/var/secret-key")
    fi
    DJANGO_SECRET_KEY="$(cat "$ROOT/var/secret-key")"
    export DJANGO_SECRET_KEY
  fi
}

ensure_services() {
  # PostgreSQL and Redis are started on these machines; start them if they went down.
  if [[ -n "${DATABASE_URL:-}" ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
    if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
      log "starting PostgreSQL"
      pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
    fi
  fi
  if [[ -n "${REDIS_URL:-}" ]] && command -v redis-server >/dev/null 2>&1; then
    if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
      log "starting Redis"
      redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    fi
  fi
}
