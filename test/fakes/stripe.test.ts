import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { once } from "node:events";
import { createInterface } from "node:readline";
import Stripe from "stripe";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startStripeFake, type StripeFake } from "./stripe";

const webhookSecret = "whsec_test_jace_fake";
const prices = {
  price_pro: { product: "prod_pro", nickname: "Pro", unitAmount: 2000 },
  price_team: { product: "prod_team", nickname: "Team", unitAmount: 9900 },
};

/** A stand-in for the app's webhook route: verifies with the real SDK, 400 on a bad signature. */
type Received = { raw: string; header: string; event?: Stripe.Event; error?: string };
let received: Received[] = [];
let receiver: Server;
let fake: StripeFake;
let stripe: Stripe;

const client = (key = fake.secretKey, maxNetworkRetries = 0) =>
  new Stripe(key, { host: fake.host, port: fake.port, protocol: "http", maxNetworkRetries, telemetry: false });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
    req.on("end", () => {
      const header = String(req.headers["stripe-signature"] ?? "");
      try {
        const event = Stripe.webhooks.constructEvent(raw, header, webhookSecret);
        received.push({ raw, header, event });
        res.writeHead(200).end("{}");
      } catch (e) {
        received.push({ raw, header, error: (e as Error).message });
        res.writeHead(400).end("bad signature");
      }
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  fake = await startStripeFake({ webhookSecret, prices });
  fake.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/stripe/webhook`);
  stripe = client();
});
afterAll(async () => {
  await fake.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => void (received = []));

async function subscribedCustomer(priceId = "price_pro") {
  const customer = await stripe.customers.create({ name: "Ada", email: "ada@example.com", metadata: { workspaceId: "ws_1" } });
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    customer: customer.id,
    line_items: [{ price: priceId, quantity: 1 }],
    success_url: "http://localhost:3000/billing?session={CHECKOUT_SESSION_ID}",
    cancel_url: "http://localhost:3000/billing?canceled=1",
    client_reference_id: "ws_1",
    metadata: { workspaceId: "ws_1" },
    subscription_data: { metadata: { workspaceId: "ws_1" } },
  });
  return { customer, session };
}

describe("stripe fake", () => {
  it("runs checkout to an active subscription and sends verifiable events in order", async () => {
    const { customer, session } = await subscribedCustomer();
    expect(customer.id).toMatch(/^cus_/);
    const fetched = await stripe.customers.retrieve(customer.id);
    expect(fetched.deleted).toBeUndefined();
    expect((fetched as Stripe.Customer).metadata).toEqual({ workspaceId: "ws_1" });
    expect(session).toMatchObject({ object: "checkout.session", status: "open", customer: customer.id, client_reference_id: "ws_1" });
    expect(session.id).toMatch(/^cs_/);
    expect(session.url).toBe(`${fake.url}/checkout/${session.id}`);

    const page = await (await fetch(session.url!)).text();
    expect(page).toContain("<title>Stripe Checkout (test fake)</title>");
    expect(page).toContain("Pro");
    expect(page).toContain("$20.00");
    expect(page).toContain('<button type="submit">Subscribe</button>');
    expect(page).toContain('href="http://localhost:3000/billing?canceled=1"');

    const done = await fake.completeCheckout(session.id);
    expect(done.redirectUrl).toBe(`http://localhost:3000/billing?session=${session.id}`);
    expect(received.map((r) => r.event?.type)).toEqual(["checkout.session.completed", "customer.subscription.created", "invoice.paid"]);
    expect(received.every((r) => r.event && !r.error)).toBe(true);
    expect(fake.events.slice(-3).map((e) => e.status)).toEqual([200, 200, 200]);

    const subs = await stripe.subscriptions.list({ customer: customer.id, status: "all", limit: 10 });
    expect(subs.object).toBe("list");
    expect(subs.data).toHaveLength(1);
    const sub = subs.data[0]!;
    expect(sub).toMatchObject({ object: "subscription", status: "active", customer: customer.id, metadata: { workspaceId: "ws_1" } });
    expect(sub.id).toMatch(/^sub_/);
    const item = sub.items.data[0]!;
    expect(item.id).toMatch(/^si_/);
    expect(item.price).toMatchObject({
      id: "price_pro",
      product: "prod_pro",
      nickname: "Pro",
      unit_amount: 2000,
      recurring: { interval: "month" },
    });
    expect(item.current_period_end).toBeGreaterThan(item.current_period_start);

    const again = await stripe.checkout.sessions.retrieve(session.id, { expand: ["subscription"] });
    expect(again.status).toBe("complete");
    expect((again.subscription as Stripe.Subscription).id).toBe(sub.id);

    const invoices = await stripe.invoices.list({ customer: customer.id, limit: 5 });
    expect(invoices.data[0]).toMatchObject({ status: "paid", amount_due: 2000, amount_paid: 2000, currency: "usd" });
    expect(invoices.data[0]!.id).toMatch(/^in_/);
    expect(invoices.data[0]!.number).toMatch(/^[0-9A-F]{8}-0001$/);
  });

  it("the hosted pay button redirects to success_url after the webhooks", async () => {
    const { session } = await subscribedCustomer();
    const res = await fetch(`${fake.url}/checkout/${session.id}/pay`, { method: "POST", redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`http://localhost:3000/billing?session=${session.id}`);
    expect(received.map((r) => r.event?.type)).toEqual(["checkout.session.completed", "customer.subscription.created", "invoice.paid"]);
  });

  it("signs with the real scheme: wrong secrets and stale timestamps are rejected, replays are identical", async () => {
    const ok = await fake.emit("customer.updated", { id: "cus_x", object: "customer" });
    expect(ok).toBe(200);
    expect(await fake.emit("customer.updated", { id: "cus_x" }, { secret: "whsec_wrong" })).toBe(400);
    expect(await fake.emit("customer.updated", { id: "cus_x" }, { timestamp: Math.floor(Date.now() / 1000) - 600 })).toBe(400);
    expect(received[1]!.error).toMatch(/No signatures found matching/);
    expect(received[2]!.error).toMatch(/Timestamp outside the tolerance zone/);

    const first = fake.events.find((e) => e.status === 200 && e.type === "customer.updated")!;
    expect(await fake.resend(first.id)).toBe(200);
    expect(received.at(-1)!.raw).toBe(received[0]!.raw);
    expect(received.at(-1)!.event!.id).toBe(first.id);
    expect(fake.events.at(-1)!.resent).toBe(true);
  });

  it("dedupes meter events by identifier and rejects unknown customers", async () => {
    const { id } = await stripe.customers.create({ email: "m@example.com" });
    const send = (identifier: string, value: number) =>
      stripe.billing.meterEvents.create({
        event_name: "jace_tokens",
        identifier,
        payload: { stripe_customer_id: id, value: String(value) },
      });
    await send("req-1", 100);
    const dup = await send("req-1", 100);
    expect(dup).toMatchObject({ object: "billing.meter_event", identifier: "req-1" });
    await send("req-2", 50);
    expect(fake.meterTotals(id, "jace_tokens")).toBe(150);
    expect(fake.meterEvents.filter((e) => e.payload.stripe_customer_id === id)).toHaveLength(2);
    expect(fake.duplicateMeterEvents.map((e) => e.identifier)).toContain("req-1");
    const err = await stripe.billing.meterEvents
      .create({ event_name: "jace_tokens", payload: { stripe_customer_id: "cus_nobody", value: "1" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it("failPayment makes the subscription past_due; payOpenInvoices recovers it", async () => {
    const { customer, session } = await subscribedCustomer();
    const { subscription } = await fake.completeCheckout(session.id);
    received = [];
    await fake.failPayment(customer.id);
    expect((await stripe.subscriptions.retrieve(subscription!.id)).status).toBe("past_due");
    expect(received.map((r) => r.event?.type)).toEqual(["invoice.payment_failed", "customer.subscription.updated"]);
    expect(received[1]!.event!.data.previous_attributes).toMatchObject({ status: "active" });
    const open = await stripe.invoices.list({ customer: customer.id, status: "open" });
    expect(open.data[0]).toMatchObject({ status: "open", attempt_count: 1, amount_paid: 0 });

    received = [];
    await fake.payOpenInvoices(customer.id);
    expect((await stripe.subscriptions.retrieve(subscription!.id)).status).toBe("active");
    expect(received.map((r) => r.event?.type)).toEqual(["invoice.paid", "customer.subscription.updated"]);
    const all = await stripe.invoices.list({ customer: customer.id });
    expect(all.data.map((i) => i.status)).toEqual(["paid", "paid"]);
  });

  it("changes plan, cancels through the portal and the API", async () => {
    const { customer, session } = await subscribedCustomer();
    const { subscription } = await fake.completeCheckout(session.id);
    const sub = subscription!;
    received = [];
    const changed = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: "price_team" }] });
    expect(changed.items.data[0]!.price.id).toBe("price_team");
    await fake.settled();
    expect(received.map((r) => r.event?.type)).toEqual(["customer.subscription.updated"]);

    const portal = await stripe.billingPortal.sessions.create({ customer: customer.id, return_url: "http://localhost:3000/billing" });
    expect(portal.url).toBe(`${fake.url}/portal/${portal.id}`);
    const page = await (await fetch(portal.url)).text();
    expect(page).toContain("Team");
    expect(page).toContain("Cancel subscription</button>");
    expect(page).toContain('href="http://localhost:3000/billing">Return to Jace');
    const res = await fetch(`${portal.url}/cancel`, { method: "POST", redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/portal/${portal.id}`);
    expect((await stripe.subscriptions.retrieve(sub.id)).cancel_at_period_end).toBe(true);

    const canceled = await stripe.subscriptions.cancel(sub.id);
    expect(canceled.status).toBe("canceled");
    await fake.settled();
    expect(received.map((r) => r.event?.type).slice(-2)).toEqual(["customer.subscription.updated", "customer.subscription.deleted"]);
    expect((await stripe.subscriptions.list({ customer: customer.id })).data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: "all" })).data).toHaveLength(1);
  });

  it("answers errors the way Stripe does", async () => {
    const { id } = await stripe.customers.create({ email: "e@example.com" });
    const badPrice = await stripe.checkout.sessions
      .create({ mode: "subscription", customer: id, line_items: [{ price: "price_nope", quantity: 1 }], success_url: "http://x/ok" })
      .catch((e: unknown) => e);
    expect(badPrice).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((badPrice as Stripe.errors.StripeError).param).toBe("line_items[0][price]");

    const badKey = await client("sk_test_wrong")
      .customers.retrieve(id)
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);

    const missing = await stripe.subscriptions.retrieve("sub_nope").catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect((missing as Stripe.errors.StripeError).statusCode).toBe(404);

    fake.failNext("GET", "/v1/customers", 500);
    expect(await stripe.customers.retrieve(id).catch((e: unknown) => e)).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((await stripe.customers.retrieve(id)).id).toBe(id);

    fake.failNext("POST", "/v1/customers", 429);
    expect(await stripe.customers.create({}).catch((e: unknown) => e)).toBeInstanceOf(Stripe.errors.StripeRateLimitError);

    // With retries on, the SDK retries the 500 with the same idempotency key and succeeds.
    fake.failNext("POST", "/v1/customers", 500);
    const before = fake.requests.length;
    await client(fake.secretKey, 1).customers.create({ email: "retry@example.com" });
    const tries = fake.requests.slice(before);
    expect(tries).toHaveLength(2);
    expect(tries[0]!.headers["idempotency-key"]).toBe(tries[1]!.headers["idempotency-key"]);
  });

  it("runs as its own process", async () => {
    const child = spawn(
      "node_modules/.bin/tsx",
      ["test/fakes/stripe-server.ts", "--port", "0", "--webhook-secret", webhookSecret, "--prices", JSON.stringify(prices)],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
    const match = line.match(/^stripe-fake listening on (http:\/\/127\.0\.0\.1:(\d+))$/);
    expect(match).not.toBeNull();
    const remote = new Stripe("sk_test_jace_fake", {
      host: "127.0.0.1",
      port: Number(match![2]),
      protocol: "http",
      maxNetworkRetries: 0,
      telemetry: false,
    });
    expect((await remote.customers.create({ email: "p@example.com" })).id).toMatch(/^cus_/);
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(0);
  });
});
