import { describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { createUser, createWorkspaceFor } from "@/server/testing/factories";
import { usageSummary } from "./usage";

/** The month's forecast draws on the data the workspace has, not on the days the month has run. */

const db = testDb();
const HOUR = 3_600_000;

async function workspaceCreatedAt(createdAt: Date, cloudCalls: { at: string; costMicros: number }[]) {
  const ws = await createWorkspaceFor(db, await createUser(db));
  await db.workspace.update({ where: { id: ws.id }, data: { createdAt } });
  await db.modelCall.createMany({
    data: cloudCalls.map((c) => ({
      workspaceId: ws.id,
      provider: "openai",
      model: "gpt-4o",
      requestedModel: "smart",
      status: "succeeded",
      costMicros: c.costMicros,
      createdAt: new Date(c.at),
    })),
  });
  return ws.id;
}

describe("usage forecast", () => {
  it("gives no forecast for a workspace created an hour ago, a week into the month", async () => {
    const now = new Date("2025-09-07T12:00:00Z");
    const id = await workspaceCreatedAt(new Date(now.getTime() - HOUR), [{ at: "2025-09-07T11:30:00Z", costMicros: 1_000_000 }]);
    const s = await usageSummary(db, id, {}, now);
    expect(s.cost.totalMicros).toBe(1_000_000);
    expect(s.dataDays).toBeCloseTo(1 / 24, 2);
    // Scaling 7 days to 30 would have said $4.29 from one hour's spend.
    expect(s.forecast).toBeNull();
  });

  it("projects two days' rate over the days left, and calls it rough", async () => {
    const now = new Date("2025-09-07T12:00:00Z");
    const id = await workspaceCreatedAt(new Date("2025-09-05T12:00:00Z"), [
      { at: "2025-09-06T09:00:00Z", costMicros: 1_500_000 },
      { at: "2025-09-07T09:00:00Z", costMicros: 500_000 },
    ]);
    const s = await usageSummary(db, id, {}, now);
    // $2 over 2 days is $1 a day; 23.5 days are left: $2 + $23.50.
    expect(s.forecast).toEqual({ method: "linear", totalMicros: 25_500_000, basisDays: 2, daysInMonth: 30, confidence: "rough" });
  });

  it("takes the rate of the last 14 days, across the month's start, for an older workspace", async () => {
    const now = new Date("2025-09-03T00:00:00Z");
    const id = await workspaceCreatedAt(new Date("2025-01-01T00:00:00Z"), [
      { at: "2025-08-10T00:00:00Z", costMicros: 100_000_000 }, // before the 14-day window
      { at: "2025-08-25T00:00:00Z", costMicros: 7_000_000 },
      { at: "2025-09-02T00:00:00Z", costMicros: 7_000_000 },
    ]);
    const s = await usageSummary(db, id, {}, now);
    // $14 over 14 days is $1 a day; $7 spent in September and 28 days left.
    expect(s.forecast).toEqual({ method: "linear", totalMicros: 35_000_000, basisDays: 14, daysInMonth: 30, confidence: "good" });
  });

  it("has no forecast for a past month", async () => {
    const id = await workspaceCreatedAt(new Date("2025-01-01T00:00:00Z"), [{ at: "2025-08-25T00:00:00Z", costMicros: 7_000_000 }]);
    const s = await usageSummary(db, id, { month: "2025-08" }, new Date("2025-09-03T00:00:00Z"));
    expect(s.forecast).toBeNull();
  });
});
