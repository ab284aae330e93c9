# shellcheck shell=bash
# The Debian packages of `bun run cluster` (sourced by scripts/lib/cluster/local.ts through bash):
# installed the way scripts/setup installs what it needs (apt_install of setup-common.sh), and the
# system services the packages come with kept stopped and disabled: the cluster runs its own etcd,
# Patroni and HAProxy under .data/cluster on free ports, and a system etcd (2379), HAProxy or Patroni
# would hold default ports and, for Patroni, manage a PostgreSQL of its own.
# shellcheck source=../setup-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../setup-common.sh"

ensure_cluster_packages() {
  local missing=()
  command -v patroni >/dev/null 2>&1 || missing+=(patroni)
  command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
  command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
  if [ "${#missing[@]}" -gt 0 ]; then
    apt_install "${missing[@]}" || die "could not install ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]})"
    say "installed ${missing[*]} (apt)"
  fi
  local svc
  for svc in etcd patroni haproxy; do stop_system_service "$svc"; done
}

# stop_system_service NAME: stopped now and not started at boot, under systemd or SysV init.
stop_system_service() {
  local svc=$1
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    if systemctl is-active --quiet "$svc" 2>/dev/null; then as_root systemctl stop "$svc" && say "stopped the system service $svc"; fi
    if systemctl is-enabled --quiet "$svc" 2>/dev/null; then as_root systemctl disable --quiet "$svc" && say "disabled the system service $svc"; fi
  elif [ -x "/etc/init.d/$svc" ]; then
    if as_root "/etc/init.d/$svc" status >/dev/null 2>&1; then as_root "/etc/init.d/$svc" stop >/dev/null 2>&1 && say "stopped the system service $svc"; fi
    if command -v update-rc.d >/dev/null 2>&1 && ls /etc/rc[2-5].d/S*"$svc" >/dev/null 2>&1; then
      as_root update-rc.d "$svc" disable >/dev/null 2>&1 && say "disabled the system service $svc"
    fi
  fi
  return 0
}
