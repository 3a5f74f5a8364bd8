# Shared by scripts/run, scripts/test and scripts/stack: install what is missing, never more,
# one line per step; the tools' own output goes to var/log/ and is shown only when a step fails.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
# The same folder the settings use (ZH_VAR_DIR): the SQLite file, the local key, logs, pidfiles.
VAR_DIR="${ZH_VAR_DIR:-$ROOT/var}"
LOG_DIR="$VAR_DIR/log"
SYSTEM_PACKAGES=(
  chromium               # browser tests (Playwright drives it; never downloads its own)
  fonts-noto-cjk         # Chinese glyphs in PDFs
  poppler-utils          # pdftotext / pdffonts / pdftoppm in report tests
  gettext                # compilemessages
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0  # WeasyPrint
  python3-venv
)

if [[ -t 1 ]]; then
  log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
else
  log() { printf '==> %s\n' "$*"; }
fi

fail() {
  printf '\n%s\n' "$*" >&2
  exit 1
}

# quietly NAME COMMAND...: run COMMAND with its output in var/log/NAME.log; on failure print the
# log's tail and where the whole log is, and fail.
quietly() {
  local name="$1"
  shift
  mkdir -p "$LOG_DIR"
  local logfile="$LOG_DIR/$name.log"
  if ! "$@" >"$logfile" 2>&1; then
    {
      printf '\n--- last lines of %s ---\n' "$logfile"
      tail -n 30 "$logfile"
      printf -- '---\nfailed: %s (whole output in %s)\n' "$*" "$logfile"
    } >&2
    exit 1
  fi
}

ensure_system_packages() {
  # ZH_SKIP_SYSTEM_PACKAGES=1: a machine set up otherwise (and the tests that start the scripts).
  [[ "${ZH_SKIP_SYSTEM_PACKAGES:-0}" == 1 ]] && return
  local missing=()
  for pkg in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  # python3-venv is only needed when the interpreter the venv is made with has no ensurepip
  # (Debian puts its interpreter's in that package).
  local python
  python="$(pick_python 2>/dev/null)" || python=""
  if [[ " ${missing[*]} " == *" python3-venv "* && -n "$python" ]] &&
    "$python" -c 'import ensurepip' >/dev/null 2>&1; then
    missing=("${missing[@]/python3-venv}")
  fi
  local wanted=()
  for pkg in "${missing[@]}"; do [[ -n "$pkg" ]] && wanted+=("$pkg"); done
  if ((${#wanted[@]})); then
    log "installing system packages: ${wanted[*]}"
    local sudo=()
    [[ $(id -u) -ne 0 ]] && sudo=(sudo)
    quietly apt "${sudo[@]}" apt-get update
    quietly apt "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y --no-install-recommends "${wanted[@]}"
  fi
}

pick_python() {
  # The distribution's interpreter first: Debian's links libpython statically, and a request
  # costs it about 13 % fewer instructions (bench.instructions) and 15 % less CPU than a build
  # with a shared libpython, such as pyenv's, ahead of it on PATH.
  for candidate in /usr/bin/python3 python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  fail "Python 3.11 or newer is required"
}

ensure_venv() {
  local stamp
  stamp="$VENV/.installed-$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating $VENV"
    quietly pip "$(pick_python)" -m venv "$VENV"
  fi
  if [[ ! -f "$stamp" ]]; then
    log "installing Python packages (log: ${LOG_DIR#"$ROOT"/}/pip.log)"
    quietly pip bash -c '"$1" -m pip install --upgrade pip && "$1" -m pip install -e "$2[dev]"' \
      _ "$VENV/bin/python" "$ROOT"
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
  export PATH="$VENV/bin:$PATH"
}

ensure_node_packages() {
  # Front-end libraries come from npm and are served as the project's own static files:
  # the files listed in vendor.txt are copied to static/vendor/ (never a CDN).
  if ! command -v npm >/dev/null 2>&1; then
    log "installing system packages: nodejs npm"
    quietly apt apt-get update
    quietly apt env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
  fi
  local stamp="$ROOT/node_modules/.installed-$(cat "$ROOT/package-lock.json" "$ROOT/vendor.txt" | sha256sum | cut -c1-16)"
  if [[ ! -f "$stamp" ]]; then
    log "installing front-end packages from npm (log: ${LOG_DIR#"$ROOT"/}/npm.log)"
    (cd "$ROOT" && quietly npm npm ci --no-audit --no-fund)
    touch "$stamp"
  fi
  local from to
  while read -r from to; do
    [[ -z "$from" || "$from" == \#* ]] && continue
    mkdir -p "$ROOT/static/vendor/$(dirname "$to")"
    cp -p "$ROOT/node_modules/$from" "$ROOT/static/vendor/$to"
  done < "$ROOT/vendor.txt"
}

compile_messages() {
  log "compiling translations"
  # The test settings: compiling needs no secret key and no database.
  (cd "$ROOT" && DJANGO_SETTINGS_MODULE=zichuan_heating.settings_test \
    quietly compilemessages "$VENV/bin/python" manage.py compilemessages --ignore=.venv)
}

ensure_local_secret_key() {
  # A key of this machine's own, kept in var/secret-key (owner-only, not in git): the app
  # never runs with DEBUG off on the repository's key.
  if [[ -z "${DJANGO_SECRET_KEY:-}" ]]; then
    mkdir -p "$VAR_DIR"
    if [[ ! -s "$VAR_DIR/secret-key" ]]; then
      (umask 077 && "$VENV/bin/python" -c 'import secrets; print(secrets.token_urlsafe(50))' >"$VAR_DIR/secret-key")
    fi
    DJANGO_SECRET_KEY="$(cat "$VAR_DIR/secret-key")"
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

# wait_for_port PORT SECONDS [PID]: true once something listens on 127.0.0.1:PORT; false after
# SECONDS, or as soon as process PID (the server) has ended.
wait_for_port() {
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    [[ -n "${3:-}" ]] && ! kill -0 "$3" 2>/dev/null && return 1
    sleep 0.3
  done
  return 1
}

# print_demo_logins FILE: the demo users and their passwords, set off from everything around.
print_demo_logins() {
  local rule="  ------------------------------------------------------------------------"
  local bold="" plain=""
  [[ -t 1 ]] && bold=$'\033[1;32m' && plain=$'\033[0m'
  printf '\n%s\n%s  淄川区清洁取暖管理系统  http://127.0.0.1:%s/%s\n\n' "$rule" "$bold" "$PORT" "$plain"
  if [[ -s "$1" ]]; then
    printf '  Demo logins (user, role, password; kept in %s):\n\n' "${1#"$ROOT"/}"
    printf '%s' "$bold"
    sed 's/^ */    /' "$1"
    printf '%s' "$plain"
    printf '\n  admin, finance and finance2 bind an authenticator app (TOTP) at their first login.\n'
  else
    printf '  The demo users exist already; their passwords were shown when they were made.\n'
  fi
  printf '%s\n\n' "$rule"
}

# save_demo_logins OUTPUT FILE: keep the one-time demo passwords bootstrap printed (if it made
# users this time) for this local demo only (not in git, owner-only).
save_demo_logins() {
  if grep -q "official-" <<<"$1"; then
    (umask 077 && grep -E '^\s+\S+\s' <<<"$1" >"$2")
  fi
}
