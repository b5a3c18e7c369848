import { devMailboxSource } from '../mail/dev-mail-data.service.ts';
import { signerDataSource } from '../signatures/signer-data.service.ts';
import type { PersonalDataSource } from './personal-data.ts';

/**
 * Every place Chorus keeps personal data about a signer, in one list: a person's download and
 * erasure walk it in order. A domain that starts keeping personal data (events and their RSVPs,
 * say) adds its source here. Signatures come first: erasing them also takes their consents and the
 * mail waiting to be sent about them.
 */
export const PERSONAL_DATA_SOURCES: readonly PersonalDataSource[] = [signerDataSource, devMailboxSource];
