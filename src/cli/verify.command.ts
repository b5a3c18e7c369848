import { readFileSync } from 'node:fs';
import { readManifestAnchor } from '../deliveries/manifest.ts';
import type { ChainBreak } from '../ledger/entry.ts';
import { verifyLog } from '../ledger/ledger.service.ts';
import { parseOptions, UsageError, type Command } from './command.ts';
import { petitionForCommand } from './petition-lookup.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus verify <slug>
chorus verify <slug> --head H --count N      (a packet's printed head and number of log entries)
chorus verify <slug> --packet FILE           (a packet's manifest, FILE.manifest.json)`;

const PROBLEMS: Readonly<Record<ChainBreak['problem'], string>> = {
  missing: 'entry missing (deleted)',
  altered: 'entry does not match its own hash (edited or moved here)',
  rewritten: 'entry replaced with a fresh hash (the next entry still records the old one)',
  head: 'the head row does not name the last entry',
};

/**
 * Recomputes a petition's signature log from the database and reports every break by position;
 * with a packet's head, says whether today's log still extends it. Exit 0 only when all holds.
 */
export const verifyCommand: Command = {
  name: 'verify',
  usage: USAGE,
  summary: 'Recompute a petition’s signature log and check it against a delivery packet.',
  async run(argv) {
    const { values, positionals } = parseOptions(argv, { head: { type: 'string' }, count: { type: 'string' }, packet: { type: 'string' } });
    const [slug] = positionals;
    let anchor: { position: number; hash: string } | undefined;
    if (values.packet !== undefined) {
      if (values.head !== undefined || values.count !== undefined) throw new UsageError('Give either --packet or --head with --count, not both.');
      let text: string;
      try {
        text = readFileSync(values.packet, 'utf8');
      } catch {
        throw new UsageError(`Cannot read ${values.packet}.`);
      }
      try {
        const read = readManifestAnchor(text);
        if (slug && read.slug && read.slug !== slug) throw new UsageError(`The manifest is for "${read.slug}", not "${slug}".`);
        anchor = { position: read.position, hash: read.hash };
      } catch (error) {
        if (error instanceof UsageError) throw error;
        throw new UsageError(error instanceof Error ? error.message : String(error));
      }
    } else if (values.head !== undefined || values.count !== undefined) {
      const hash = (values.head ?? '').replace(/\s/g, '').toLowerCase();
      const count = Number((values.count ?? '').replace(/[_,\s]/g, ''));
      if (!/^[0-9a-f]{64}$/.test(hash)) throw new UsageError('--head must be the 64 hexadecimal digits printed on the packet.');
      if (!Number.isSafeInteger(count) || count < 0) throw new UsageError('--count must be the number of log entries printed on the packet.');
      anchor = { position: count, hash };
    }
    return withContext(async (ctx) => {
      const petition = await petitionForCommand(ctx, slug);
      const report = await verifyLog(ctx, petition, anchor);
      const n = (value: number) => value.toLocaleString('en');
      console.log(`${petition.slug}: ${n(report.checked)} log entries recomputed; head ${report.head.hash} at position ${n(report.head.position)}.`);
      console.log(`Online signatures by the log: ${n(report.online)}; the petition's counter: ${n(report.counter)} (${report.counterAgrees ? 'agrees' : 'DISAGREES'}). Paper: ${n(report.paper)}.`);
      if (report.breaks.length === 0) console.log('Chain: intact.');
      for (const found of report.breaks) console.log(`BREAK at position ${n(found.position)}: ${PROBLEMS[found.problem]}.`);
      if (report.anchor) {
        const { position, hash, extends: holds, found } = report.anchor;
        console.log(
          holds
            ? `Packet head ${hash} at position ${n(position)}: the current log still extends it.`
            : `Packet head ${hash} at position ${n(position)}: NOT extended by the current log (${found ? `that position now holds ${found}` : 'the log has no entry at that position'}).`,
        );
      }
      const ok = report.breaks.length === 0 && report.counterAgrees && (report.anchor?.extends ?? true);
      return ok ? 0 : 1;
    });
  },
};
