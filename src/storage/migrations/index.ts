import type { Migration } from 'kysely';
import type { DialectName } from '../dialect.ts';
import { core } from './0001-core.ts';
import { organisersAndCoalitions } from './0002-organisers-and-coalitions.ts';
import { signatureLogAndDeliveries } from './0003-signature-log-and-deliveries.ts';
import { accountSecurity } from './0004-account-security.ts';
import { consentsInSignatureOrder } from './0005-consents-in-signature-order.ts';
import { retention } from './0006-retention.ts';
import { fraud } from './0007-fraud.ts';
import { signerRights } from './0008-signer-rights.ts';
import { heldBackSubtotals } from './0009-held-back-subtotals.ts';
import { countChangeMarks } from './0010-count-change-marks.ts';

/** Every migration, in order. Numbered code: a reader can open each one. */
export function listMigrations(dialect: DialectName): Record<string, Migration> {
  return {
    '0001-core': core(dialect),
    '0002-organisers-and-coalitions': organisersAndCoalitions(dialect),
    '0003-signature-log-and-deliveries': signatureLogAndDeliveries(dialect),
    '0004-account-security': accountSecurity(dialect),
    '0005-consents-in-signature-order': consentsInSignatureOrder(dialect),
    '0006-retention': retention(dialect),
    '0007-fraud': fraud(dialect),
    '0008-signer-rights': signerRights(dialect),
    '0009-held-back-subtotals': heldBackSubtotals(dialect),
    '0010-count-change-marks': countChangeMarks(dialect),
  };
}
