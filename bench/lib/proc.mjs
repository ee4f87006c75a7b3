// Per-process memory and CPU from /proc (Linux), to see where a 2-core machine's time went in each phase.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function statusField(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** Resident set size now, and its peak since the process started (VmHWM), in bytes. */
export function memoryOf(pid) {
  try {
    return { rss: statusField(pid, 'VmRSS'), peak: statusField(pid, 'VmHWM') };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/** CPU seconds (user + system) a process has used so far; NaN if it is gone or not ours to read. */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/** CPU seconds per pid of a set of named pid lists, for before/after differences. */
export function cpuSnapshot(pids) {
  return Object.fromEntries(
    Object.entries(pids).map(([name, list]) => [
      name,
      new Map([].concat(list).map((pid) => [pid, cpuSecondsOf(pid)])),
    ]),
  );
}

/** CPU seconds each name used between two snapshots, over the pids alive at both (a pool may close some). */
export function cpuDelta(after, before) {
  return Object.fromEntries(
    Object.entries(after).map(([name, pids]) => {
      let sum = 0;
      for (const [pid, cpu] of pids) {
        const old = before[name]?.get(pid);
        if (Number.isFinite(cpu) && Number.isFinite(old)) sum += cpu - old;
      }
      return [name, sum];
    }),
  );
}

/** Samples a pid's RSS every `everyMs` until stopped; returns the largest seen. */
export function rssSampler(pid, everyMs = 100) {
  let max = 0;
  const timer = setInterval(() => {
    const { rss } = memoryOf(pid);
    if (rss > max) max = rss;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return max;
    },
  };
}
