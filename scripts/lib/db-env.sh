# shellcheck shell=bash
# Sourced by scripts/test and scripts/run (after scripts/setup ran): exports DATABASE_URL.
# Order: an already-set DATABASE_URL, then .data/env (project-local cluster that setup started),
# then the default server on 127.0.0.1:5432.
machpay_repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P); }

if [ -z "${DATABASE_URL:-}" ] && [ -f "$(machpay_repo_root)/.data/env" ]; then
  DATABASE_URL="$(sed -n 's/^DATABASE_URL=//p' "$(machpay_repo_root)/.data/env" | tail -n 1)"
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:${MACHPAY_DEFAULT_PG_PORT:-5432}/machpay}"
