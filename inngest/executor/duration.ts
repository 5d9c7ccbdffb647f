const units: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Parses an Inngest time string ("300ms", "2h45m", "1d") to milliseconds. */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2] ?? ""] ?? NaN);
    matched = re.lastIndex;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}

/** A Sleep's target: a time string relative to now, or an ISO date (sleepUntil). */
export function resolveWakeTime(spec: string, now: number): number | undefined {
  const rel = parseDuration(spec);
  if (rel !== undefined) return now + rel;
  const abs = Date.parse(spec);
  return Number.isNaN(abs) ? undefined : abs;
}
