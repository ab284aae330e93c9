# shellcheck shell=bash
# Debian's chromium for the browser tests (test/support/browser.ts drives /usr/bin/chromium through
# playwright-core). Sourced; self-contained so scripts/test can use it without scripts/setup's
# helpers. Idempotent and quiet: nothing happens when chromium is there; errors go to stderr.

MACHPAY_CHROMIUM_BIN=/usr/bin/chromium

# ensure_chromium: 0 when /usr/bin/chromium is there (installing it with apt-get if needed),
# non-zero with one reason on stderr when it cannot be had (no apt-get, no root, apt failed).
ensure_chromium() {
  [ -x "$MACHPAY_CHROMIUM_BIN" ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: $MACHPAY_CHROMIUM_BIN is missing and apt-get is not available to install it" >&2
    return 1
  fi
  local root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
      root=(sudo -n)
    else
      echo "chromium: $MACHPAY_CHROMIUM_BIN is missing and installing it needs root (or passwordless sudo)" >&2
      return 1
    fi
  fi
  local log rc=0
  log=$(mktemp "${TMPDIR:-/tmp}/machpay-chromium.XXXXXX.log")
  # Waits for another apt/dpkg run to release its lock instead of failing at once; refreshes the
  # package lists only when installing from the current ones fails.
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
    -o DPkg::Lock::Timeout=600 chromium fonts-liberation)
  if ! ${root[@]+"${root[@]}"} "${install[@]}" >"$log" 2>&1 </dev/null; then
    { ${root[@]+"${root[@]}"} apt-get -q -o DPkg::Lock::Timeout=600 update &&
      ${root[@]+"${root[@]}"} "${install[@]}"; } >>"$log" 2>&1 </dev/null || rc=$?
  fi
  if [ "$rc" -ne 0 ]; then
    echo "chromium: apt-get install chromium failed (exit $rc); last lines of $log:" >&2
    tail -n 10 "$log" | sed 's/^/chromium:   | /' >&2
    return "$rc"
  fi
  rm -f "$log"
  if [ ! -x "$MACHPAY_CHROMIUM_BIN" ]; then
    echo "chromium: apt-get installed chromium, but $MACHPAY_CHROMIUM_BIN is still missing" >&2
    return 1
  fi
}
