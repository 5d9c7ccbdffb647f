import { describe, expect, it } from "vitest";
import { forecastStat } from "./usage-forecast";

const forecast = { method: "linear" as const, totalMicros: 25_500_000, daysInMonth: 30 };

describe("forecast card", () => {
  it("says how many days of data the forecast rests on and how sure it is", () => {
    expect(forecastStat({ current: true, dataDays: 2, forecast: { ...forecast, basisDays: 2, confidence: "rough" } })).toEqual({
      value: "$25.50",
      hint: "Based on 2 days of data: rough, the rate can still change a lot",
    });
    expect(forecastStat({ current: true, dataDays: 9.5, forecast: { ...forecast, basisDays: 9.5, confidence: "good" } })?.hint).toBe(
      "Based on 9.5 days of data: good, at the last two weeks' rate",
    );
  });

  it("shows no figure for a workspace with less than a day of data", () => {
    expect(forecastStat({ current: true, dataDays: 0.042, forecast: null })).toEqual({
      value: "—",
      hint: "No forecast yet: 1 hour of data so far, it needs a day",
    });
    expect(forecastStat({ current: true, dataDays: 0.01, forecast: null })?.hint).toBe(
      "No forecast yet: 14 minutes of data so far, it needs a day",
    );
  });

  it("has no card for a past month", () => {
    expect(forecastStat({ current: false, dataDays: 40, forecast: null })).toBeNull();
  });
});
