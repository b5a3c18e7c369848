import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/ is two levels down). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TMP = path.join(REPO, 'bench', 'tmp');
export const LOGS = path.join(TMP, 'logs');

/** The `chorus` command: `npm start` runs `sh bin/chorus serve`, which execs node with flags for the database. */
export const CHORUS_COMMAND = path.join(REPO, 'bin', 'chorus');

/** The node flags bin/chorus gives a server in this environment (`chorus --node-flags`). */
export function chorusNodeFlags(env: NodeJS.ProcessEnv): string[] {
  const run = spawnSync('sh', [CHORUS_COMMAND, '--node-flags'], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`chorus --node-flags failed: ${run.stderr}`);
  return run.stdout.trim().split(/\s+/).filter(Boolean);
}

/**
 * The flags every baseline (H and the naive designs) runs with: those `npm start` gives Chorus on
 * its embedded database. The ratios then compare designs on the same runtime settings.
 */
export function serverNodeFlags(): string[] {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  delete env.CHORUS_WRITER_THREAD;
  return chorusNodeFlags(env);
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves with the exit code when the process has ended. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not ended within `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Flags for node itself, before the script (e.g. --cpu-prof). */
  readonly nodeArgs?: readonly string[];
  /** Open an IPC channel (for the load generator and the viewers). */
  readonly ipc?: boolean;
}

/** Starts `node <script> ...args` in the repository, its output going to bench/tmp/logs/<name>.log. */
export function startNode(name: string, script: string, args: readonly string[], options: StartOptions = {}): Child {
  return startProcess(name, process.execPath, [...(options.nodeArgs ?? []), script, ...args], options);
}

/** Starts `command ...args` in the repository, its output going to bench/tmp/logs/<name>.log. */
export function startProcess(name: string, command: string, args: readonly string[], options: Omit<StartOptions, 'nodeArgs'> = {}): Child {
  mkdirSync(LOGS, { recursive: true });
  const child = spawn(command, args, {
    cwd: REPO,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const log = createWriteStream(path.join(LOGS, `${name}.log`), { flags: 'a' });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  return {
    name,
    process: child,
    pid: child.pid,
    exited,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Runs a TypeScript file of bench/ in its own process through bin/run-ts.js. */
export function startTs(name: string, file: string, args: readonly string[], options: StartOptions = {}): Child {
  return startNode(name, path.join(REPO, 'bin', 'run-ts.js'), [file, ...args], options);
}

/** Runs a command to completion; rejects with its output when it fails. */
export function runNode(script: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${path.basename(script)} ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A GET on 127.0.0.1, its status and body. */
export function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (d: string) => (body += d));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('error', reject);
    request.setTimeout(5_000, () => request.destroy(new Error('timeout')));
  });
}

/** Waits until GET `urlPath` answers 200, or the child exits, or time runs out. */
export async function waitForHttp(child: Child, port: number, urlPath: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void child.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${child.name} exited before it was ready (see bench/tmp/logs/${child.name}.log)`);
    try {
      if ((await httpGet(port, urlPath)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} was not ready on port ${port} within ${timeoutMs} ms`);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
