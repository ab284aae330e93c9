import type postgres from "postgres";
import type { Sql, Tx } from "./client";

type TxSql = postgres.TransactionSql<{ bigint: bigint; numeric: bigint }>;

/**
 * Runs fn in a transaction, joining the caller's when there is one: a verb that needs atomicity
 * works the same called from a route (pool) or from inside another verb's transaction.
 */
export async function withTransaction<T>(sql: Tx, fn: (tx: TxSql) => Promise<T>): Promise<T> {
  if ("savepoint" in sql) return fn(sql as TxSql);
  // SAFETY: postgres.js types begin()'s result as UnwrapPromiseArray<T>; for a non-array T it is T.
  return (await (sql as Sql).begin((tx) => fn(tx))) as T;
}

/**
 * Runs reads on one snapshot (REPEATABLE READ READ ONLY), so that figures read by several
 * statements agree with each other. Inside a caller's transaction, that transaction's isolation rules.
 */
export async function withSnapshot<T>(sql: Tx, fn: (tx: TxSql) => Promise<T>): Promise<T> {
  if ("savepoint" in sql) return fn(sql as TxSql);
  // SAFETY: as in withTransaction.
  return (await (sql as Sql).begin("ISOLATION LEVEL REPEATABLE READ READ ONLY", (tx) => fn(tx))) as T;
}
