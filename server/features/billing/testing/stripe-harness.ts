import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Inngest } from "inngest";
import { afterAll, beforeAll } from "vitest";
import { POST as stripeWebhook } from "@/app/api/stripe/webhook/route";
import { setInngest } from "@/inngest/client";
import { overrideEnv } from "@/server/env";
import { startStripeFake, type StripeFake } from "@/test/fakes/stripe";

/**
 * Billing tests against the real Stripe SDK and the loopback Stripe fake, whose signed webhooks
 * reach the app's real route handler over HTTP. Call at the top of a test file; the fields are
 * filled in beforeAll. `metered: true` also configures the plans' metered overage prices.
 */

export const webhookSecret = "whsec_billing_test_secret";

export type StripeHarness = { fake: StripeFake; webhookUrl: string };

const silentLogger = { info() {}, warn() {}, error() {}, debug() {} };

export function stripeHarness(opts: { metered?: boolean } = {}): StripeHarness {
  const h = {} as StripeHarness;
  let app: Server;
  beforeAll(async () => {
    app = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const response = await stripeWebhook(
        new Request(`http://localhost${req.url}`, {
          method: "POST",
          headers: req.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        }),
      );
      res.writeHead(response.status, { "content-type": "application/json" }).end(await response.text());
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    h.webhookUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/stripe/webhook`;
    h.fake = await startStripeFake({
      webhookSecret,
      webhookUrl: h.webhookUrl,
      prices: {
        price_pro_test: { product: "prod_pro", nickname: "Pro", unitAmount: 2900 },
        price_team_test: { product: "prod_team", nickname: "Team", unitAmount: 9900 },
        price_pro_overage_test: { product: "prod_pro", nickname: "Pro overage", unitAmount: 2, meter: "jace_overage_tasks" },
        price_team_overage_test: { product: "prod_team", nickname: "Team overage", unitAmount: 1, meter: "jace_overage_tasks" },
      },
    });
    overrideEnv({
      STRIPE_SECRET_KEY: h.fake.secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_URL: h.fake.url,
      STRIPE_PRICE_PRO: "price_pro_test",
      STRIPE_PRICE_TEAM: "price_team_test",
      STRIPE_PRICE_PRO_METERED: opts.metered ? "price_pro_overage_test" : "",
      STRIPE_PRICE_TEAM_METERED: opts.metered ? "price_team_overage_test" : "",
    });
    setInngest(new Inngest({ id: "billing-test", isDev: true, eventKey: "t", baseUrl: "http://127.0.0.1:9/", logger: silentLogger }));
  });

  afterAll(async () => {
    overrideEnv({
      STRIPE_SECRET_KEY: "",
      STRIPE_WEBHOOK_SECRET: "",
      STRIPE_API_URL: "",
      STRIPE_PRICE_PRO: "",
      STRIPE_PRICE_TEAM: "",
      STRIPE_PRICE_PRO_METERED: "",
      STRIPE_PRICE_TEAM_METERED: "",
    });
    setInngest(undefined);
    await h.fake?.close();
    await new Promise((r) => app?.close(r));
  });
  return h;
}
