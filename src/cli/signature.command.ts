import { formatReceipt, isRemovalReason, REMOVAL_REASONS } from '../ledger/entry.ts';
import { removeSignature } from '../ledger/removals.service.ts';
import { parseOptions, UsageError, type Command } from './command.ts';
import { operatorName, petitionForCommand } from './petition-lookup.ts';
import { withContext } from './run-context.ts';

const USAGE = `chorus signature remove <slug> (--email ADDRESS | --id N) --reason ${REMOVAL_REASONS.join('|')} [--by NAME]`;

/**
 * Removes one signature from the count: fraud or duplicate (kept, marked removed), or erasure on
 * the signer's request (personal data blanked). A confirmed one gets a removal entry in the log.
 */
export const signatureCommand: Command = {
  name: 'signature',
  usage: USAGE,
  summary: 'Remove a signature as fraudulent or duplicate, or erase it on the signer’s request.',
  async run(argv) {
    const [action, ...rest] = argv;
    if (action !== 'remove') throw new UsageError(action ? `Unknown signature action "${action}".` : 'Say what to do: remove.');
    const { values, positionals } = parseOptions(rest, { email: { type: 'string' }, id: { type: 'string' }, reason: { type: 'string' }, by: { type: 'string' } });
    if (!isRemovalReason(values.reason)) throw new UsageError(`--reason must be one of ${REMOVAL_REASONS.join(', ')}.`);
    const reason = values.reason;
    if ((values.email === undefined) === (values.id === undefined)) throw new UsageError('Name the signature by --email or by --id (one of them).');
    const id = Number(values.id);
    if (values.id !== undefined && (!Number.isSafeInteger(id) || id < 1)) throw new UsageError('--id must be a signature id.');
    return withContext(async (ctx) => {
      const petition = await petitionForCommand(ctx, positionals[0]);
      const selector = values.email !== undefined ? { email: values.email } : { signatureId: id };
      const outcome = await removeSignature(ctx, { kind: 'operator', name: operatorName(values.by) }, petition, selector, reason);
      // The receipt, never the address: command output ends up in shell histories and logs.
      console.log(
        outcome.wasConfirmed
          ? `Removed receipt ${formatReceipt(outcome.receipt)} (${reason}): log entry ${outcome.logPosition ?? '?'}; the count went down by one.`
          : `Removed receipt ${formatReceipt(outcome.receipt)} (${reason}); it was not confirmed, so the count did not change.`,
      );
      return 0;
    });
  },
};
