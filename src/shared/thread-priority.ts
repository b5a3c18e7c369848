import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Lowers the scheduling priority of the calling thread alone (its nice value, 0 to 19; higher is
 * lower), where the system allows it per thread (Linux: the thread's own id, from
 * /proc/thread-self). Returns whether it did: elsewhere the thread keeps the process's priority,
 * which is only slower, never wrong. Lowering needs no privilege.
 */
export function lowerThisThreadPriority(nice: number): boolean {
  let threadId: number;
  try {
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return false;
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return false;
  try {
    setPriority(threadId, nice);
    return true;
  } catch {
    return false;
  }
}
