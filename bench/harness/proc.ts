import { readdirSync, readFileSync } from 'node:fs';

/**
 * Linux /proc readings for a server process and its descendants (a server that forks helpers is
 * charged for them too). All functions return 0 for processes that vanished mid-read.
 */

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux we target (getconf CLK_TCK). */
const CLK_TCK = 100;

interface StatLine {
  readonly ppid: number;
  /** utime + stime in ticks. */
  readonly cpuTicks: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: fields restart after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
}

/** `pid` and all its live descendants. */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number[]>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const name of names) {
    const child = Number(name);
    if (!Number.isInteger(child)) continue;
    const stat = readStat(child);
    if (stat === undefined) continue;
    const list = parents.get(stat.ppid);
    if (list === undefined) parents.set(stat.ppid, [child]);
    else list.push(child);
  }
  const out: number[] = [];
  const queue = [pid];
  // Bounded: each pid is visited once and /proc lists finitely many.
  while (queue.length > 0 && out.length < 10_000) {
    const p = queue.shift()!;
    out.push(p);
    for (const c of parents.get(p) ?? []) queue.push(c);
  }
  return out;
}

/** CPU seconds (user + system) consumed so far by `pid` and its descendants. */
export function cpuSeconds(pid: number): number {
  let ticks = 0;
  for (const p of processTree(pid)) ticks += readStat(p)?.cpuTicks ?? 0;
  return ticks / CLK_TCK;
}

function statusField(pid: number, field: string): number {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return 0;
  }
  const at = text.indexOf(`${field}:`);
  if (at < 0) return 0;
  const kb = Number.parseInt(text.slice(at + field.length + 1).trimStart(), 10);
  return Number.isFinite(kb) ? kb * 1024 : 0;
}

/** Resident set size in bytes of `pid` and its descendants (VmRSS); `tree` saves the /proc walk. */
export function rssBytes(pid: number, tree: readonly number[] = processTree(pid)): number {
  let total = 0;
  for (const p of tree) total += statusField(p, 'VmRSS');
  return total;
}

/** Peak resident set size in bytes of `pid` itself (VmHWM, kept by the kernel). */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/**
 * Samples RSS every `everyMs` until stopped: the peak sees short spikes VmHWM would also catch,
 * and the median over a steady phase is the "steady RSS". Bounded by `maxSamples`.
 */
export class RssSampler {
  readonly samples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(pid: number, everyMs = 250, maxSamples = 20_000) {
    // Walking all of /proc four times a second would cost the harness more than the reading:
    // the process tree is refreshed every 20 samples (servers rarely fork).
    let tree = processTree(pid);
    this.samples.push(rssBytes(pid, tree));
    this.timer = setInterval(() => {
      if (this.samples.length >= maxSamples) return;
      if (this.samples.length % 20 === 0) tree = processTree(pid);
      this.samples.push(rssBytes(pid, tree));
    }, everyMs);
    this.timer.unref();
  }

  stop(): number[] {
    clearInterval(this.timer);
    return this.samples;
  }
}
