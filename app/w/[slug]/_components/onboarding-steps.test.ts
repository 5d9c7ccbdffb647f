import { describe, expect, it } from "vitest";
import { onboardingSteps } from "./onboarding-steps";

const fresh = { slug: "acme", projects: 0, members: 1, runners: 0, tasks: 0, slack: { connected: false } };

describe("the Overview's Get started list", () => {
  it("can be completed: each step is done once the thing exists, Slack included", () => {
    const steps = onboardingSteps({ ...fresh, projects: 1, members: 2, runners: 1, tasks: 3, slack: { connected: true } });
    expect(steps.map((s) => s.label)).toContain("Connect Slack");
    expect(steps.every((s) => s.done)).toBe(true);
  });

  it("starts with only the workspace done, and promises nothing that does not exist", () => {
    const steps = onboardingSteps(fresh);
    expect(steps.filter((s) => s.done).map((s) => s.label)).toEqual(["Create your workspace"]);
    expect(steps.map((s) => s.label).join(" ")).not.toMatch(/coming soon/i);
    expect(steps.find((s) => s.label === "Start your first task")?.href).toBe("/w/acme/tasks/new");
  });

  it("leaves Slack out when this server has no Slack app configured", () => {
    const steps = onboardingSteps({ ...fresh, slack: null, projects: 1, members: 2, runners: 1, tasks: 1 });
    expect(steps.map((s) => s.label)).not.toContain("Connect Slack");
    expect(steps.every((s) => s.done)).toBe(true);
  });
});
