# shellcheck shell=bash
# Helpers shared by scripts/setup and its scripts/lib/*.sh pieces (sourced, not executed).

say()  { printf 'setup: %s\n' "$*"; }
warn() { printf 'setup: %s\n' "$*" >&2; }
die()  { warn "$*"; exit 1; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as root (directly, or through passwordless sudo).
as_root() {
  if is_root; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
  else warn "need root for: $*"; return 1
  fi
}

# run_logged LABEL CMD...: run CMD quietly; on failure print the tail of its output to stderr.
run_logged() {
  local label=$1 log rc=0
  shift
  log="$(mktemp "${TMPDIR:-/tmp}/machpay-setup.XXXXXX.log")"
  "$@" >"$log" 2>&1 </dev/null || rc=$?
  if [ "$rc" -eq 0 ]; then rm -f "$log"; return 0; fi
  warn "$label failed (exit $rc); full output in $log, last lines:"
  tail -n 15 "$log" | sed 's/^/setup:   | /' >&2
  return "$rc"
}

# apt_install PKG...: apt-get install (refreshing the system's package lists once if needed).
apt_install() {
  local opts=(-y -q --no-install-recommends)
  command -v apt-get >/dev/null 2>&1 || { warn "apt-get not available to install $*"; return 1; }
  # First try with the lists as they are; refresh them only when that fails.
  if as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@" >/dev/null 2>&1 </dev/null; then
    return 0
  fi
  run_logged "apt-get update" as_root apt-get -q update || return 1
  run_logged "apt-get install $*" as_root env DEBIAN_FRONTEND=noninteractive apt-get install "${opts[@]}" "$@"
}
