import type { Inngest } from "inngest";
import { getDb } from "@/server/db";
import { digestChannels, postDigest } from "@/server/integrations/slack";

/**
 * Every day at 09:00 UTC, the digest of each project whose channel asked for one: one step per
 * channel, so a retry never posts a channel's digest twice.
 */
export function slackDigest(inngest: Inngest) {
  return inngest.createFunction(
    { id: "slack-daily-digest", name: "Slack daily digest", triggers: [{ cron: "0 9 * * *" }] },
    async ({ step }) => {
      const now = new Date(await step.run("now", () => new Date().toISOString()));
      const channels = await step.run("channels", () => digestChannels(getDb()));
      let posted = 0;
      for (const id of channels) if ((await step.run(`post-${id}`, () => postDigest(getDb(), id, now))).posted) posted++;
      return { channels: channels.length, posted };
    },
  );
}
