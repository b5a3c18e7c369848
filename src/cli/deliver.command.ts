import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { listDeliveries, publishDelivery } from '../deliveries/deliveries.service.ts';
import { isPacketFormat, parseFields } from '../deliveries/packet.ts';
import { makePacket } from '../deliveries/packet.service.ts';
import { isLocale } from '../i18n/i18n.ts';
import { parseOptions, UsageError, type Command } from './command.ts';
import { operatorName, petitionForCommand } from './petition-lookup.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus deliver <slug> --format pdf|csv [--partner S] [--fields name,country,comment] [--out FILE] [--locale en|fr|ar] [--by NAME]
chorus deliver <slug> --list
chorus deliver <slug> --publish ID [--note "Handed to the board at the shareholder meeting"] [--by NAME]`;

/** Where the manifest goes: beside the packet, `packet.pdf` → `packet.manifest.json`. */
export function manifestPathFor(out: string): string {
  const ext = path.extname(out);
  return `${ext ? out.slice(0, -ext.length) : out}.manifest.json`;
}

/**
 * Makes a delivery packet (PDF or CSV, streamed: flat memory for any size), writes its manifest
 * beside it, and records the delivery; or lists deliveries; or publishes one on the timeline.
 */
export const deliverCommand: Command = {
  name: 'deliver',
  usage: USAGE,
  summary: 'Make a delivery packet (PDF or CSV) with a count anyone can verify; list or publish deliveries.',
  async run(argv) {
    const { values, positionals } = parseOptions(argv, {
      format: { type: 'string' },
      partner: { type: 'string' },
      fields: { type: 'string' },
      out: { type: 'string' },
      locale: { type: 'string' },
      by: { type: 'string' },
      list: { type: 'boolean' },
      publish: { type: 'string' },
      note: { type: 'string' },
    });
    const author = { kind: 'operator', name: operatorName(values.by) } as const;
    if (values.list) {
      return withContext(async (ctx) => {
        const petition = await petitionForCommand(ctx, positionals[0]);
        const rows = await listDeliveries(ctx, author, petition);
        if (rows.length === 0) console.log('No delivery packet has been made yet.');
        for (const d of rows) {
          const when = new Date(d.createdAt).toISOString().slice(0, 16).replace('T', ' ');
          const published = d.publishedAt ? `published ${new Date(d.publishedAt).toISOString().slice(0, 10)}` : 'not published';
          console.log(`${d.id}\t${when}\t${d.format}\t${d.fields}\t${d.online} online + ${d.paper} paper, ${d.rows} rows\thead ${d.headHash.toString('hex')} after ${d.headPosition}\t${d.byLabel}\t${published}`);
        }
        return 0;
      });
    }
    if (values.publish !== undefined) {
      const id = Number(values.publish);
      if (!Number.isSafeInteger(id) || id < 1) throw new UsageError('--publish takes a delivery id from "chorus deliver <slug> --list".');
      return withContext(async (ctx) => {
        const petition = await petitionForCommand(ctx, positionals[0]);
        await publishDelivery(ctx, author, petition, id, values.note ?? '');
        console.log(`Delivery ${id} is on the public timeline: ${ctx.config.publicUrl}/p/${petition.slug}/timeline`);
        return 0;
      });
    }
    if (!isPacketFormat(values.format)) throw new UsageError('--format must be pdf or csv.');
    const format = values.format;
    const fields = parseFields(values.fields);
    if (!fields) throw new UsageError('--fields is a comma-separated list of name, country and comment.');
    if (values.locale !== undefined && !isLocale(values.locale)) throw new UsageError('--locale must be en, fr or ar.');
    const locale = values.locale !== undefined && isLocale(values.locale) ? values.locale : undefined;
    return withContext(async (ctx) => {
      const petition = await petitionForCommand(ctx, positionals[0]);
      const out = values.out ?? (format === 'pdf' ? `${petition.slug}-delivery-${new Date(ctx.clock.now()).toISOString().slice(0, 10)}.pdf` : undefined);
      const started = Date.now();
      const { manifest, deliveryId } = await makePacket(ctx, author, petition, { format, fields, partner: values.partner, locale }, out ? { kind: 'file', path: out } : { kind: 'stream', out: process.stdout });
      // With the CSV on standard output, the summary goes to standard error so the data stays clean.
      const say = out ? console.log : console.error;
      if (out) writeFileSync(manifestPathFor(out), `${JSON.stringify(manifest, null, 2)}\n`);
      say(`Delivery ${deliveryId}: ${manifest.rows} signer rows${out ? ` in ${out} (manifest: ${manifestPathFor(out)})` : ''}, ${((Date.now() - started) / 1000).toFixed(1)} s.`);
      say(`Log head ${manifest.log.head} after ${manifest.log.entries} entries; ${manifest.counts.online} confirmed online, ${manifest.counts.paper} on paper.`);
      say(`Check it later: chorus verify ${petition.slug} --head ${manifest.log.head} --count ${manifest.log.entries}`);
      return 0;
    });
  },
};
