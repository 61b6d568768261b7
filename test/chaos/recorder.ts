/**
 * What a chaos run saw, kept in the test process: every HTTP attempt the clients made (start,
 * end, outcome) and every fault (when it began, when it was healed, how long recovery may take).
 * The liveness figures are computed from these by pure functions (unit-tested).
 */

/** A span of wall-clock time in ms, both ends included. */
export interface Interval {
  readonly from: number;
  readonly to: number;
}

export interface RequestRecord {
  readonly start: number;
  readonly end: number;
  /** The server answered and did not fail: any status below 500. */
  readonly ok: boolean;
  /** 0: no answer (refused, reset, timed out). */
  readonly status: number;
  readonly route: string;
}

export const FAULT_KINDS = [
  'kill-worker',
  'kill-edge',
  'pause-worker',
  'kill-redis',
  'net-latency',
  'net-reset',
  'net-timeout',
  'psp-flap',
  'gateway-down',
  'poison',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRecord {
  readonly kind: FaultKind;
  /** What exactly was done (filled in as the fault unfolds). */
  detail: string;
  readonly start: number;
  /** When the fault was undone (null while it lasts). */
  healed: number | null;
  /** Recovery allowance after healing that still counts as the fault's window. */
  readonly graceMs: number;
}

export class Recorder {
  readonly requests: RequestRecord[] = [];
  readonly faults: FaultRecord[] = [];
  /** Redis killed until restarted (plus reconnect allowance): "while Redis is up" excludes these. */
  readonly redisDown: { from: number; to: number | null }[] = [];

  request(r: RequestRecord): void {
    this.requests.push(r);
  }

  /** Start a fault; returns the record to heal. */
  fault(kind: FaultKind, detail: string, graceMs: number): FaultRecord {
    const f: FaultRecord = { kind, detail, start: Date.now(), healed: null, graceMs };
    this.faults.push(f);
    return f;
  }

  heal(f: FaultRecord): void {
    f.healed ??= Date.now();
  }

  windows(now = Date.now()): Interval[] {
    return this.faults.map((f) => ({ from: f.start, to: (f.healed ?? now) + f.graceMs }));
  }

  redisDownWindows(now = Date.now()): Interval[] {
    return this.redisDown.map((w) => ({ from: w.from, to: w.to ?? now }));
  }

  faultCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const f of this.faults) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
    return counts;
  }
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.from <= b.to && b.from <= a.to;
}

export interface SuccessRate {
  /** Attempts that neither started nor ended inside a fault window. */
  readonly total: number;
  readonly ok: number;
  /** ok / total (1 when there were none). */
  readonly rate: number;
  /** The failed ones, for the report. */
  readonly failures: readonly RequestRecord[];
}

/** Success rate of the attempts that lie wholly outside every fault window. */
export function successOutsideWindows(
  requests: readonly RequestRecord[],
  windows: readonly Interval[],
): SuccessRate {
  const outside = requests.filter((r) => !windows.some((w) => overlaps({ from: r.start, to: r.end }, w)));
  const failures = outside.filter((r) => !r.ok);
  const ok = outside.length - failures.length;
  return { total: outside.length, ok, rate: outside.length === 0 ? 1 : ok / outside.length, failures };
}

/** `span` minus the `excluded` intervals: the pieces left, in order. */
export function subtract(span: Interval, excluded: readonly Interval[]): Interval[] {
  let pieces: Interval[] = [span];
  for (const x of excluded) {
    pieces = pieces.flatMap((p) => {
      if (!overlaps(p, x)) return [p];
      const out: Interval[] = [];
      if (x.from > p.from) out.push({ from: p.from, to: x.from });
      if (x.to < p.to) out.push({ from: x.to, to: p.to });
      return out;
    });
  }
  return pieces;
}

/**
 * The longest time within `span` during which no request succeeded, not counting time inside
 * `excluded` (Redis down: nothing can succeed then, by design).
 */
export function longestStall(
  successEnds: readonly number[],
  span: Interval,
  excluded: readonly Interval[],
): number {
  const marks = [
    span.from,
    ...successEnds.filter((t) => t > span.from && t < span.to).sort((a, b) => a - b),
    span.to,
  ];
  let longest = 0;
  for (let i = 1; i < marks.length; i++) {
    for (const piece of subtract({ from: marks[i - 1]!, to: marks[i]! }, excluded)) {
      longest = Math.max(longest, piece.to - piece.from);
    }
  }
  return longest;
}
