/**
 * Reads rows in pages of ascending ids (each page starts after the last id of the one before) and
 * hands each page to `visit`, the event loop taking a turn between pages. SQLite runs on the
 * thread that serves requests: one statement over a whole table holds every request until it is
 * done, a page at a time holds them a few milliseconds.
 */
export async function forEachPage<T extends { readonly id: number }>(
  readPage: (afterId: number, limit: number) => Promise<readonly T[]>,
  visit: (rows: readonly T[]) => unknown,
  pageSize: number,
): Promise<void> {
  for (let after = 0; ; ) {
    const page = await readPage(after, pageSize);
    await visit(page);
    if (page.length < pageSize) return;
    after = page[page.length - 1]?.id ?? after;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
