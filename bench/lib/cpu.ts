import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU accounting from /proc, so a noisy run is visible: how much CPU the server, the load
 * generator, the SSE viewers, PostgreSQL and everything else used during a measured window.
 */
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export interface CpuSnapshot {
  readonly at: number;
  /** Jiffies from /proc/stat, all CPUs. */
  readonly busy: number;
  /** Interrupt and softirq time (loopback networking is mostly here, charged to no process). */
  readonly irq: number;
  readonly steal: number;
  /** utime+stime jiffies and the command name of every process. */
  readonly processes: ReadonlyMap<number, { readonly comm: string; readonly ticks: number; readonly kernel: boolean }>;
}

export function takeCpuSnapshot(): CpuSnapshot {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  // cpu user nice system idle iowait irq softirq steal guest guest_nice
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  const processes = new Map<number, { comm: string; ticks: number; kernel: boolean }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const rest = stat.slice(close + 2).split(' ');
      // fields after the comm start at field 3 (state); utime is field 14, stime 15.
      // Kernel threads (children of kthreadd, pid 2) do the disk writeback of our own databases.
      const ppid = Number(rest[1]);
      processes.set(Number(entry), { comm, ticks: Number(rest[11]) + Number(rest[12]), kernel: ppid === 2 || Number(entry) === 2 });
    } catch {
      // the process ended while we looked
    }
  }
  return { at: performance.now(), busy: user + nice + system, irq: irq + softirq, steal, processes };
}

/** CPU used in a window, in cores (1.0 = one core fully busy), by role. */
export type CpuUse = Record<string, number | string> & { total: number; other: number; irq: number; steal: number; wallSeconds: number; busiestOthers: string };

/**
 * `roles` maps a role name to a pid; processes named `postgres` are grouped as "postgres", kernel
 * threads as "kernel"; "other" is the rest (other people's processes, and short-lived ones).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, roles: Readonly<Record<string, number | undefined>>): CpuUse {
  const seconds = (after.at - before.at) / 1000;
  const cores = (ticks: number) => Math.round((ticks / TICKS_PER_SECOND / seconds) * 100) / 100;
  const delta = (pid: number) => {
    const a = after.processes.get(pid);
    const b = before.processes.get(pid);
    if (!a) return 0;
    // A process that started inside the window spent all its time inside it.
    return b && b.comm === a.comm ? Math.max(0, a.ticks - b.ticks) : a.ticks;
  };
  const use: Record<string, number> = {};
  let attributed = 0;
  const seen = new Set<number>();
  for (const [role, pid] of Object.entries(roles)) {
    if (pid === undefined) continue;
    const ticks = delta(pid);
    use[role] = cores(ticks);
    attributed += ticks;
    seen.add(pid);
  }
  let postgres = 0;
  let kernel = 0;
  const others = new Map<string, number>();
  for (const [pid, p] of after.processes) {
    if (seen.has(pid)) continue;
    if (p.comm === 'postgres') postgres += delta(pid);
    else if (p.kernel) kernel += delta(pid);
    else others.set(p.comm, (others.get(p.comm) ?? 0) + delta(pid));
  }
  use.kernel = cores(kernel);
  attributed += kernel;
  // The busiest unrelated processes by name, so noise can be traced to its source.
  const busiestOthers = [...others]
    .filter(([, ticks]) => ticks > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([comm, ticks]) => `${comm} ${cores(ticks).toFixed(2)}`)
    .join(', ');
  use.postgres = cores(postgres);
  attributed += postgres;
  const total = after.busy - before.busy;
  return {
    ...use,
    total: cores(total + after.irq - before.irq),
    other: cores(Math.max(0, total - attributed)),
    irq: cores(after.irq - before.irq),
    steal: cores(after.steal - before.steal),
    busiestOthers,
    wallSeconds: Math.round(seconds * 100) / 100,
  };
}

/** Resident memory of a process in bytes (VmRSS), or 0 when it is gone. */
export function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples a process's RSS every `intervalMs` and keeps the peak. */
export function watchRss(pid: number, intervalMs = 250): { stop(): number } {
  let peak = rssOf(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid))), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssOf(pid));
    },
  };
}
