/** Rules for delivery packets: which signer details may be shown, and what a request must say. Pure. */

/** The signer details a packet may show: never an email, never a full postcode. */
export const PACKET_FIELDS = ['name', 'country', 'comment'] as const;
export type PacketField = (typeof PACKET_FIELDS)[number];

/** By default: first name with the initial of the last name, and the country. */
export const DEFAULT_FIELDS: readonly PacketField[] = ['name', 'country'];

export type PacketFormat = 'pdf' | 'csv';

export function isPacketFormat(value: unknown): value is PacketFormat {
  return value === 'pdf' || value === 'csv';
}

/** Reads `name,country,comment` (any order, duplicates ignored) into the fixed order; undefined when empty or unknown. */
export function parseFields(value: string | readonly string[] | undefined): PacketField[] | undefined {
  if (value === undefined) return [...DEFAULT_FIELDS];
  const parts = (typeof value === 'string' ? value.split(',') : value).map((p) => p.trim().toLowerCase()).filter(Boolean);
  if (parts.length === 0 || parts.some((p) => !(PACKET_FIELDS as readonly string[]).includes(p))) return undefined;
  return PACKET_FIELDS.filter((field) => parts.includes(field));
}

/** The CSV's header: stable English column names for spreadsheets, whatever the packet's language. */
export function csvColumns(fields: readonly PacketField[]): string[] {
  return ['number', ...fields];
}
