import { NotFoundError } from '../errors/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every id the API hands out is a UUID: any other string designates nothing. Checked before a
 * query, because Postgres refuses to compare a uuid column with it (SQLSTATE 22P02), which
 * would reach the client as an internal error instead of NOT_FOUND.
 * @throws NotFoundError naming `what` when `id` is not a UUID.
 */
export function assertUuid(what: string, id: string): void {
  if (!UUID.test(id)) throw new NotFoundError(what, id);
}
