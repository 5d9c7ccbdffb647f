import type { RouterOutputs } from "@/app/_lib/trpc";
import { formatUsd, plural } from "./format";

type Summary = Pick<RouterOutputs["usage"]["summary"], "current" | "forecast" | "dataDays">;

const confidence = {
  rough: "rough, the rate can still change a lot",
  fair: "fair",
  good: "good, at the last two weeks' rate",
} as const;

/** "3 hours", "45 minutes": how much data a workspace younger than a day has. */
function dataSpan(days: number): string {
  const minutes = Math.floor(days * 24 * 60);
  return minutes >= 60 ? plural(Math.floor(minutes / 60), "hour") : plural(minutes, "minute");
}

/**
 * The forecast card of the month in progress, saying what it rests on and how sure it is; with
 * less than a day of data, no figure at all. Null for a past month (no forecast to show).
 */
export function forecastStat(data: Summary): { value: string; hint: string } | null {
  if (data.forecast) {
    return {
      value: formatUsd(data.forecast.totalMicros),
      hint: `Based on ${plural(data.forecast.basisDays, "day")} of data: ${confidence[data.forecast.confidence]}`,
    };
  }
  if (!data.current) return null;
  return { value: "—", hint: `No forecast yet: ${dataSpan(data.dataDays)} of data so far, it needs a day` };
}
