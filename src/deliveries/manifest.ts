/**
 * A delivery packet's manifest: what it printed (the log head and entry count, the figures, the
 * fields shown), as a small JSON file beside the packet, so `chorus verify --packet` can later say
 * whether the log still extends it. Pure: building and reading only.
 */
export const MANIFEST_VERSION = 'chorus-delivery-manifest/1';

export interface Manifest {
  readonly chorus: typeof MANIFEST_VERSION;
  readonly petition: { readonly slug: string; readonly id: number; readonly title: string; readonly target: string };
  /** The signature log when the packet was made: its head (hex) after this many entries. */
  readonly log: { readonly head: string; readonly entries: number; readonly version: string };
  readonly counts: {
    readonly online: number;
    readonly paper: number;
    readonly removed: Readonly<Record<string, number>>;
  };
  readonly format: 'pdf' | 'csv';
  readonly fields: readonly string[];
  /** The co-host whose signatures alone the packet lists; null for all. */
  readonly partner: string | null;
  /** Signer rows in the packet. */
  readonly rows: number;
  readonly generatedAt: string;
  readonly verifyUrl: string;
}

/** Reads a manifest's anchor (head and entry count); throws with a plain reason when it is not one. */
export function readManifestAnchor(text: string): { slug: string; position: number; hash: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('The packet file is not a manifest: it is not JSON.');
  }
  const record = (value: unknown): Record<string, unknown> | undefined => (value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined);
  const root = record(data);
  const log = record(root?.log);
  const petition = record(root?.petition);
  if (root?.chorus !== MANIFEST_VERSION || !log || !petition) throw new Error(`The packet file is not a ${MANIFEST_VERSION} manifest.`);
  const { head, entries } = log;
  if (typeof head !== 'string' || !/^[0-9a-f]{64}$/i.test(head) || typeof entries !== 'number' || !Number.isSafeInteger(entries) || entries < 0) {
    throw new Error('The manifest has no valid log head and entry count.');
  }
  return { slug: String(petition.slug ?? ''), position: entries, hash: head.toLowerCase() };
}
