import { AppError } from "@/server/errors";

/** Usage and budgets run on UTC calendar months. */

export const DAY_MS = 86_400_000;

export type Month = { month: string; start: Date; end: Date; current: boolean };

export function monthKey(d: Date): string {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

/** The month "YYYY-MM" (default: the one `now` is in); a month that has not started is refused. */
export function resolveMonth(month: string | undefined, now: Date): Month {
  const current = monthKey(now);
  const key = month ?? current;
  if (key > current) throw new AppError("BAD_REQUEST", `${key} has not started yet. Choose ${current} or an earlier month.`);
  const [y, m] = key.split("-").map(Number) as [number, number];
  return { month: key, start: new Date(Date.UTC(y, m - 1, 1)), end: new Date(Date.UTC(y, m, 1)), current: key === current };
}

/** Newest first, from `from`'s month to `now`'s, at most `max` months. */
export function monthsBetween(from: Date, now: Date, max = 24): string[] {
  const out: string[] = [];
  const first = monthKey(from);
  for (let d = monthStart(now); out.length < max; d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1))) {
    const key = monthKey(d);
    if (key < first) break;
    out.push(key);
  }
  return out.length > 0 ? out : [monthKey(now)];
}
