/** What the Overview's "Get started" list is computed from: the workspace's real state. */
export type OnboardingState = {
  slug: string;
  projects: number;
  members: number;
  /** Runners enrolled and not revoked. */
  runners: number;
  tasks: number;
  /** Null when this server has no Slack app configured: then there is nothing to connect. */
  slack: { connected: boolean } | null;
};

export type OnboardingStep = { label: string; href: string; done: boolean };

/**
 * Every step can be completed from this workspace, and is done when the thing exists; a channel
 * the server cannot offer is left out rather than shown as something to do.
 */
export function onboardingSteps(s: OnboardingState): OnboardingStep[] {
  const w = `/w/${s.slug}`;
  const steps: OnboardingStep[] = [
    { done: true, label: "Create your workspace", href: `${w}/settings` },
    { done: s.projects > 0, label: "Create a project for a client or a job", href: `${w}/projects` },
    { done: s.runners > 0, label: "Enroll a GPU runner (your own PC or a rented box)", href: `${w}/runners` },
    { done: s.tasks > 0, label: "Start your first task", href: s.tasks > 0 ? `${w}/tasks` : `${w}/tasks/new` },
    { done: s.members > 1, label: "Invite your teammates", href: `${w}/settings/members` },
  ];
  if (s.slack) steps.push({ done: s.slack.connected, label: "Connect Slack", href: `${w}/integrations` });
  return steps;
}
