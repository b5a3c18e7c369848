import type { Command } from './command.ts';
import { deliverCommand } from './deliver.command.ts';
import { keysCommand } from './keys.command.ts';
import { migrateCommand } from './migrate.command.ts';
import { orgCommand } from './org.command.ts';
import { paperCommand } from './paper.command.ts';
import { petitionCommand } from './petition.command.ts';
import { serveCommand } from './serve.command.ts';
import { signatureCommand } from './signature.command.ts';
import { userCommand } from './user.command.ts';
import { verifyCommand } from './verify.command.ts';
import { workerCommand } from './worker.command.ts';

/** Every CLI command, in one list. */
export const commands: readonly Command[] = [serveCommand, workerCommand, migrateCommand, petitionCommand, orgCommand, userCommand, verifyCommand, paperCommand, signatureCommand, deliverCommand, keysCommand];
