/** Money is integer micro-dollars (1e-6 USD) everywhere on the server; these turn it into words. */

const dollars = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const cents = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 4 });
const whole = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

/** "$1,234.56"; amounts under a cent keep up to four decimals ("$0.0042") so small bills are not "$0.00". */
export function formatUsd(micros: number): string {
  const usd = micros / 1e6;
  if (usd === 0) return "$0.00";
  const abs = Math.abs(usd);
  const sign = usd < 0 ? "−" : "";
  if (abs < 0.0001) return `${sign}<$0.0001`;
  return sign + (abs < 0.01 ? cents.format(abs) : dollars.format(abs));
}

/** A unit price, exact to the micro-dollar: "$0.00002", "$0.06". */
export function formatUnitPrice(micros: number): string {
  const usd = micros / 1e6;
  return `$${usd >= 0.01 ? usd.toFixed(2) : usd.toFixed(6).replace(/0+$/, "")}`;
}

/** "$12" / "$0.50" for chart axes. */
export function formatUsdAxis(micros: number): string {
  const usd = micros / 1e6;
  if (usd === 0) return "$0";
  if (Math.abs(usd) >= 1000) return `$${compact.format(usd)}`;
  return usd >= 1 ? `$${whole.format(Math.round(usd * 100) / 100)}` : `$${usd.toFixed(usd < 0.01 ? 4 : 2)}`;
}

export function formatCount(n: number): string {
  return whole.format(n);
}

export function formatCompact(n: number): string {
  return compact.format(n);
}

export function formatPct(share: number): string {
  const pct = share * 100;
  return `${pct > 0 && pct < 1 ? "<1" : Math.round(pct)}%`;
}

const monthLabel = new Intl.DateTimeFormat("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
const monthOnly = new Intl.DateTimeFormat("en-US", { month: "long", timeZone: "UTC" });
const dayLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });

/** "2026-11" -> "November 2026". */
export function formatMonth(month: string): string {
  return monthLabel.format(new Date(`${month}-01T00:00:00Z`));
}

/** "2026-11" -> "November". */
export function formatMonthName(month: string): string {
  return monthOnly.format(new Date(`${month}-01T00:00:00Z`));
}

/** "2026-11-03" -> "Nov 3". */
export function formatDay(date: string): string {
  return dayLabel.format(new Date(`${date}T00:00:00Z`));
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Micro-dollars from what a person typed as dollars ("50", "12.5", "$1,000"); null if it is not a number. */
export function parseUsd(text: string): number | null {
  const cleaned = text.replace(/[$,\s]/g, "");
  if (!/^\d+(\.\d*)?$|^\.\d+$/.test(cleaned)) return null;
  return Math.round(Number(cleaned) * 1e6);
}

/** Colours shared by the breakdown, the charts and their legends (Tailwind palette values). */
export const palette = {
  cloud: "oklch(59.5% 0.232 285)", // accent-500
  local: "oklch(69.6% 0.17 162.48)", // emerald-500
  energy: "oklch(76.5% 0.177 163.223)", // emerald-400
  gpu: "oklch(59.6% 0.145 163.225)", // emerald-600
  base: "oklch(87.1% 0.006 286.286)", // zinc-300
};

const dateLabel = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", year: "numeric", timeZone: "UTC" });
const dateTimeLabel = new Intl.DateTimeFormat("en-US", {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
  timeZone: "UTC",
  timeZoneName: "short",
});

/** "Jan 1, 2027" (UTC, so the server and the browser render the same text). */
export function formatDate(date: Date): string {
  return dateLabel.format(date);
}

/** "Dec 4, 4:05 AM UTC". */
export function formatDateTime(date: Date): string {
  return dateTimeLabel.format(date);
}

/** A plan's monthly price: "$29/month", "Free", or "Contact us" for plans sold by hand. */
export function formatPlanPrice(priceCents: number | null): string {
  if (priceCents === null) return "Contact us";
  if (priceCents === 0) return "Free";
  return `${formatMoney(priceCents, "usd", { dropZeroCents: true })}/month`;
}

/**
 * An amount in the currency's minor unit, as Stripe sends it: (2900, "usd") -> "$29.00",
 * (1050, "eur") -> "€10.50", (500, "jpy") -> "¥500". `dropZeroCents` turns "$29.00" into "$29".
 */
export function formatMoney(minor: number, currency: string, { dropZeroCents = false } = {}): string {
  const code = currency.toUpperCase();
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat("en-US", { style: "currency", currency: code });
  } catch {
    return `${(minor / 100).toFixed(2)} ${code}`;
  }
  const amount = minor / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2);
  if (dropZeroCents && Number.isInteger(amount)) {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: code, minimumFractionDigits: 0, maximumFractionDigits: 0 }).format(
      amount,
    );
  }
  return format.format(amount);
}
