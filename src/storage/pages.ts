import { setImmediate as nextTurn } from 'node:timers/promises';

/** Rows read per page unless the caller says otherwise: about 10 ms a page on SQLite with a million signatures stored. */
export const ROWS_PER_PAGE = 5_000;

/**
 * Reads rows in pages of ascending ids (each page starts after the last id of the one before) and
 * hands each page to `visit`, the event loop taking a turn between pages. SQLite runs on the
 * thread that serves requests: one statement over a whole table holds every request until it is
 * done, a page at a time holds them a few milliseconds.
 */
export async function forEachPage<T extends { readonly id: number }>(
  readPage: (afterId: number, limit: number) => Promise<readonly T[]>,
  visit: (rows: readonly T[]) => unknown,
  pageSize = ROWS_PER_PAGE,
): Promise<void> {
  for (let after = 0; ; ) {
    const page = await readPage(after, pageSize);
    await visit(page);
    if (page.length < pageSize) return;
    after = page[page.length - 1]?.id ?? after;
    await nextTurn();
  }
}

/**
 * Walks the ids from `first` to `last` (both included) in ranges of `size`, upward or, when
 * `first` is the larger, downward, the event loop taking a turn between ranges; `visit` gets each
 * range as (lowest, highest) and returns true to stop. For a filtered read on SQLite: a page of
 * matching rows may lie behind any number of rows that do not match, a range of ids never does.
 */
export async function forEachIdRange(first: number, last: number, size: number, visit: (lowest: number, highest: number) => Promise<boolean | void>): Promise<void> {
  const down = first > last;
  for (let start = first; down ? start >= last : start <= last; start += down ? -size : size) {
    const end = down ? Math.max(last, start - size + 1) : Math.min(last, start + size - 1);
    if (await visit(Math.min(start, end), Math.max(start, end))) return;
    await nextTurn();
  }
}
