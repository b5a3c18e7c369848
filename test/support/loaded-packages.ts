/**
 * Starts Chorus as `chorus serve` does, from the environment, and prints as JSON which of the
 * packages named on the command line the process has loaded, then stops it.
 *   node bin/run-ts.js test/support/loaded-packages.ts pg ioredis nodemailer
 */
import { createRequire } from 'node:module';
import { readEnv } from '../../src/config/config.ts';
import { startChorus } from '../../src/server.ts';

const require = createRequire(import.meta.url);
const packages = process.argv.slice(2);
const chorus = await startChorus(readEnv());
const loaded = new Set(Object.keys(require.cache));
const answer = Object.fromEntries(packages.map((name) => [name, loaded.has(require.resolve(name))]));
await chorus.stop();
console.log(JSON.stringify(answer));
