# shellcheck shell=bash
# PostgreSQL URL parsing and querying for scripts/setup (sourced).
# Queries go through psql when present, else through the `postgres` npm package via `bun -e`.

# shellcheck disable=SC2034  # the PGU_* variables are read by the callers
# pg_url_parse URL: sets PGU_SCHEME PGU_AUTH PGU_USER PGU_PASS_SET PGU_HOSTPORT PGU_HOST PGU_PORT PGU_DB PGU_QUERY
pg_url_parse() {
  local url=$1 rest after path userinfo kv
  case $url in postgres://* | postgresql://*) ;; *) return 1 ;; esac
  PGU_SCHEME=${url%%://*}
  rest=${url#*://}
  PGU_AUTH=${rest%%[/?]*}
  after=${rest:${#PGU_AUTH}}
  PGU_DB='' PGU_QUERY=''
  case $after in
    /*) path=${after#/}; PGU_DB=${path%%\?*}; [[ $path == *\?* ]] && PGU_QUERY="?${path#*\?}" ;;
    \?*) PGU_QUERY=$after ;;
  esac
  userinfo='' PGU_HOSTPORT=$PGU_AUTH
  if [[ $PGU_AUTH == *@* ]]; then userinfo=${PGU_AUTH%@*}; PGU_HOSTPORT=${PGU_AUTH##*@}; fi
  PGU_USER=$(pg_urldecode "${userinfo%%:*}")
  PGU_PASS_SET=''; [[ $userinfo == *:* ]] && PGU_PASS_SET=1
  # A host list (libpq's h1:5432,h2:5432): PGU_HOST and PGU_PORT are the first host's.
  local first=${PGU_HOSTPORT%%,*}
  if [[ $first == \[* ]]; then
    PGU_HOST=${first%%]*}; PGU_HOST=${PGU_HOST#[}; rest=${first#*]}; PGU_PORT=${rest#:}
  else
    PGU_HOST=${first%%:*}; PGU_PORT=''; [[ $first == *:* ]] && PGU_PORT=${first#*:}
  fi
  local IFS='&'
  for kv in ${PGU_QUERY#\?}; do
    case $kv in
      host=*) PGU_HOST=$(pg_urldecode "${kv#host=}") ;;
      port=*) PGU_PORT=${kv#port=} ;;
    esac
  done
  PGU_DB=$(pg_urldecode "$PGU_DB")
  [ -n "$PGU_DB" ] || PGU_DB=${PGU_USER:-$(id -un)}
}

pg_urldecode() { local s=${1//\\/\\\\}; printf '%b' "${s//%/\\x}"; }

# URL of the same server with another database (used for the maintenance database).
pg_url_with_db() { printf '%s://%s/%s%s' "$PGU_SCHEME" "$PGU_AUTH" "$2" "$PGU_QUERY"; }

# URL for messages: password masked.
pg_url_display() {
  local who=''
  [ -n "$PGU_USER" ] && who="$PGU_USER${PGU_PASS_SET:+:***}@"
  printf '%s://%s%s/%s' "$PGU_SCHEME" "$who" "$PGU_HOSTPORT" "$PGU_DB"
}

# True when the parsed URL points at this machine (loopback or unix socket): every host of a
# host list (postgres://u@h1:5432,h2:5432/db, PGU_HOST is the first one's).
pg_url_is_local() {
  local h
  case $PGU_HOST in '' | /* | localhost | 127.* | ::1) ;; *) return 1 ;; esac
  [[ $PGU_HOSTPORT == *,* ]] || return 0
  local IFS=,
  for h in $PGU_HOSTPORT; do
    [[ $h == \[* ]] && h=${h%%]*} && h=${h#[}
    [[ $h == *:*:* ]] || h=${h%%:*}
    case $h in '' | localhost | 127.* | ::1) ;; *) return 1 ;; esac
  done
}

sql_lit()   { local s=${1//\'/\'\'}; printf "'%s'" "$s"; }
sql_ident() { local s=${1//\"/\"\"}; printf '"%s"' "$s"; }

PG_PSQL=''
for _p in /usr/lib/postgresql/*/bin/psql; do [ -x "$_p" ] && PG_PSQL=$_p; done  # newest (glob sorts 10 < 9 only for 9.x, irrelevant)
[ -n "$PG_PSQL" ] || PG_PSQL=$(command -v psql || true)
unset _p

# The app's own client: it reads host lists and target_session_attrs as libpq does (src/db/hosts.ts).
PG_BUN_QUERY='
import { createSql } from "./src/db/client";
const sql = createSql(process.env.PGQ_URL, { max: 1, connectTimeoutSeconds: 5, applicationName: "machpay-setup" });
let code = 0;
try {
  const res = await sql.unsafe(process.env.PGQ_SQL).simple().values();
  // One statement gives a Result (it has .command); several give an array of Results.
  const results = res.command === undefined ? res : [res];
  for (const r of results) for (const row of r) console.log(row.join("|"));
} catch (e) {
  console.error(String(e?.message ?? e).split("\n")[0]);
  code = 1;
}
await sql.end({ timeout: 1 }).catch(() => {});
process.exit(code);
'

# pgq URL SQL: print the rows (psql -At style), errors on stderr.
pgq() {
  if [ -n "$PG_PSQL" ]; then
    PGCONNECT_TIMEOUT=${PGCONNECT_TIMEOUT:-5} "$PG_PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2"
  else
    (cd "$REPO" && PGQ_URL=$1 PGQ_SQL=$2 bun -e "$PG_BUN_QUERY")
  fi
}

# shellcheck disable=SC2034  # PGQ_OUT / PGQ_ERR are read by the callers
# pg_try URL SQL: like pgq, but sets PGQ_OUT and PGQ_ERR (first error line, cleaned) instead.
pg_try() {
  local rc=0 errf="$SETUP_TMP/pgq.err"
  PGQ_OUT=$(pgq "$1" "$2" 2>"$errf") || rc=$?
  PGQ_ERR=$(sed -n '/./{s/^psql: error: //;s/^psql:[^ ]* //;s/[[:space:]][[:space:]]*/ /g;p;q}' "$errf")
  [ "$rc" -eq 0 ] || [ -n "$PGQ_ERR" ] || PGQ_ERR="exit status $rc"
  return "$rc"
}

# pg_port_answers HOST PORT: something that speaks PostgreSQL listens there.
pg_port_answers() {
  local bin
  for bin in /usr/lib/postgresql/*/bin/pg_isready; do :; done
  [ -x "$bin" ] || bin=$(command -v pg_isready || true)
  if [ -n "$bin" ]; then
    local rc=0
    "$bin" -q -h "$1" -p "$2" -t 3 || rc=$?
    [ "$rc" -le 1 ]   # 0 accepting, 1 rejecting (e.g. starting up), 2 no response
  else
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
  fi
}
