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
