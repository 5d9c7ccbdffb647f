/**
 * Prices are stored in micro-dollars (1e-6 USD); people read and type dollars. Cloud token prices
 * are stored per 1K tokens and shown per 1M tokens, as OpenAI's price list shows them.
 */

/** "$0.15", "$0.00002": enough decimals to show the figure, at least two. */
export function formatUsd(micros: number): string {
  const usd = micros / 1e6;
  const decimals = Math.min(6, Math.max(2, usd === 0 ? 2 : Math.ceil(-Math.log10(Math.abs(usd))) + 1));
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: decimals })}`;
}

/** The number typed in a dollar field, as micro-dollars; null for an empty field, NaN for nonsense. */
export function parseUsd(text: string): number | null {
  const t = text.trim().replace(/^\$/, "").replace(/,/g, "");
  if (t === "") return null;
  if (!/^\d+(\.\d{0,6})?$/.test(t)) return Number.NaN;
  return Math.round(Number(t) * 1e6);
}

/** A dollar field's text for a stored micro-dollar value. */
export const usdInput = (micros: number | null | undefined) => (micros == null ? "" : String(micros / 1e6));

/** Micro-dollars per 1K tokens as dollars per 1M tokens: 150 -> 0.15. */
export const per1mUsd = (per1kMicros: number) => per1kMicros / 1000;
/** A typed dollars-per-1M price (as micro-dollars, from parseUsd) as micro-dollars per 1K tokens: 150,000 -> 150. */
export const per1kMicros = (per1mMicros: number) => per1mMicros / 1000;
