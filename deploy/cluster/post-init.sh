#!/bin/sh
# Patroni's bootstrap.post_init in the deploy description: run once, on the new cluster's first
# primary, with a superuser connection URL. The API (MIGRATE_ON_START) migrates it.
# (`bun run cluster` creates the database itself, then runs `bun run migrate`.)
set -eu
psql -v ON_ERROR_STOP=1 -d "$1" -c 'CREATE DATABASE machpay'
