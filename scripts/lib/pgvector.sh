# shellcheck shell=bash
# pgvector for scripts/setup (sourced). The probe runs CREATE EXTENSION inside a transaction
# that is rolled back, so it leaves nothing behind; migrations (sql/0001_extensions.sql) create
# the extension for real. When the server lacks it and runs on this machine, pgvector is built
# from Debian trixie's source package (bookworm has no pgvector) without touching the system's
# apt sources, lists or caches.

PGVECTOR_PROBE='BEGIN; CREATE EXTENSION IF NOT EXISTS vector; ROLLBACK;'

# ensure_pgvector URL (the target database, which exists)
ensure_pgvector() {
  local url=$1 shown reason major pg_config
  pg_try "$url" "$PGVECTOR_PROBE" && return 0
  reason=$PGQ_ERR
  shown=$(pg_url_display)
  pg_try "$url" "SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'" ||
    die "cannot query $shown: $PGQ_ERR"
  [ "$PGQ_OUT" = 0 ] || die "pgvector is present on $shown but CREATE EXTENSION vector fails: $reason"
  pg_url_is_local ||
    die "the PostgreSQL server at $shown lacks the pgvector extension and is not on this machine, so setup cannot install it; install pgvector there (e.g. use the pgvector/pgvector:pg15 image)"

  pg_try "$url" "SHOW server_version_num" || die "cannot query $shown: $PGQ_ERR"
  major=$((PGQ_OUT / 10000))
  pg_config=/usr/lib/postgresql/$major/bin/pg_config
  if [ ! -x "/usr/lib/postgresql/$major/bin/postgres" ] || [ ! -x "$pg_config" ]; then
    die "the local server at $shown is PostgreSQL $major without pgvector, and Debian's postgresql-$major is not installed here (a container or a non-Debian build?), so setup cannot add pgvector to it; install pgvector into that server or point DATABASE_URL at one that has it"
  fi

  build_pgvector "$major" "$pg_config"

  pg_try "$url" "$PGVECTOR_PROBE" ||
    die "installed pgvector into /usr/lib/postgresql/$major, but the server at $shown still cannot use it ($PGQ_ERR); is it really Debian's postgresql-$major on this machine rather than a container?"
}

# build_pgvector MAJOR PG_CONFIG
build_pgvector() {
  local major=$1 pg_config=$2 work src tarball version
  work=$(mktemp -d "${TMPDIR:-/tmp}/machpay-pgvector.XXXXXX")
  chmod 755 "$work" # apt downloads as the _apt user
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/src"
  echo 'deb-src http://deb.debian.org/debian trixie main' >"$work/apt/sources.list"
  # Private sources list, lists and caches: the system's apt state stays untouched.
  local apt_opts=(-q "-oDir::Etc::SourceList=$work/apt/sources.list" "-oDir::Etc::SourceParts=/nonexistent"
    "-oDir::State::Lists=$work/apt/lists" "-oDir::Cache=$work/apt/cache")
  if is_root; then chown -R _apt "$work/apt/lists/partial" "$work/src" 2>/dev/null || true; fi

  run_logged "apt-get update (trixie deb-src, private lists)" apt-get "${apt_opts[@]}" update || exit 1
  # shellcheck disable=SC2016  # $1/$@ belong to the inner bash
  run_logged "apt-get source --download-only pgvector" \
    bash -c 'cd "$1" && shift && exec "$@"' _ "$work/src" apt-get "${apt_opts[@]}" source --download-only pgvector || exit 1
  tarball=$(find "$work/src" -maxdepth 1 -name 'pgvector_*.orig.tar.*' | head -n 1)
  [ -n "$tarball" ] || die "apt-get source pgvector did not download an orig tarball (see $work/src)"
  version=${tarball##*/pgvector_}; version=${version%%.orig.tar.*}
  tar -xf "$tarball" -C "$work/src"
  src=$(find "$work/src" -mindepth 2 -maxdepth 2 -name vector.control -printf '%h\n' | head -n 1)
  [ -n "$src" ] || die "no pgvector sources found in $tarball"

  # pgxs.mk ships with postgresql-client-NN; the server headers come with postgresql-server-dev-NN.
  if [ ! -f "$("$pg_config" --includedir-server)/postgres.h" ]; then
    apt_install "postgresql-server-dev-$major" || die "could not install postgresql-server-dev-$major"
    say "installed postgresql-server-dev-$major (apt)"
  fi
  run_logged "make (pgvector $version)" make -C "$src" -j"$(nproc)" PG_CONFIG="$pg_config" || exit 1
  run_logged "make install (pgvector $version)" as_root make -C "$src" PG_CONFIG="$pg_config" install || exit 1
  rm -rf "$work"
  say "built and installed pgvector $version for PostgreSQL $major (Debian trixie sources)"
}
