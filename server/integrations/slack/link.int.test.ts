import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb } from "@/server/testing/db";
import { addMember, callerFor, createUser, createWorkspaceFor, type TestUser } from "@/server/testing/factories";
import { createLinkToken } from "./link-token";
import { startSlackTestServer, type SlackTestServer } from "./testing/slack-server";

/**
 * Linking a Slack user to a Jace member through the real Bolt app and the tRPC procedures the link
 * page calls: the page names who is being linked, the code it gives is redeemed in Slack by the
 * Slack user it names, and a link sent to someone else (the attack) links nobody.
 */

const db = testDb();
let s: SlackTestServer;
let alice: TestUser, mallory: TestUser, bob: TestUser;
let ws: { id: string; slug: string };

const TEAM = "TLINKS";
const CHAN = "CLINK1";

/** The link Jace sends an unknown Slack user, as a token. */
async function linkTokenFor(slackUserId: string): Promise<string> {
  const text = await s.reply(await s.command(TEAM, slackUserId, CHAN, "status"));
  expect(text).toMatch(/I don't know you/);
  return /slack\/link\?token=([\w.-]+)/.exec(text)![1]!;
}

const linkOf = (slackUserId: string) => db.slackUserLink.findFirst({ where: { slackUserId, installation: { teamId: TEAM } } });

beforeAll(async () => {
  s = await startSlackTestServer(db);
  [alice, mallory, bob] = await Promise.all([createUser(db, "Alice"), createUser(db, "Mallory"), createUser(db, "Bob")]);
  ws = await createWorkspaceFor(db, alice, "Linkers");
  await addMember(db, ws.id, mallory, "member");
  await addMember(db, ws.id, bob, "member");
  expect((await s.install(alice.id, ws.slug, TEAM, "Linkers Inc")).location).toMatch(/slack=connected$/);
  // Nobody's Slack email matches their Jace email: every one of them needs the link.
  s.fake.addUser(TEAM, { id: "UALICE", email: "alice@elsewhere.test" });
  s.fake.addUser(TEAM, { id: "UMAL", email: "mal@elsewhere.test" });
  s.fake.addUser(TEAM, { id: "UBOB", email: "bob@elsewhere.test" });
  s.fake.addChannel(TEAM, CHAN, "linkers");
});

afterAll(async () => {
  await s?.close();
});

describe("linking a Slack account", () => {
  it("shows who is linked to whom, and links once the Slack user types the code the member got", async () => {
    const token = await linkTokenFor("UMAL");
    const page = await callerFor(db, mallory).integration.slackLinkRequest({ workspaceSlug: ws.slug, token });
    expect(page).toEqual({
      teamName: "Linkers Inc",
      slackUserId: "UMAL",
      slackUserName: "umal",
      email: mallory.email,
      role: "member",
      linked: "no",
    });
    const { code } = await callerFor(db, mallory).integration.startSlackLink({ workspaceSlug: ws.slug, token });
    expect(code).toMatch(/^\d{8}$/);
    // Opening the page and getting a code links nothing yet.
    expect(await linkOf("UMAL")).toBeNull();
    const done = await s.command(TEAM, "UMAL", CHAN, `link ${code.slice(0, 4)} ${code.slice(4)}`);
    expect(await s.reply(done)).toMatch(new RegExp(`your Slack account now acts as ${mallory.email}`));
    expect(await linkOf("UMAL")).toMatchObject({ userId: mallory.id, linkedVia: "link" });
    // The code works once.
    const again = await s.command(TEAM, "UMAL", CHAN, `link ${code}`);
    expect(await s.reply(again)).toMatch(/not valid for your Slack account/);
    // And Mallory's Slack account now acts as her.
    expect(await s.reply(await s.command(TEAM, "UMAL", CHAN, "status"))).toMatch(/not linked to a Jace project/);
    expect(await callerFor(db, mallory).integration.slackLinkRequest({ workspaceSlug: ws.slug, token })).toMatchObject({ linked: "you" });
  });

  it("a link sent to an admin links nobody: the admin's code only works for that Slack user, who does not have it", async () => {
    // Bob (a member, Slack user UBOB) sends his link to Alice (the owner) and asks her to "confirm".
    const token = await linkTokenFor("UBOB");
    const page = await callerFor(db, alice).integration.slackLinkRequest({ workspaceSlug: ws.slug, token });
    // The page names the Slack user being linked, not Alice's own.
    expect(page).toMatchObject({ slackUserId: "UBOB", slackUserName: "ubob", email: alice.email, role: "owner", linked: "no" });
    const { code } = await callerFor(db, alice).integration.startSlackLink({ workspaceSlug: ws.slug, token });
    // Alice types it in Slack as herself, as she was told: refused, it is bound to UBOB.
    expect(await s.reply(await s.command(TEAM, "UALICE", CHAN, `link ${code}`))).toMatch(/not valid for your Slack account/);
    expect(await linkOf("UALICE")).toBeNull();
    // Bob guesses: five wrong codes and Alice's code is void too, so even a late leak is useless.
    for (let i = 0; i < 5; i++) {
      const guess = String((Number(code) + 1 + i) % 100_000_000).padStart(8, "0");
      expect(await s.reply(await s.command(TEAM, "UBOB", CHAN, `link ${guess}`))).toMatch(/not valid/);
    }
    expect(await s.reply(await s.command(TEAM, "UBOB", CHAN, `link ${code}`))).toMatch(/not valid/);
    expect(await linkOf("UBOB")).toBeNull();
    expect(await db.auditEvent.count({ where: { workspaceId: ws.id, action: "slack.user_linked", targetId: "UBOB" } })).toBe(0);
  });

  it("never overwrites an existing link", async () => {
    // UMAL is Mallory's (previous test). Alice opens a fresh link for UMAL: the page says it is taken.
    const token = createLinkToken((await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM } })).id, "UMAL", "umal");
    expect(await callerFor(db, alice).integration.slackLinkRequest({ workspaceSlug: ws.slug, token })).toMatchObject({ linked: "other" });
    await expect(callerFor(db, alice).integration.startSlackLink({ workspaceSlug: ws.slug, token })).rejects.toThrow(
      /already linked to another member/,
    );
    // A code Alice got before the link existed does not take it over either.
    const bobToken = await linkTokenFor("UBOB");
    const { code } = await callerFor(db, bob).integration.startSlackLink({ workspaceSlug: ws.slug, token: bobToken });
    await db.slackUserLink.create({
      data: {
        workspaceId: ws.id,
        installationId: (await db.slackInstallation.findUniqueOrThrow({ where: { teamId: TEAM } })).id,
        slackUserId: "UBOB",
        userId: alice.id,
        linkedVia: "email",
      },
    });
    expect(await s.reply(await s.command(TEAM, "UBOB", CHAN, `link ${code}`))).toMatch(/already linked to another Jace member/);
    expect(await linkOf("UBOB")).toMatchObject({ userId: alice.id });
    expect(await linkOf("UMAL")).toMatchObject({ userId: mallory.id });
  });

  it("refuses a tampered or expired link", async () => {
    const token = await linkTokenFor("UNEW");
    const [body, sig] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ i: "x", u: "UNEW", n: "", e: 9e15 })).toString("base64url");
    await expect(callerFor(db, alice).integration.slackLinkRequest({ workspaceSlug: ws.slug, token: `${forged}.${sig}` })).rejects.toThrow(
      /not valid for this workspace, or it has expired/,
    );
    const stale = createLinkToken(JSON.parse(Buffer.from(body!, "base64url").toString()).i, "UNEW", "", 0);
    await expect(callerFor(db, alice).integration.startSlackLink({ workspaceSlug: ws.slug, token: stale })).rejects.toThrow(/expired/);
    expect(await db.slackLinkCode.count({ where: { slackUserId: "UNEW" } })).toBe(0);
  });
});
