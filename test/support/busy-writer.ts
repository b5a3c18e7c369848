import { fork } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Another process that commits to an SQLite file one row after another, as a signing server does,
 * into a table of its own (`busy_probe`). Resolves once it has committed its first 50.
 */
export async function startBusyWriter(file: string): Promise<{ stop(): void }> {
  const script = `
    const db = new (require(${JSON.stringify(require.resolve('better-sqlite3'))}))(${JSON.stringify(file)});
    db.pragma('busy_timeout = 5000');
    db.exec('create table if not exists busy_probe (n integer)');
    const insert = db.prepare('insert into busy_probe (n) values (?)');
    let n = 0;
    const next = () => { insert.run(n++); if (n === 50) process.send('writing'); setImmediate(next); };
    next();`;
  const writer = fork('-e', [script], { execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  await new Promise((resolve, reject) => {
    writer.once('message', resolve);
    writer.once('exit', (code) => reject(new Error(`the busy writer exited (${code})`)));
  });
  return { stop: () => void writer.kill() };
}
