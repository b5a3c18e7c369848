import pg from 'pg';
import { vi } from 'vitest';

/**
 * One query a `pg` client was given: which client (numbered in order of first use), its text, its
 * name if prepared, and how many of that client's queries were still unanswered when it was written
 * (on a client that does not pipeline, always 0: such a client holds a query back until the one
 * before it is answered).
 */
export interface SentQuery {
  readonly client: number;
  readonly sql: string;
  readonly name: string | undefined;
  readonly unanswered: number;
}

/**
 * Watches every query `pg` clients write until `restore()`. A query written while others of its
 * client are unanswered shares their round trip (pipelining); one written with none unanswered
 * starts a round trip of its own.
 */
export function watchPostgresQueries(): { readonly sent: SentQuery[]; restore(): void } {
  const sent: SentQuery[] = [];
  const ids = new WeakMap<object, number>();
  const unanswered = new Map<number, number>();
  let clients = 0;
  const query = pg.Client.prototype.query;
  const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
    let id = ids.get(this);
    if (id === undefined) ids.set(this, (id = ++clients));
    const client = id;
    const config = args[0] as string | { text?: string; name?: string } | undefined;
    const text = typeof config === 'string' ? config : String(config?.text ?? '');
    const open = unanswered.get(client) ?? 0;
    const pipelined = (this as { pipeline?: boolean }).pipeline === true;
    sent.push({ client, sql: text, name: typeof config === 'string' ? undefined : config?.name, unanswered: pipelined ? open : 0 });
    unanswered.set(client, open + 1);
    const answered = () => unanswered.set(client, (unanswered.get(client) ?? 1) - 1);
    const result = (query as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) void result.then(answered, answered);
    else answered();
    return result as never;
  });
  return { sent, restore: () => spy.mockRestore() };
}

/** A client's queries as `<first word> <unanswered>`: `['begin 0', 'insert 1']` is one round trip. */
export function roundTripsOf(sent: readonly SentQuery[], client: number | undefined): string[] {
  return sent.filter((q) => q.client === client).map((q) => `${q.sql.trimStart().split(/\s/)[0]?.toLowerCase()} ${q.unanswered}`);
}
