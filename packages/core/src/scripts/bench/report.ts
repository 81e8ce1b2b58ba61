/** Output conventions of the bench: one JSON object per measurement on stdout, everything else on stderr. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

/** What identifies the machine and the moment of a measurement, so results compare over time. */
export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  node: string;
  /** 1-minute load average when the line was printed: other work on the machine skews a bench. */
  loadavg1m: number;
  /** Linux PSI: % of the last 10 s some runnable task waited for a CPU (absent where unsupported). */
  cpuPressure10s?: number;
}

function cpuPressure(): number | undefined {
  try {
    const m = /some avg10=([\d.]+)/.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function machineInfo(): MachineInfo {
  const list = cpus();
  return {
    date: new Date().toISOString(),
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    node: process.versions.node,
    loadavg1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    cpuPressure10s: cpuPressure(),
  };
}

/** Prints one measurement as a JSON line on stdout (the only thing the bench writes there). */
export function emit(bench: string, fields: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench, ...fields, ...machineInfo() })}\n`);
}

/** Progress and human-readable notes: stderr. */
export function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

/** Seconds since `t0` (a `performance.now()` reading). */
export function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** Rounds for printing (figures of a bench are not meaningful beyond 3-4 digits). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
