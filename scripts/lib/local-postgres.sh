# shellcheck shell=bash
# Project-local PostgreSQL 15 cluster for scripts/setup (sourced), used when DATABASE_URL is
# unset and nothing answers on 127.0.0.1:${MACHPAY_DEFAULT_PG_PORT:-5432}.
#
# Layout (all git-ignored):
#   .data/postgres/       data directory (owned by the postgres OS user, trust auth)
#   .data/pgsocket/       unix socket directory
#   .data/postgres.log    server log (pg_ctl -l)
#   .data/postgres.port   TCP port on 127.0.0.1 the cluster listens on
#   .data/env             DATABASE_URL=... (written by scripts/setup)
# The server runs as the postgres OS user because PostgreSQL refuses to run as root. If that
# user cannot reach <repo>/.data (a parent directory is not traversable), the cluster lives in
# /var/lib/machpay-dev/<hash of the repo path>/ instead, with symlinks from .data/.

LOCAL_PG_MAJOR=15
LOCAL_PG_BIN=/usr/lib/postgresql/$LOCAL_PG_MAJOR/bin
LOCAL_PG_FIRST_PORT=55432

# Run a command as the postgres OS user (or as ourselves when not root), from a neutral cwd.
as_pg() {
  if is_root; then (cd / && runuser -u postgres -- "$@")
  else (cd / && "$@")
  fi
}
pg_own() { if is_root; then chown postgres:postgres "$@"; fi; }

local_pg_paths() {
  LOCAL_PG_PORTFILE=$REPO/.data/postgres.port
  LOCAL_PG_ROOT=$REPO/.data
  mkdir -p "$REPO/.data"
  if is_root && ! runuser -u postgres -- test -x "$REPO/.data" 2>/dev/null; then
    # e.g. the checkout sits under /root (0700): postgres cannot traverse it.
    LOCAL_PG_ROOT=/var/lib/machpay-dev/$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
    mkdir -p "$LOCAL_PG_ROOT"
    chmod 755 /var/lib/machpay-dev "$LOCAL_PG_ROOT"
    local f
    for f in postgres pgsocket postgres.log; do
      [ -L "$REPO/.data/$f" ] || [ -e "$REPO/.data/$f" ] || ln -s "$LOCAL_PG_ROOT/$f" "$REPO/.data/$f"
    done
    [ -e "$LOCAL_PG_ROOT/postgres" ] || say "note: postgres cannot traverse $REPO; the cluster lives in $LOCAL_PG_ROOT (symlinked from .data/)"
  fi
  LOCAL_PG_DATA=$LOCAL_PG_ROOT/postgres
  LOCAL_PG_SOCK=$LOCAL_PG_ROOT/pgsocket
  LOCAL_PG_LOG=$LOCAL_PG_ROOT/postgres.log
  # Unix socket paths are limited to ~107 bytes; fall back to /tmp for very deep checkouts.
  if [ $(( ${#LOCAL_PG_SOCK} + 18 )) -gt 100 ]; then
    LOCAL_PG_SOCK=/tmp/machpay-pg-$(printf '%s' "$REPO" | sha256sum | cut -c1-12)
  fi
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_free_port() {
  local p
  for ((p = LOCAL_PG_FIRST_PORT; p < LOCAL_PG_FIRST_PORT + 200; p++)); do
    [ "$p" = "$DEFAULT_PG_PORT" ] && continue
    port_busy "$p" || { echo "$p"; return 0; }
  done
  return 1
}

write_local_pg_conf() {
  cat >"$LOCAL_PG_DATA/machpay.conf" <<CONF
# Written by scripts/setup for the machpay dev cluster (rewritten when the port changes).
listen_addresses = '127.0.0.1'
port = $1
unix_socket_directories = '$LOCAL_PG_SOCK'
CONF
  pg_own "$LOCAL_PG_DATA/machpay.conf"
}

# Makes sure the local cluster exists and runs; sets LOCAL_PG_PORT.
# shellcheck disable=SC2034
local_pg_ensure() {
  if [ ! -x "$LOCAL_PG_BIN/initdb" ]; then
    apt_install "postgresql-$LOCAL_PG_MAJOR" || die "could not install postgresql-$LOCAL_PG_MAJOR"
    say "installed postgresql-$LOCAL_PG_MAJOR (apt)"
  fi
  if is_root && ! id postgres >/dev/null 2>&1; then
    die "the postgres OS user is missing (it comes with postgresql-common); cannot run a local cluster as root"
  fi
  local_pg_paths

  local port=''
  [ -f "$LOCAL_PG_PORTFILE" ] && port=$(tr -dc '0-9' <"$LOCAL_PG_PORTFILE")

  if [ ! -s "$LOCAL_PG_DATA/PG_VERSION" ]; then
    if [ -d "$LOCAL_PG_DATA" ] && [ -n "$(ls -A "$LOCAL_PG_DATA")" ]; then
      die "$LOCAL_PG_DATA exists but is not a PostgreSQL cluster; remove it and rerun"
    fi
    mkdir -p "$LOCAL_PG_DATA"
    pg_own "$LOCAL_PG_DATA"
    chmod 700 "$LOCAL_PG_DATA"
    run_logged "initdb" as_pg "$LOCAL_PG_BIN/initdb" -D "$LOCAL_PG_DATA" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 || exit 1
    printf "\ninclude_if_exists = 'machpay.conf'\n" >>"$LOCAL_PG_DATA/postgresql.conf"
    port=''
    say "initialised a local PostgreSQL $LOCAL_PG_MAJOR cluster in ${LOCAL_PG_DATA#"$REPO"/}"
  fi
  mkdir -p "$LOCAL_PG_SOCK"
  pg_own "$LOCAL_PG_SOCK"
  [ -e "$LOCAL_PG_LOG" ] || : >"$LOCAL_PG_LOG"
  pg_own "$LOCAL_PG_LOG"

  if as_pg "$LOCAL_PG_BIN/pg_ctl" status -D "$LOCAL_PG_DATA" >/dev/null 2>&1; then
    # Running: trust the port it actually listens on (line 4 of postmaster.pid).
    port=$(sed -n 4p "$LOCAL_PG_DATA/postmaster.pid")
  else
    if [ -z "$port" ] || [ "$port" = "$DEFAULT_PG_PORT" ] || port_busy "$port"; then
      port=$(pick_free_port) || die "no free TCP port on 127.0.0.1 for the local cluster"
    fi
    write_local_pg_conf "$port"
    # 9>&-: the server must not inherit setup's lock file descriptor.
    if ! as_pg "$LOCAL_PG_BIN/pg_ctl" -D "$LOCAL_PG_DATA" -l "$LOCAL_PG_LOG" -w -t 60 start >/dev/null 2>&1 9>&-; then
      warn "could not start the local PostgreSQL cluster; last lines of ${LOCAL_PG_LOG#"$REPO"/}:"
      tail -n 10 "$LOCAL_PG_LOG" | sed 's/^/setup:   | /' >&2
      exit 1
    fi
    say "started the local PostgreSQL on 127.0.0.1:$port (${LOCAL_PG_DATA#"$REPO"/})"
  fi
  [ "$(cat "$LOCAL_PG_PORTFILE" 2>/dev/null)" = "$port" ] || echo "$port" >"$LOCAL_PG_PORTFILE"
  LOCAL_PG_PORT=$port
}
