import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Host } from '../coalitions/coalition.ts';
import { listAllHosts } from '../coalitions/coalitions.service.ts';
import type { Context } from '../context.ts';
import { isLocale, translator, type Locale } from '../i18n/i18n.ts';
import { authorLabel, authorUserId, canDeliver, type Author } from '../ledger/author.ts';
import { LOG_VERSION } from '../ledger/entry.ts';
import { readLogSummary, type LogSummary } from '../ledger/ledger.service.ts';
import type { Petition } from '../petitions/petition.ts';
import { csvLine } from '../shared/csv.ts';
import { DomainError } from '../shared/errors.ts';
import { SEALED } from '../signatures/signature.ts';
import { recordDelivery } from './deliveries.service.ts';
import { MANIFEST_VERSION, type Manifest } from './manifest.ts';
import { csvColumns, type PacketField, type PacketFormat } from './packet.ts';
import { pagePacketSigners, type PacketScope } from './packet.store.ts';
import { coverHtml, listChunkHtml, type SignerLine } from './packet.views.ts';
import { listPaperBatches } from './paper.service.ts';
import { countPdfPages, joinPdfs, openPdfRenderer } from './pdf-renderer.ts';
import { regionOfPostcode, shortName } from './signer-rows.ts';

export interface PacketOptions {
  readonly format: PacketFormat;
  readonly fields: readonly PacketField[];
  /** A co-host's slug: only the signatures that came through it. */
  readonly partner?: string | undefined;
  /** The packet's language; the petition's own by default. */
  readonly locale?: Locale | undefined;
}

/** Rows read (and decrypted) per query: enough to keep the database busy, small enough to keep memory flat. */
const PAGE_ROWS = 2_000;
/** Signer rows per PDF chunk: Chromium lays out one chunk at a time (about 21 pages of three columns). Measured: 4,000 was faster than 2,000 or 8,000, and holds Chromium near 1 GB. */
export const PDF_CHUNK_ROWS = 4_000;

interface Plan {
  readonly petition: Petition;
  readonly options: PacketOptions;
  readonly locale: Locale;
  readonly lead: Host | undefined;
  readonly partners: readonly Host[];
  readonly partner: Host | undefined;
  readonly summary: LogSummary;
  readonly scope: PacketScope;
  readonly madeAt: number;
  readonly verifyUrl: string;
}

async function plan(ctx: Context, author: Author, petition: Petition, options: PacketOptions): Promise<Plan> {
  if (!canDeliver(author, petition)) throw new DomainError('forbidden', 'Only owners and editors of the lead organisation make delivery packets.');
  if (options.fields.length === 0) throw new DomainError('invalid_input', 'Choose at least one signer detail.', { fields: 'ledger.error.fields' });
  const hosts = await listAllHosts(ctx, petition);
  const lead = hosts.find((h) => h.role === 'lead');
  // Partners that accepted at some point keep their signatures, even if they left since.
  const partners = hosts.filter((h) => h.role === 'partner' && (h.status === 'accepted' || h.status === 'left'));
  let partner: Host | undefined;
  if (options.partner !== undefined) {
    partner = hosts.find((h) => h.slug === options.partner && (h.role === 'lead' || h.status === 'accepted' || h.status === 'left' || h.status === 'removed'));
    if (!partner) throw new DomainError('not_found', `"${options.partner}" does not co-host this petition.`);
  }
  // The head first: the list then holds the signatures confirmed up to it, and the packet prints that head.
  const summary = await readLogSummary(ctx, petition);
  const locale = options.locale ?? (isLocale(petition.locale) ? petition.locale : 'en');
  const verifyUrl = `${ctx.config.publicUrl}/p/${encodeURIComponent(petition.slug)}/verify?${new URLSearchParams({ head: summary.head, entries: String(summary.entries) }).toString()}`;
  return {
    petition,
    options,
    locale,
    lead,
    partners,
    partner,
    summary,
    scope: { petitionId: petition.id, hostId: partner?.organisationId, confirmedBy: summary.updatedAt },
    madeAt: ctx.clock.now(),
    verifyUrl,
  };
}

interface Tallies {
  rows: number;
  readonly countries: Map<string, number>;
  readonly regions: Map<string, number>;
}

/**
 * The packet's signer lines, a page at a time, decrypted for this packet only: short name, country,
 * approved comment if chosen. Postcodes are opened only to count regions, and never leave here.
 */
async function* signerPages(ctx: Context, p: Plan, tallies: Tallies, wantRegions: boolean): AsyncGenerator<SignerLine[]> {
  const wantComment = p.options.fields.includes('comment');
  const wantName = p.options.fields.includes('name');
  let afterId = 0;
  for (;;) {
    const rows = await pagePacketSigners(ctx.db, ctx.dialect, p.scope, afterId, PAGE_ROWS, { postcode: wantRegions, comment: wantComment });
    if (rows.length === 0) return;
    const lines: SignerLine[] = [];
    for (const row of rows) {
      tallies.rows += 1;
      tallies.countries.set(row.country, (tallies.countries.get(row.country) ?? 0) + 1);
      if (wantRegions && row.postcode_enc) {
        const region = regionOfPostcode(row.country, ctx.sealer.open(row.postcode_enc, SEALED.postcode));
        if (region) tallies.regions.set(`${row.country}\u0000${region}`, (tallies.regions.get(`${row.country}\u0000${region}`) ?? 0) + 1);
      }
      lines.push({
        number: tallies.rows,
        name: wantName ? shortName(ctx.sealer.open(row.name_enc, SEALED.name)) : '',
        country: row.country,
        comment: wantComment && row.comment_state === 'approved' && row.comment_enc ? ctx.sealer.open(row.comment_enc, SEALED.comment) : undefined,
      });
    }
    afterId = rows[rows.length - 1]?.id ?? afterId;
    yield lines;
  }
}

/** Writes to a stream and waits when it is full, so a slow reader slows the database reads, never fills memory. */
async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
    const onDrain = () => { out.off('error', onError); resolve(); };
    const onError = (error: unknown) => { out.off('drain', onDrain); reject(error); };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

async function writeCsv(ctx: Context, p: Plan, out: Writable, tallies: Tallies): Promise<void> {
  const fields = p.options.fields;
  await write(out, csvLine(csvColumns(fields)));
  for await (const lines of signerPages(ctx, p, tallies, false)) {
    let chunk = '';
    for (const line of lines) {
      chunk += csvLine([line.number, ...fields.map((f) => (f === 'name' ? line.name : f === 'country' ? line.country : (line.comment ?? '')))]);
    }
    await write(out, chunk);
  }
}

async function writePdf(ctx: Context, p: Plan, file: string, tallies: Tallies): Promise<void> {
  const i18n = translator(p.locale);
  const work = mkdtempSync(path.join(os.tmpdir(), 'chorus-packet-'));
  const renderer = await openPdfRenderer();
  try {
    const chunks: string[] = [];
    let pending: SignerLine[] = [];
    let nextPage = 1;
    const flush = async () => {
      if (pending.length === 0 && chunks.length > 0) return;
      const chunkFile = path.join(work, `list-${String(chunks.length).padStart(5, '0')}.pdf`);
      await renderer.render(listChunkHtml(i18n, p.petition, pending, { firstPage: nextPage, fields: p.options.fields, first: chunks.length === 0 }), chunkFile, false);
      nextPage += countPdfPages(chunkFile);
      chunks.push(chunkFile);
      pending = [];
    };
    for await (const lines of signerPages(ctx, p, tallies, true)) {
      for (const line of lines) {
        pending.push(line);
        if (pending.length >= PDF_CHUNK_ROWS) await flush();
      }
    }
    await flush();
    const coverFile = path.join(work, 'cover.pdf');
    const paperBatches = await listPaperBatches(ctx, p.petition);
    await renderer.render(
      coverHtml(i18n, {
        petition: p.petition,
        lead: p.lead,
        partners: p.partners,
        partner: p.partner?.role === 'partner' ? p.partner : undefined,
        online: p.summary.online,
        paper: p.summary.paper,
        removals: p.summary.removals,
        rows: tallies.rows,
        madeAt: p.madeAt,
        head: p.summary.head,
        entries: p.summary.entries,
        verifyUrl: p.verifyUrl,
        countries: [...tallies.countries].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
        regions: [...tallies.regions].map(([key, n]) => [...key.split('\u0000'), n] as [string, string, number]).sort((a, b) => b[2] - a[2] || `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)),
        paperBatches,
      }),
      coverFile,
      true,
    );
    await joinPdfs([coverFile, ...chunks], file);
  } finally {
    await renderer.close();
    rmSync(work, { recursive: true, force: true });
  }
}

export type PacketTarget = { readonly kind: 'stream'; readonly out: Writable } | { readonly kind: 'file'; readonly path: string };

/**
 * Makes a delivery packet (PDF or CSV) and records the delivery. Streams: signers are read in
 * keyset pages and written (CSV) or printed in chunks (PDF) as they come, so memory stays flat for
 * a million signatures. A PDF goes to a file (the chunks are joined at the end); a CSV to a file
 * or any stream. Returns the manifest, which the caller keeps beside the packet.
 */
export async function makePacket(ctx: Context, author: Author, petition: Petition, options: PacketOptions, target: PacketTarget): Promise<{ manifest: Manifest; deliveryId: number }> {
  // One packet at a time per process: a PDF starts a browser, and two at once on a small server
  // would take memory and CPU from signing for no gain.
  const previous = packetQueue.get(ctx) ?? Promise.resolve();
  let release = () => {};
  const mine = new Promise<void>((resolve) => (release = resolve));
  packetQueue.set(ctx, previous.then(() => mine));
  await previous;
  try {
    return await writeAndRecord(ctx, author, petition, options, target, await plan(ctx, author, petition, options));
  } finally {
    release();
  }
}

const packetQueue = new WeakMap<Context, Promise<void>>();

async function writeAndRecord(ctx: Context, author: Author, petition: Petition, options: PacketOptions, target: PacketTarget, p: Plan): Promise<{ manifest: Manifest; deliveryId: number }> {
  const tallies: Tallies = { rows: 0, countries: new Map(), regions: new Map() };
  if (options.format === 'pdf') {
    if (target.kind !== 'file') throw new Error('a PDF packet is written to a file');
    await writePdf(ctx, p, target.path, tallies);
  } else if (target.kind === 'file') {
    const { createWriteStream } = await import('node:fs');
    const out = createWriteStream(target.path);
    try {
      await writeCsv(ctx, p, out, tallies);
    } finally {
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    }
  } else {
    await writeCsv(ctx, p, target.out, tallies);
  }
  const removed = p.summary.removals.fraud + p.summary.removals.duplicate + p.summary.removals.erasure;
  const deliveryId = await recordDelivery(ctx, petition, {
    petition_id: petition.id,
    format: options.format,
    fields: options.fields.join(','),
    partner_id: p.partner?.organisationId ?? null,
    head_position: p.summary.entries,
    head_hash: Buffer.from(p.summary.head, 'hex'),
    online_count: p.summary.online,
    paper_count: p.summary.paper,
    removed_count: removed,
    signer_rows: tallies.rows,
    user_id: authorUserId(author),
    by_label: authorLabel(author),
    created_at: p.madeAt,
  });
  ctx.logger.info({ petitionId: petition.id, deliveryId, format: options.format, rows: tallies.rows }, 'delivery packet made');
  const manifest: Manifest = {
    chorus: MANIFEST_VERSION,
    petition: { slug: petition.slug, id: petition.id, title: petition.title, target: petition.target },
    log: { head: p.summary.head, entries: p.summary.entries, version: LOG_VERSION },
    counts: { online: p.summary.online, paper: p.summary.paper, removed: { ...p.summary.removals } },
    format: options.format,
    fields: [...options.fields],
    partner: p.partner?.slug ?? null,
    rows: tallies.rows,
    generatedAt: new Date(p.madeAt).toISOString(),
    verifyUrl: p.verifyUrl,
  };
  return { manifest, deliveryId };
}
