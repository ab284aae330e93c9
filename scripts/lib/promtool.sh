# shellcheck shell=bash
# Sourced by scripts/test: Debian's promtool (package prometheus) checks /metrics' output in
# test/http/metrics.test.ts. Only the tests need it, so `npm run dev` never installs it.
# shellcheck source=scripts/lib/setup-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup-common.sh"

ensure_promtool() {
  command -v promtool >/dev/null 2>&1 && return 0
  if apt_install prometheus && command -v promtool >/dev/null 2>&1; then
    # (On a machine running systemd the package also enables its own Prometheus on :9090; setup leaves it be.)
    say "installed promtool (apt: prometheus)"
  else
    warn "promtool is missing and could not be installed (apt-get install prometheus); the /metrics test will fail"
  fi
}
