import { performance } from 'node:perf_hooks';
import { HttpConnection } from './http-client.ts';
import { round, Samples, type LatencySummary } from './stats.ts';

/** What one operation (one request, or a short flow such as open-link-then-confirm) came to. */
export interface OpOutcome {
  readonly ok: boolean;
  /** The status of the last response (0 when the connection failed). */
  readonly status: number;
  readonly requests: number;
  readonly error?: string;
  /** The scenario has nothing more to do (for example: no confirmation tokens left). */
  readonly exhausted?: boolean;
}

export interface Scenario {
  run(connection: HttpConnection): Promise<OpOutcome>;
  /** Anything the scenario tracked (for example which addresses were answered 2xx). */
  report?(): Record<string, unknown>;
}

export interface LoadHooks {
  onMeasureStart?(): void;
  onMeasureEnd?(): void;
}

export interface CommonOptions {
  readonly host: string;
  readonly port: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** How long in-flight operations may take to finish after the end, so every sent request is accounted for. */
  readonly drainMs?: number;
}

export interface LoadResult {
  readonly mode: 'closed' | 'open';
  readonly connections: number;
  readonly offeredRate: number | undefined;
  readonly warmupMs: number;
  /** How long the measured window was open: shorter than asked when the scenario ran out of work. */
  readonly durationMs: number;
  /** Operations completed inside the measured window, per second. */
  readonly opsPerSec: number;
  /** Successful operations completed inside the measured window, per second. */
  readonly okPerSec: number;
  readonly requestsPerSec: number;
  /** Latency of operations started (closed loop) or due (open loop) inside the window. */
  readonly latency: LatencySummary;
  readonly opsInWindow: number;
  readonly errorsInWindow: number;
  readonly totalOps: number;
  readonly totalErrors: number;
  readonly statuses: Record<string, number>;
  readonly errors: Record<string, number>;
  /** Open loop: operations that were due but found no free connection, at most at once. */
  readonly maxBacklog: number;
  /** Operations still unanswered when the drain time ran out (they are counted as errors). */
  readonly unanswered: number;
  readonly scenario: Record<string, unknown>;
}

class Recorder {
  readonly latency = new Samples();
  opsInWindow = 0;
  okInWindow = 0;
  errorsInWindow = 0;
  requestsInWindow = 0;
  totalOps = 0;
  totalErrors = 0;
  readonly statuses: Record<string, number> = {};
  readonly errors: Record<string, number> = {};
  windowStart = Number.POSITIVE_INFINITY;
  windowEnd = Number.POSITIVE_INFINITY;

  record(due: number, done: number, outcome: OpOutcome): void {
    this.totalOps += 1;
    const key = String(outcome.status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    if (!outcome.ok) {
      this.totalErrors += 1;
      if (outcome.error) this.errors[outcome.error] = (this.errors[outcome.error] ?? 0) + 1;
    }
    if (due >= this.windowStart && due < this.windowEnd) this.latency.add(done - due);
    if (done >= this.windowStart && done < this.windowEnd) {
      this.opsInWindow += 1;
      this.requestsInWindow += outcome.requests;
      if (outcome.ok) this.okInWindow += 1;
      else this.errorsInWindow += 1;
    }
  }
}

async function runOp(scenario: Scenario, connection: HttpConnection): Promise<OpOutcome> {
  try {
    return await scenario.run(connection);
  } catch (error) {
    return { ok: false, status: 0, requests: 1, error: error instanceof Error ? error.message : String(error) };
  }
}

interface MeasuredWindow {
  /** Settles when the window closes on time. */
  readonly ended: Promise<void>;
  /** Closes the window now if it is still open (the scenario ran out of work early). */
  endNow(): void;
}

function startWindow(recorder: Recorder, options: CommonOptions, hooks: LoadHooks, start: number): MeasuredWindow {
  recorder.windowStart = start + options.warmupMs;
  recorder.windowEnd = start + options.warmupMs + options.durationMs;
  let opened = false;
  let closed = false;
  const open = () => {
    opened = true;
    hooks.onMeasureStart?.();
  };
  const close = () => {
    closed = true;
    hooks.onMeasureEnd?.();
  };
  let startTimer: NodeJS.Timeout | undefined;
  let endTimer: NodeJS.Timeout | undefined;
  const ended = new Promise<void>((resolve) => {
    startTimer = setTimeout(open, options.warmupMs);
    endTimer = setTimeout(() => {
      close();
      resolve();
    }, options.warmupMs + options.durationMs);
  });
  return {
    ended,
    endNow() {
      if (closed) return;
      clearTimeout(startTimer);
      clearTimeout(endTimer);
      const now = performance.now();
      // Rates are taken over the time the window was really open (none at all if it never opened).
      if (!opened) {
        recorder.windowStart = now;
        open();
      }
      recorder.windowEnd = now;
      close();
    },
  };
}

async function openConnections(options: CommonOptions, count: number): Promise<HttpConnection[]> {
  const connections: HttpConnection[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => new HttpConnection(options.host, options.port));
    await Promise.all(batch.map((c) => c.connect()));
    connections.push(...batch);
  }
  return connections;
}

function finish(
  mode: 'closed' | 'open',
  recorder: Recorder,
  options: CommonOptions,
  connections: number,
  offeredRate: number | undefined,
  maxBacklog: number,
  unanswered: number,
  scenario: Scenario,
): LoadResult {
  const measuredMs = Math.min(options.durationMs, recorder.windowEnd - recorder.windowStart);
  const seconds = Math.max(measuredMs, 1) / 1000;
  return {
    mode,
    connections,
    offeredRate,
    warmupMs: options.warmupMs,
    durationMs: Math.round(measuredMs),
    opsPerSec: round(recorder.opsInWindow / seconds, 1),
    okPerSec: round(recorder.okInWindow / seconds, 1),
    requestsPerSec: round(recorder.requestsInWindow / seconds, 1),
    latency: recorder.latency.summary(),
    opsInWindow: recorder.opsInWindow,
    errorsInWindow: recorder.errorsInWindow,
    totalOps: recorder.totalOps + unanswered,
    totalErrors: recorder.totalErrors + unanswered,
    statuses: recorder.statuses,
    errors: recorder.errors,
    maxBacklog,
    unanswered,
    scenario: scenario.report?.() ?? {},
  };
}

/** Waits for the given promises, at most `ms`; returns how many had not settled. */
async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<number> {
  let settled = 0;
  const tracked = promises.map((p) => p.then(() => void (settled += 1)));
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(tracked), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  if (timer) clearTimeout(timer);
  return promises.length - settled;
}

/**
 * Closed loop: `connections` clients, each sending its next operation as soon as the previous one
 * is answered. After the window, each client finishes the operation it has in flight (nothing is
 * abandoned half-way, so the correctness check can account for every request).
 */
export async function runClosedLoop(options: CommonOptions & { readonly connections: number }, scenario: Scenario, hooks: LoadHooks = {}): Promise<LoadResult> {
  const recorder = new Recorder();
  const connections = await openConnections(options, options.connections);
  const start = performance.now();
  let running = true;
  const window = startWindow(recorder, options, hooks, start);
  const windowEnded = window.ended.then(() => void (running = false));

  const client = async (connection: HttpConnection) => {
    while (running) {
      const t0 = performance.now();
      const outcome = await runOp(scenario, connection);
      recorder.record(t0, performance.now(), outcome);
      if (outcome.exhausted) return;
      // A refused connection must not spin: give the server a moment.
      if (outcome.status === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  const clients = connections.map((c) => client(c));
  await Promise.race([windowEnded, Promise.all(clients)]);
  running = false;
  window.endNow();
  const unanswered = await settleWithin(clients, options.drainMs ?? 60_000);
  for (const c of connections) c.close();
  return finish('closed', recorder, options, options.connections, undefined, 0, unanswered, scenario);
}

/**
 * Open loop at a fixed offered rate: operation i is due at start + i / rate whatever happened to
 * the ones before it, and its latency is measured from that due time (no coordinated omission:
 * time spent waiting for a free connection counts). `connections` are opened in advance; when all
 * are busy, due operations wait in a backlog (reported).
 */
export async function runOpenLoop(options: CommonOptions & { readonly connections: number; readonly rate: number }, scenario: Scenario, hooks: LoadHooks = {}): Promise<LoadResult> {
  const recorder = new Recorder();
  const connections = await openConnections(options, options.connections);
  const idle = [...connections];
  const total = Math.floor((options.rate * (options.warmupMs + options.durationMs)) / 1000);
  const interval = 1000 / options.rate;
  const backlog: number[] = [];
  let backlogHead = 0;
  let maxBacklog = 0;
  let next = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const window = startWindow(recorder, options, hooks, start);

  const dispatch = (connection: HttpConnection, due: number) => {
    const op = runOp(scenario, connection).then((outcome) => {
      inFlight.delete(op);
      if (stopped) return;
      recorder.record(due, performance.now(), outcome);
      if (backlogHead < backlog.length) {
        dispatch(connection, backlog[backlogHead++] as number);
        if (backlogHead > 4096 && backlogHead * 2 > backlog.length) {
          backlog.splice(0, backlogHead);
          backlogHead = 0;
        }
      } else idle.push(connection);
    });
    inFlight.add(op);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (next < total && start + next * interval <= now) {
        const due = start + next * interval;
        next += 1;
        const connection = idle.pop();
        if (connection) dispatch(connection, due);
        else backlog.push(due);
      }
      maxBacklog = Math.max(maxBacklog, backlog.length - backlogHead);
      if (next >= total) return resolve();
      setTimeout(tick, Math.max(0, Math.min(1, start + next * interval - performance.now())));
    };
    tick();
  });
  await window.ended;
  // Everything due has been issued or queued; let the queue and the in-flight operations finish.
  const deadline = performance.now() + (options.drainMs ?? 60_000);
  while ((inFlight.size > 0 || backlogHead < backlog.length) && performance.now() < deadline) {
    await settleWithin([...inFlight], Math.max(1, deadline - performance.now()));
  }
  const unanswered = inFlight.size + (backlog.length - backlogHead);
  stopped = true;
  for (const c of connections) c.close();
  return finish('open', recorder, options, options.connections, options.rate, maxBacklog, unanswered, scenario);
}
