/**
 * Whether the store refused a write because of the data it was given, not because the store itself
 * failed: SQLite's JSON functions answer "malformed JSON" for text they cannot parse, including JSON
 * nested past their depth limit of 1,000; a value longer than SQLite's length limit is
 * `SQLITE_TOOBIG` ("string or blob too big"). libSQL and D1 both pass SQLite's message on.
 */
export function isRefusedData(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (/\bmalformed JSON\b|\bSQLITE_TOOBIG\b|string or blob too big/.test(e.message)) return true;
  }
  return false;
}
