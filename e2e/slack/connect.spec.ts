import { randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { slackSignature } from "../../test/fakes/slack";
import { signIn, uniqueEmail } from "../fixtures/auth";

/**
 * Slack against the production build and the loopback Slack fake (its own process, started by
 * e2e/run.mjs): an owner installs the app from the Integrations page through Slack's consent page,
 * a Slack user whose Slack email is not their Jace email links their account with a one-time code
 * typed in Slack, a channel is linked to a project, and the team is disconnected again. Slash
 * commands are genuinely signed with the app's signing secret.
 */

test.describe.configure({ mode: "serial" });

const apiUrl = process.env.E2E_SLACK_API_URL!;
const signingSecret = process.env.E2E_SLACK_SIGNING_SECRET!;
const owner = uniqueEmail("slack-owner");
const slug = `slack-${Date.now().toString(36)}`;
const screens = "e2e/.artifacts/screens";
const TEAM = "TE2E";
const CHANNEL = "CE2EPAY";

/**
 * Sends `/jace <text>` as a Slack user and returns the text of the reply: the acknowledgement's own
 * text when `inline`, else what the app posted to the command's response_url.
 */
async function jace(baseURL: string, user: string, text: string, { inline = false } = {}): Promise<string> {
  const responseUrl = `${apiUrl}response/${randomUUID()}`;
  const body = new URLSearchParams({
    token: "unused",
    team_id: TEAM,
    team_domain: "acme",
    channel_id: CHANNEL,
    channel_name: "payments",
    user_id: user,
    user_name: user.toLowerCase(),
    command: "/jace",
    text,
    api_app_id: "AJACE",
    response_url: responseUrl,
    trigger_id: `trigger-${randomUUID()}`,
  }).toString();
  const res = await fetch(`${baseURL}/api/slack/events`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", ...slackSignature(signingSecret, body) },
  });
  expect(res.status).toBe(200);
  const raw = await res.text();
  if (inline) return raw ? String((JSON.parse(raw) as { text?: string }).text) : "";
  // Anything beyond help is acknowledged first and answered through response_url.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const calls = (await (await fetch(`${apiUrl.replace(/api\/$/, "")}_fake/calls?method=response`)).json()) as {
      responseUrl: string;
      args: { text?: string };
    }[];
    const reply = calls.find((c) => c.responseUrl === responseUrl);
    if (reply) return String(reply.args.text);
    if (Date.now() > deadline) throw new Error(`no reply to /jace ${text} within 15 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function fakeControl(path: string, body: unknown) {
  const res = await fetch(`${apiUrl.replace(/api\/$/, "")}_fake/${path}`, { method: "POST", body: JSON.stringify(body) });
  expect(res.ok).toBe(true);
}

test("answers a slash command with a bad signature with 401", async ({ baseURL }) => {
  const body = new URLSearchParams({ team_id: TEAM, user_id: "UX", command: "/jace", text: "ask hi", channel_id: CHANNEL }).toString();
  const res = await fetch(`${baseURL}/api/slack/events`, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", ...slackSignature("not-the-secret-0123456789", body) },
  });
  expect(res.status).toBe(401);
});

test("installs Slack from the Integrations page, links a Slack account by code and a channel to a project, then disconnects", async ({
  page,
  baseURL,
}) => {
  test.setTimeout(120_000);
  await signIn(page, owner);
  await page.getByLabel("Workspace name").fill("Acme");
  await page.getByLabel("URL").fill(slug);
  await page.getByRole("button", { name: "Create workspace" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}$`));

  await page.goto(`/w/${slug}/projects`);
  await page.getByRole("button", { name: "Create project" }).first().click();
  await page.getByRole("dialog").getByLabel("Name").fill("Payments API");
  await page.getByRole("dialog").getByRole("button", { name: "Create project" }).click();
  await expect(page.getByTestId("project-row").filter({ hasText: "Payments API" })).toBeVisible();

  await page.goto(`/w/${slug}/integrations`);
  await expect(page.getByText("Not connected", { exact: true })).toBeVisible();
  // Only what is built: no "coming soon" channels.
  await expect(page.locator("main")).not.toContainText(/GitHub|Gmail|Telegram|Trello|Coming soon/);
  await page.screenshot({ path: `${screens}/integrations-empty.png`, fullPage: true });

  // Slack's consent page (the fake's), then back to the Integrations page.
  await page.getByRole("link", { name: "Add to Slack" }).click();
  await expect(page.getByRole("heading", { name: /access the Acme Corp Slack workspace/ })).toBeVisible();
  await page.getByRole("link", { name: "Allow" }).click();
  await expect(page).toHaveURL(new RegExp(`/w/${slug}/integrations\\?slack=connected$`));
  await expect(page.getByText("Slack is connected.")).toBeVisible();
  const team = page.getByRole("region", { name: "Slack workspace Acme Corp" });
  await expect(team).toBeVisible();
  await expect(page.getByText("Connected", { exact: true })).toBeVisible();

  // A Slack user whose Slack email differs from their Jace email is not known yet: they get a link.
  await fakeControl("users", { teamId: TEAM, id: "UOWNER", email: "owner@personal.example" });
  await fakeControl("channels", { teamId: TEAM, channelId: CHANNEL, name: "payments" });
  const unknown = await jace(baseURL!, "UOWNER", "status");
  expect(unknown).toMatch(/I don't know you in the Jace workspace \*Acme\* yet/);
  const link = /(http[^|>\s]+\/integrations\/slack\/link\?token=[\w.-]+)/.exec(unknown)?.[1];
  expect(link).toBeTruthy();

  await page.goto(new URL(link!).pathname + new URL(link!).search);
  await expect(page.getByRole("heading", { name: "Link a Slack account" })).toBeVisible();
  await expect(page.getByText("Acme Corp").first()).toBeVisible();
  await expect(page.getByText("uowner").first()).toBeVisible();
  await page.getByRole("button", { name: "It is mine: get a code to type in Slack" }).click();
  const command = await page.locator("code", { hasText: "/jace link" }).textContent();
  const code = /\/jace link (\d{4}) (\d{4})/.exec(command ?? "");
  expect(code).toBeTruthy();
  await page.screenshot({ path: `${screens}/slack-link-code.png`, fullPage: true });

  expect(await jace(baseURL!, "UOWNER", `link ${code![1]}${code![2]}`)).toContain(`your Slack account now acts as ${owner}`);
  expect(await jace(baseURL!, "UOWNER", "project link Payments API")).toContain("This channel now answers for the project *Payments API*");

  await page.goto(`/w/${slug}/integrations`);
  await expect(team.getByRole("cell", { name: "#payments" })).toBeVisible();
  await expect(team.getByRole("cell", { name: "Payments API" })).toBeVisible();
  await expect(team.getByRole("cell", { name: "UOWNER" })).toBeVisible();
  await expect(team.getByRole("cell", { name: "Link code" })).toBeVisible();
  await page.screenshot({ path: `${screens}/integrations-slack.png`, fullPage: true });

  await team.getByRole("button", { name: "Disconnect" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Disconnect" }).click();
  await expect(page.getByText("Disconnected", { exact: true })).toBeVisible();
  // A disconnected team's commands get a clear answer, not a bare 401.
  expect(await jace(baseURL!, "UOWNER", "status", { inline: true })).toMatch(/Jace is not connected to this Slack workspace/);
});
