import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

/**
 * A loopback Stripe API for tests, driven through the real `stripe` SDK:
 *   new Stripe(fake.secretKey, { host: fake.host, port: fake.port, protocol: "http", maxNetworkRetries: 0, telemetry: false })
 * Holds customers, Checkout and portal sessions, subscriptions, invoices and meter events in memory,
 * serves a tiny hosted Checkout and billing portal, and POSTs events signed with the SDK's own
 * `generateTestHeaderString` to `webhookUrl`. Events all go through one queue, in order. Events caused
 * by API calls are delivered after the API answers (as Stripe does; `settled()` waits for them); test
 * controls and the hosted pages wait for their own deliveries.
 */

// qs ships no types and @types/qs is not installed: load it untyped.
const qs = createRequire(import.meta.url)("qs") as { parse(s: string, o?: { depth?: number; arrayLimit?: number }): Params };

type Params = Record<string, unknown>;
type Metadata = Stripe.Metadata;
type List<T> = { object: "list"; data: T[]; has_more: boolean; total_count?: number; url: string };

export type FakePrice = Pick<
  Stripe.Price,
  | "id"
  | "object"
  | "active"
  | "billing_scheme"
  | "created"
  | "currency"
  | "custom_unit_amount"
  | "livemode"
  | "lookup_key"
  | "metadata"
  | "nickname"
  | "product"
  | "tax_behavior"
  | "tiers_mode"
  | "transform_quantity"
  | "type"
  | "unit_amount"
> & { recurring: Stripe.Price.Recurring };
export type FakeCustomer = Pick<
  Stripe.Customer,
  | "id"
  | "object"
  | "address"
  | "balance"
  | "created"
  | "currency"
  | "default_source"
  | "delinquent"
  | "description"
  | "email"
  | "invoice_prefix"
  | "invoice_settings"
  | "livemode"
  | "metadata"
  | "name"
  | "next_invoice_sequence"
  | "phone"
  | "preferred_locales"
  | "shipping"
  | "tax_exempt"
  | "test_clock"
>;
export type FakeSubscriptionItem = Pick<
  Stripe.SubscriptionItem,
  | "id"
  | "object"
  | "created"
  | "current_period_start"
  | "current_period_end"
  | "discounts"
  | "metadata"
  | "quantity"
  | "subscription"
  | "tax_rates"
> & { price: FakePrice; plan: Record<string, unknown> };
export type FakeSubscription = Pick<
  Stripe.Subscription,
  | "id"
  | "object"
  | "application"
  | "billing_cycle_anchor"
  | "cancel_at"
  | "cancel_at_period_end"
  | "canceled_at"
  | "cancellation_details"
  | "collection_method"
  | "created"
  | "currency"
  | "customer"
  | "days_until_due"
  | "default_payment_method"
  | "description"
  | "discounts"
  | "ended_at"
  | "latest_invoice"
  | "livemode"
  | "metadata"
  | "pause_collection"
  | "pending_update"
  | "schedule"
  | "start_date"
  | "status"
  | "test_clock"
  | "trial_end"
  | "trial_start"
> & {
  /** Gone from the SDK's Subscription type (moved to items), still sent here for older readers. */
  current_period_start: number;
  current_period_end: number;
  items: List<FakeSubscriptionItem>;
};
export type FakeInvoice = Pick<
  Stripe.Invoice,
  | "id"
  | "object"
  | "account_country"
  | "account_name"
  | "amount_due"
  | "amount_paid"
  | "amount_remaining"
  | "attempt_count"
  | "attempted"
  | "billing_reason"
  | "collection_method"
  | "created"
  | "currency"
  | "customer"
  | "customer_email"
  | "customer_name"
  | "description"
  | "due_date"
  | "hosted_invoice_url"
  | "invoice_pdf"
  | "livemode"
  | "metadata"
  | "next_payment_attempt"
  | "number"
  | "parent"
  | "period_end"
  | "period_start"
  | "status"
  | "status_transitions"
  | "subtotal"
  | "total"
> & { lines: List<Record<string, unknown>> };
export type FakeCheckoutSession = Pick<
  Stripe.Checkout.Session,
  | "id"
  | "object"
  | "amount_subtotal"
  | "amount_total"
  | "cancel_url"
  | "client_reference_id"
  | "created"
  | "currency"
  | "customer"
  | "customer_email"
  | "expires_at"
  | "invoice"
  | "livemode"
  | "metadata"
  | "mode"
  | "payment_method_types"
  | "payment_status"
  | "status"
  | "subscription"
  | "success_url"
  | "ui_mode"
  | "url"
>;
export type FakePortalSession = Pick<
  Stripe.BillingPortal.Session,
  | "id"
  | "object"
  | "configuration"
  | "created"
  | "customer"
  | "customer_account"
  | "flow"
  | "livemode"
  | "locale"
  | "on_behalf_of"
  | "return_url"
  | "url"
>;
export type FakeMeterEvent = Stripe.Billing.MeterEvent;
export type FakeEvent = {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
};
export type RecordedRequest = { method: string; path: string; query: Params; body: Params; headers: IncomingHttpHeaders };
/** One delivery attempt. `status` is what the app answered, null if nothing was sent (no webhookUrl) or it failed. */
export type RecordedEvent = {
  id: string;
  type: string;
  event: FakeEvent;
  /** The exact bytes sent. */
  payload: string;
  signature: string | null;
  status: number | null;
  error?: string;
  resent: boolean;
};
export type EmitOptions = { timestamp?: number; secret?: string };

export type StripeFakeOptions = {
  webhookUrl?: string;
  webhookSecret: string;
  /** `meter`: the meter's event name, making the price metered (billed in arrears from meter events, no quantity). */
  prices: Record<string, { product: string; nickname: string; unitAmount: number; currency?: string; meter?: string }>;
  secretKey?: string;
  port?: number;
};

export type StripeFake = Awaited<ReturnType<typeof startStripeFake>>;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: { code?: string; param?: string; type?: string } = {},
  ) {
    super(message);
  }
}

const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const randomId = (prefix: string, n = 24) => prefix + [...randomBytes(n)].map((b) => alphabet[b % 62]).join("");
const now = () => Math.floor(Date.now() / 1000);
const addMonth = (ts: number) => {
  const d = new Date(ts * 1000);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return Math.floor(d.getTime() / 1000);
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const esc = (s: unknown) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
const money = (amount: number, currency: string) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(amount / 100);
const day = (ts: number) => new Date(ts * 1000).toISOString().slice(0, 10);
const str = (p: Params, key: string): string | undefined => (typeof p[key] === "string" ? (p[key] as string) : undefined);
const obj = (v: unknown): Params => (v && typeof v === "object" && !Array.isArray(v) ? (v as Params) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : []);
const noSuch = (what: string, id: string, param = "id") =>
  new ApiError(404, `No such ${what}: '${id}'`, { code: "resource_missing", param });

/** Stripe's metadata rules: `metadata[k]=` removes k, `metadata=` clears all. */
function mergeMetadata(current: Metadata, update: unknown): Metadata {
  if (update === undefined) return current;
  if (update === "") return {};
  const next = { ...current };
  for (const [k, v] of Object.entries(obj(update))) {
    if (v === "") delete next[k];
    else next[k] = String(v);
  }
  return next;
}

/** Top-level keys whose JSON differs, with their old values (Stripe's `previous_attributes`). */
function diff(before: Params, after: Params): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(after)) if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out[k] = before[k] ?? null;
  return out;
}

export async function startStripeFake(opts: StripeFakeOptions) {
  const secretKey = opts.secretKey ?? "sk_test_jace_fake";
  let webhookUrl = opts.webhookUrl;
  let baseUrl = "";

  const prices = new Map<string, FakePrice>();
  const created0 = now();
  for (const [id, p] of Object.entries(opts.prices)) {
    prices.set(id, {
      id,
      object: "price",
      active: true,
      billing_scheme: "per_unit",
      created: created0,
      currency: p.currency ?? "usd",
      custom_unit_amount: null,
      livemode: false,
      lookup_key: null,
      metadata: {},
      nickname: p.nickname,
      product: p.product,
      recurring: {
        interval: "month",
        interval_count: 1,
        meter: p.meter ?? null,
        trial_period_days: null,
        usage_type: p.meter ? "metered" : "licensed",
      },
      tax_behavior: "unspecified",
      tiers_mode: null,
      transform_quantity: null,
      type: "recurring",
      unit_amount: p.unitAmount,
    });
  }
  const customers = new Map<string, FakeCustomer>();
  type Line = { price: FakePrice; quantity?: number };
  const checkoutSessions = new Map<string, FakeCheckoutSession & { _lines: Line[]; _subscriptionMetadata: Metadata }>();
  const portalSessions = new Map<string, FakePortalSession>();
  const subscriptions = new Map<string, FakeSubscription>();
  const invoices = new Map<string, FakeInvoice>();
  const requests: RecordedRequest[] = [];
  const events: RecordedEvent[] = [];
  const meterEvents: FakeMeterEvent[] = [];
  const duplicateMeterEvents: FakeMeterEvent[] = [];
  const failures: { method: string; pathPrefix: string; status: number; times: number }[] = [];
  const idempotent = new Map<string, { status: number; body: unknown }>();
  const sent = new Map<string, { event: FakeEvent; payload: string }>();
  let queue: Promise<unknown> = Promise.resolve();

  // ---- webhooks ----

  async function deliver(event: FakeEvent, payload: string, resent: boolean, o: EmitOptions): Promise<number | null> {
    const rec: RecordedEvent = { id: event.id, type: event.type, event, payload, signature: null, status: null, resent };
    events.push(rec);
    if (!webhookUrl) return null;
    rec.signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: o.secret ?? opts.webhookSecret,
      timestamp: o.timestamp ?? now(),
    });
    try {
      const res = await fetch(webhookUrl, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          "stripe-signature": rec.signature,
          "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        },
        body: payload,
        signal: AbortSignal.timeout(30_000),
      });
      await res.arrayBuffer();
      rec.status = res.status;
    } catch (e) {
      rec.error = String(e);
    }
    return rec.status;
  }

  /** Queues one delivery behind all earlier ones; the promise settles when this one is done. */
  function enqueue(event: FakeEvent, payload: string, resent: boolean, o: EmitOptions = {}): Promise<number | null> {
    const p = queue.then(() => deliver(event, payload, resent, o));
    queue = p.catch(() => undefined);
    return p;
  }

  function makeEvent(type: string, object: unknown, previous?: Record<string, unknown>, request?: RecordedRequest): FakeEvent {
    const idem = request?.headers["idempotency-key"];
    return {
      id: randomId("evt_"),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: now(),
      data: previous ? { object: clone(object), previous_attributes: clone(previous) } : { object: clone(object) },
      livemode: false,
      pending_webhooks: 1,
      request: { id: request ? randomId("req_", 14) : null, idempotency_key: typeof idem === "string" ? idem : null },
      type,
    };
  }

  function send(
    type: string,
    object: unknown,
    o: { previous?: Record<string, unknown>; request?: RecordedRequest; emit?: EmitOptions } = {},
  ) {
    const event = makeEvent(type, object, o.previous, o.request);
    const payload = JSON.stringify(event, null, 2);
    sent.set(event.id, { event, payload });
    return enqueue(event, payload, false, o.emit);
  }

  // ---- domain ----

  const customer = (id: unknown, param = "customer") => {
    const c = typeof id === "string" ? customers.get(id) : undefined;
    if (!c) throw noSuch("customer", String(id ?? ""), param);
    return c;
  };
  const price = (id: unknown, param: string) => {
    const p = typeof id === "string" ? prices.get(id) : undefined;
    if (!p) throw noSuch("price", String(id ?? ""), param);
    return p;
  };
  const subscription = (id: string) => {
    const s = subscriptions.get(id);
    if (!s) throw noSuch("subscription", id);
    return s;
  };
  const planOf = (p: FakePrice) => ({
    id: p.id,
    object: "plan",
    active: true,
    amount: p.unit_amount,
    billing_scheme: "per_unit",
    created: p.created,
    currency: p.currency,
    interval: "month",
    interval_count: 1,
    livemode: false,
    metadata: {},
    nickname: p.nickname,
    product: p.product,
    usage_type: p.recurring.usage_type,
  });
  const metered = (p: FakePrice) => p.recurring.usage_type === "metered";
  const usageOf = (customerId: string, p: FakePrice, period: { start: number; end: number }) =>
    meterEvents
      .filter((e) => e.event_name === p.recurring.meter && e.payload.stripe_customer_id === customerId)
      .filter((e) => e.timestamp >= period.start && e.timestamp < period.end)
      .reduce((n, e) => n + Number(e.payload.value), 0);
  const newItem = (subscriptionId: string, line: Line, t: number): FakeSubscriptionItem => ({
    id: randomId("si_", 14),
    object: "subscription_item",
    created: t,
    current_period_start: t,
    current_period_end: addMonth(t),
    discounts: [],
    metadata: {},
    plan: planOf(line.price),
    price: line.price,
    ...(metered(line.price) ? {} : { quantity: line.quantity ?? 1 }),
    subscription: subscriptionId,
    tax_rates: [],
  });
  const setPeriod = (s: FakeSubscription, start: number) => {
    s.current_period_start = start;
    s.current_period_end = addMonth(start);
    for (const i of s.items.data) [i.current_period_start, i.current_period_end] = [s.current_period_start, s.current_period_end];
  };

  function newSubscription(customerId: string, lines: Line[], metadata: Metadata): FakeSubscription {
    const t = now();
    const id = randomId("sub_");
    const p = lines[0]!.price;
    const items = lines.map((l) => newItem(id, l, t));
    const s: FakeSubscription = {
      id,
      object: "subscription",
      application: null,
      billing_cycle_anchor: t,
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
      collection_method: "charge_automatically",
      created: t,
      currency: p.currency,
      current_period_start: t,
      current_period_end: addMonth(t),
      customer: customerId,
      days_until_due: null,
      default_payment_method: null,
      description: null,
      discounts: [],
      ended_at: null,
      items: { object: "list", data: items, has_more: false, total_count: items.length, url: `/v1/subscription_items?subscription=${id}` },
      latest_invoice: null,
      livemode: false,
      metadata,
      pause_collection: null,
      pending_update: null,
      schedule: null,
      start_date: t,
      status: "active",
      test_clock: null,
      trial_end: null,
      trial_start: null,
    };
    subscriptions.set(id, s);
    return s;
  }

  /** `usage`: the period whose meter events the metered items bill (the one that just ended). */
  function newInvoice(
    s: FakeSubscription,
    reason: Stripe.Invoice.BillingReason,
    paid: boolean,
    usage?: { start: number; end: number },
  ): FakeInvoice {
    const c = customer(s.customer);
    const t = now();
    const id = randomId("in_");
    const quantityOf = (i: FakeSubscriptionItem) => (metered(i.price) ? (usage ? usageOf(c.id, i.price, usage) : 0) : (i.quantity ?? 1));
    const amount = s.items.data.reduce((n, i) => n + (i.price.unit_amount ?? 0) * quantityOf(i), 0);
    const seq = c.next_invoice_sequence ?? 1;
    c.next_invoice_sequence = seq + 1;
    const inv: FakeInvoice = {
      id,
      object: "invoice",
      account_country: "US",
      account_name: "Jace (Stripe test fake)",
      amount_due: amount,
      amount_paid: paid ? amount : 0,
      amount_remaining: paid ? 0 : amount,
      attempt_count: 1,
      attempted: true,
      billing_reason: reason,
      collection_method: "charge_automatically",
      created: t,
      currency: s.currency,
      customer: c.id,
      customer_email: c.email,
      customer_name: c.name ?? null,
      description: null,
      due_date: null,
      hosted_invoice_url: `${baseUrl}/invoice/${id}`,
      invoice_pdf: `${baseUrl}/invoice/${id}/pdf`,
      lines: {
        object: "list",
        data: s.items.data.map((i) => ({
          id: randomId("il_"),
          object: "line_item",
          amount: (i.price.unit_amount ?? 0) * quantityOf(i),
          currency: s.currency,
          description: `${quantityOf(i)} × ${i.price.nickname} (at ${money(i.price.unit_amount ?? 0, s.currency)} / ${metered(i.price) ? "unit" : "month"})`,
          invoice: id,
          livemode: false,
          metadata: {},
          parent: {
            type: "subscription_item_details",
            invoice_item_details: null,
            subscription_item_details: { subscription: s.id, subscription_item: i.id, invoice_item: null, proration: false },
          },
          period: { start: s.current_period_start, end: s.current_period_end },
          pricing: {
            type: "price_details",
            price_details: { price: i.price.id, product: i.price.product },
            unit_amount_decimal: String(i.price.unit_amount),
          },
          quantity: quantityOf(i),
        })),
        has_more: false,
        total_count: s.items.data.length,
        url: `/v1/invoices/${id}/lines`,
      },
      livemode: false,
      metadata: {},
      next_payment_attempt: paid ? null : t + 3 * 86400,
      number: `${c.invoice_prefix}-${String(seq).padStart(4, "0")}`,
      parent: {
        type: "subscription_details",
        quote_details: null,
        subscription_details: { metadata: clone(s.metadata), subscription: s.id },
      },
      period_start: s.current_period_start,
      period_end: s.current_period_end,
      status: paid ? "paid" : "open",
      status_transitions: { finalized_at: t, marked_uncollectible_at: null, paid_at: paid ? t : null, voided_at: null },
      subtotal: amount,
      total: amount,
    };
    invoices.set(id, inv);
    s.latest_invoice = id;
    return inv;
  }

  /** The pay button: subscription + paid invoice, session complete, then the three events in order. */
  async function completeCheckout(sessionId: string) {
    const session = checkoutSessions.get(sessionId);
    if (!session) throw noSuch("checkout.session", sessionId);
    const redirectUrl = (session.success_url ?? "").replaceAll("{CHECKOUT_SESSION_ID}", session.id);
    if (session.status !== "open") {
      const sub = subscriptions.get(String(session.subscription));
      return { session, subscription: sub, invoice: sub && invoices.get(String(sub.latest_invoice)), redirectUrl };
    }
    const sub = newSubscription(String(session.customer), session._lines, session._subscriptionMetadata);
    const invoice = newInvoice(sub, "subscription_create", true);
    Object.assign(session, { status: "complete", payment_status: "paid", subscription: sub.id, invoice: invoice.id });
    void send("checkout.session.completed", publicSession(session));
    void send("customer.subscription.created", sub);
    await send("invoice.paid", invoice);
    return { session, subscription: sub, invoice, redirectUrl };
  }

  const publicSession = (s: FakeCheckoutSession): FakeCheckoutSession =>
    Object.fromEntries(Object.entries(s).filter(([k]) => !k.startsWith("_"))) as FakeCheckoutSession;

  /** Changes a subscription and sends customer.subscription.updated if anything changed. */
  function update(s: FakeSubscription, change: () => void, request?: RecordedRequest) {
    const before = clone(s) as unknown as Params;
    change();
    const previous = diff(before, s as unknown as Params);
    return Object.keys(previous).length ? send("customer.subscription.updated", s, { previous, request }) : Promise.resolve(null);
  }

  function setCancelAtPeriodEnd(s: FakeSubscription, on: boolean) {
    s.cancel_at_period_end = on;
    s.cancel_at = on ? s.current_period_end : null;
    s.canceled_at = on ? now() : null;
    s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: on ? "cancellation_requested" : null };
  }

  const liveSubscriptionOf = (customerId: string) => {
    customer(customerId);
    const s = [...subscriptions.values()].reverse().find((x) => x.customer === customerId && x.status !== "canceled");
    if (!s) throw new Error(`stripe fake: customer ${customerId} has no live subscription`);
    return s;
  };

  /**
   * A renewal whose payment fails. Stripe does not order its events: `order: "subscription-first"`
   * delivers customer.subscription.updated (past_due) before invoice.payment_failed.
   */
  async function failPayment(customerId: string, o: { order?: "invoice-first" | "subscription-first" } = {}) {
    const s = liveSubscriptionOf(customerId);
    let invoice = [...invoices.values()].find((i) => i.customer === customerId && i.status === "open");
    if (invoice) {
      invoice.attempt_count += 1;
      invoice.next_payment_attempt = now() + 3 * 86400;
    } else {
      setPeriod(s, s.current_period_end);
      invoice = newInvoice(s, "subscription_cycle", false);
    }
    if (o.order === "subscription-first") {
      await update(s, () => void (s.status = "past_due"));
      await send("invoice.payment_failed", invoice);
    } else {
      void send("invoice.payment_failed", invoice);
      await update(s, () => void (s.status = "past_due"));
    }
    await settled();
    return { subscription: s, invoice };
  }

  async function payOpenInvoices(customerId: string) {
    customer(customerId);
    const paid: FakeInvoice[] = [];
    for (const inv of invoices.values()) {
      if (inv.customer !== customerId || inv.status !== "open") continue;
      Object.assign(inv, { status: "paid", amount_paid: inv.amount_due, amount_remaining: 0, next_payment_attempt: null });
      inv.status_transitions.paid_at = now();
      paid.push(inv);
      void send("invoice.paid", inv);
    }
    for (const s of subscriptions.values()) {
      if (s.customer === customerId && s.status === "past_due") void update(s, () => void (s.status = "active"));
    }
    await settled();
    return paid;
  }

  /** Renewal: the next period and a paid invoice, or the end of a subscription set to cancel at period end. */
  async function advancePeriod(subscriptionId: string) {
    const s = subscription(subscriptionId);
    if (s.cancel_at_period_end) {
      cancel(s);
    } else {
      const ended = { start: s.current_period_start, end: s.current_period_end };
      await update(s, () => setPeriod(s, s.current_period_end));
      void send("invoice.paid", newInvoice(s, "subscription_cycle", true, ended));
    }
    await settled();
    return s;
  }

  function cancel(s: FakeSubscription, request?: RecordedRequest) {
    const t = now();
    Object.assign(s, { status: "canceled", ended_at: t, canceled_at: s.canceled_at ?? t, cancel_at: null, cancel_at_period_end: false });
    s.cancellation_details = { comment: null, feedback: null, feedback_option: null, reason: "cancellation_requested" };
    return send("customer.subscription.deleted", s, { request });
  }

  function settled(): Promise<void> {
    const q = queue;
    return q.then(() => (q === queue ? undefined : settled()));
  }

  // ---- API ----

  function list<T extends { id: string }>(items: T[], p: Params, url: string): List<T> {
    const limit = Math.min(Math.max(Number(p.limit ?? 10) || 10, 1), 100);
    const after = str(p, "starting_after");
    const start = after ? items.findIndex((i) => i.id === after) + 1 : 0;
    return { object: "list", data: items.slice(start, start + limit), has_more: start + limit < items.length, url };
  }
  const newestFirst = <T>(m: Map<string, T>) => [...m.values()].reverse();

  const lookup = (id: string): unknown =>
    customers.get(id) ??
    subscriptions.get(id) ??
    invoices.get(id) ??
    prices.get(id) ??
    (checkoutSessions.has(id) ? publicSession(checkoutSessions.get(id)!) : undefined);
  /** `expand[]=subscription` / `expand[]=data.customer`: ids replaced by objects, one level. */
  function expand(result: unknown, p: Params): unknown {
    const paths = arr(p.expand).map(String);
    if (!paths.length) return result;
    const out = clone(result) as Params;
    for (const path of paths) {
      const [target, key] = path.startsWith("data.") ? [(out.data as Params[]) ?? [], path.slice(5)] : [[out], path];
      for (const o of target) if (typeof o[key] === "string") o[key] = lookup(o[key] as string) ?? o[key];
    }
    return out;
  }

  type Handler = (m: string[], p: Params, req: RecordedRequest) => unknown;
  const routes: [string, RegExp, Handler][] = [
    [
      "POST",
      /^\/v1\/customers$/,
      (_m, p) => {
        const id = randomId("cus_", 14);
        const c: FakeCustomer = {
          id,
          object: "customer",
          address: null,
          balance: 0,
          created: now(),
          currency: null,
          default_source: null,
          delinquent: false,
          description: str(p, "description") ?? null,
          email: str(p, "email") ?? null,
          invoice_prefix: randomBytes(4).toString("hex").toUpperCase(),
          invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
          livemode: false,
          metadata: mergeMetadata({}, p.metadata),
          name: str(p, "name") ?? null,
          next_invoice_sequence: 1,
          phone: null,
          preferred_locales: [],
          shipping: null,
          tax_exempt: "none",
          test_clock: null,
        };
        customers.set(id, c);
        return c;
      },
    ],
    ["GET", /^\/v1\/customers\/([^/]+)$/, ([id]) => customer(id, "id")],
    [
      "POST",
      /^\/v1\/customers\/([^/]+)$/,
      ([id], p) => {
        const c = customer(id, "id");
        if (p.name !== undefined) c.name = str(p, "name") || null;
        if (p.email !== undefined) c.email = str(p, "email") || null;
        c.metadata = mergeMetadata(c.metadata, p.metadata);
        return c;
      },
    ],
    ["GET", /^\/v1\/prices$/, (_m, p) => list([...prices.values()], p, "/v1/prices")],
    ["GET", /^\/v1\/prices\/([^/]+)$/, ([id]) => price(id, "id")],
    [
      "POST",
      /^\/v1\/checkout\/sessions$/,
      (_m, p) => {
        if (p.mode !== "subscription") throw new ApiError(400, "This fake supports only mode=subscription.", { param: "mode" });
        const c = customer(p.customer);
        const rawLines = arr(p.line_items).map(obj);
        if (!rawLines[0]?.price)
          throw new ApiError(400, "Missing required param: line_items[0][price].", {
            code: "parameter_missing",
            param: "line_items[0][price]",
          });
        const lines: Line[] = rawLines.map((l, n) => {
          const lp = price(l.price, `line_items[${n}][price]`);
          if (metered(lp) && l.quantity !== undefined)
            throw new ApiError(
              400,
              "Quantity should not be specified where usage_type is `metered`. Remove quantity from `line_items[" + n + "]`.",
              {
                param: `line_items[${n}][quantity]`,
              },
            );
          return metered(lp) ? { price: lp } : { price: lp, quantity: Number(l.quantity ?? 1) };
        });
        const pr = (lines.find((l) => !metered(l.price)) ?? lines[0]!).price;
        const successUrl = str(p, "success_url");
        if (!successUrl)
          throw new ApiError(400, "Missing required param: success_url.", { code: "parameter_missing", param: "success_url" });
        const upFront = lines.reduce((n, l) => n + (metered(l.price) ? 0 : (l.price.unit_amount ?? 0) * (l.quantity ?? 1)), 0);
        const id = randomId("cs_test_", 58);
        const t = now();
        const s = {
          id,
          object: "checkout.session" as const,
          amount_subtotal: upFront,
          amount_total: upFront,
          cancel_url: str(p, "cancel_url") ?? null,
          client_reference_id: str(p, "client_reference_id") ?? null,
          created: t,
          currency: pr.currency,
          customer: c.id,
          customer_email: null,
          expires_at: t + 86400,
          invoice: null,
          livemode: false,
          metadata: mergeMetadata({}, p.metadata),
          mode: "subscription" as const,
          payment_method_types: ["card"],
          payment_status: "unpaid" as const,
          status: "open" as const,
          subscription: null,
          success_url: successUrl,
          ui_mode: "hosted" as const,
          url: `${baseUrl}/checkout/${id}`,
          _lines: lines,
          _subscriptionMetadata: mergeMetadata({}, obj(p.subscription_data).metadata),
        };
        checkoutSessions.set(id, s);
        return publicSession(s);
      },
    ],
    [
      "GET",
      /^\/v1\/checkout\/sessions\/([^/]+)$/,
      ([id], p) => {
        const s = checkoutSessions.get(id!);
        if (!s) throw noSuch("checkout.session", id!);
        return expand(publicSession(s), p);
      },
    ],
    [
      "POST",
      /^\/v1\/billing_portal\/sessions$/,
      (_m, p) => {
        const c = customer(p.customer);
        const id = randomId("bps_");
        const s: FakePortalSession = {
          id,
          object: "billing_portal.session",
          configuration: "bpc_jace_fake",
          created: now(),
          customer: c.id,
          customer_account: null,
          flow: null,
          livemode: false,
          locale: null,
          on_behalf_of: null,
          return_url: str(p, "return_url") ?? null,
          url: `${baseUrl}/portal/${id}`,
        };
        portalSessions.set(id, s);
        return s;
      },
    ],
    [
      "GET",
      /^\/v1\/subscriptions$/,
      (_m, p) => {
        const status = str(p, "status");
        const all = newestFirst(subscriptions).filter(
          (s) =>
            (!p.customer || s.customer === p.customer) &&
            (!p.price || s.items.data.some((i) => i.price.id === p.price)) &&
            (status === "all" || (status ? s.status === status : s.status !== "canceled")),
        );
        return expand(list(all, p, "/v1/subscriptions"), p);
      },
    ],
    ["GET", /^\/v1\/subscriptions\/([^/]+)$/, ([id], p) => expand(subscription(id!), p)],
    [
      "POST",
      /^\/v1\/subscriptions\/([^/]+)$/,
      ([id], p, req) => {
        const s = subscription(id!);
        if (s.status === "canceled" && Object.keys(p).some((k) => !["metadata", "cancellation_details", "expand"].includes(k))) {
          throw new ApiError(400, "A canceled subscription can only update its cancellation_details and metadata.");
        }
        // Each entry changes an item (id), deletes one (id + deleted), or adds one (price, no id).
        const changes = arr(p.items).map((raw, n) => {
          const it = obj(raw);
          if (it.id === undefined)
            return { item: null, price: price(it.price, `items[${n}][price]`), quantity: it.quantity, deleted: false };
          const item = s.items.data.find((i) => i.id === it.id);
          if (!item) throw noSuch("subscription_item", String(it.id), `items[${n}][id]`);
          const pr = it.price === undefined ? item.price : price(it.price, `items[${n}][price]`);
          return { item, price: pr, quantity: it.quantity, deleted: it.deleted === "true" };
        });
        void update(
          s,
          () => {
            for (const c of changes) {
              if (!c.item) {
                s.items.data.push(
                  newItem(s.id, { price: c.price, quantity: c.quantity === undefined ? undefined : Number(c.quantity) }, now()),
                );
              } else if (c.deleted) {
                s.items.data = s.items.data.filter((i) => i !== c.item);
              } else {
                c.item.price = c.price;
                c.item.plan = planOf(c.price);
                if (c.quantity !== undefined) c.item.quantity = Number(c.quantity);
              }
            }
            s.items.total_count = s.items.data.length;
            if (p.cancel_at_period_end !== undefined) setCancelAtPeriodEnd(s, p.cancel_at_period_end === "true");
            s.metadata = mergeMetadata(s.metadata, p.metadata);
          },
          req,
        );
        return expand(s, p);
      },
    ],
    [
      "DELETE",
      /^\/v1\/subscriptions\/([^/]+)$/,
      ([id], _p, req) => {
        const s = subscription(id!);
        if (s.status === "canceled")
          throw new ApiError(400, `No active subscription: '${s.id}' is already canceled.`, { code: "resource_missing" });
        void cancel(s, req);
        return s;
      },
    ],
    [
      "GET",
      /^\/v1\/invoices$/,
      (_m, p) => {
        const all = newestFirst(invoices).filter(
          (i) =>
            (!p.customer || i.customer === p.customer) &&
            (!p.subscription || i.parent?.subscription_details?.subscription === p.subscription) &&
            (!p.status || i.status === p.status),
        );
        return expand(list(all, p, "/v1/invoices"), p);
      },
    ],
    [
      "GET",
      /^\/v1\/invoices\/([^/]+)$/,
      ([id], p) => {
        const i = invoices.get(id!);
        if (!i) throw noSuch("invoice", id!);
        return expand(i, p);
      },
    ],
    [
      "POST",
      /^\/v1\/billing\/meter_events$/,
      (_m, p) => {
        const eventName = str(p, "event_name");
        if (!eventName) throw new ApiError(400, "Missing required param: event_name.", { code: "parameter_missing", param: "event_name" });
        const payload = obj(p.payload);
        const customerId = str(payload, "stripe_customer_id");
        if (!customerId || !customers.has(customerId)) {
          throw new ApiError(400, `No customer found with ID '${customerId ?? ""}'.`, {
            code: "resource_missing",
            param: "payload[stripe_customer_id]",
          });
        }
        const value = str(payload, "value");
        if (value === undefined || !Number.isFinite(Number(value))) {
          throw new ApiError(400, "payload[value] must be a number.", { param: "payload[value]" });
        }
        const t = now();
        const timestamp = p.timestamp === undefined ? t : Number(p.timestamp);
        if (!Number.isInteger(timestamp) || timestamp < t - 35 * 86400 || timestamp > t + 300) {
          throw new ApiError(400, "Timestamp must be within the past 35 days and not more than 5 minutes in the future.", {
            param: "timestamp",
          });
        }
        const ev: FakeMeterEvent = {
          object: "billing.meter_event",
          created: t,
          event_name: eventName,
          identifier: str(p, "identifier") ?? randomId("mev_"),
          livemode: false,
          payload: Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, String(v)])),
          timestamp,
        };
        if (meterEvents.some((e) => e.identifier === ev.identifier)) duplicateMeterEvents.push(ev);
        else meterEvents.push(ev);
        return ev;
      },
    ],
  ];

  // ---- hosted pages ----

  const page = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>` +
    `<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{padding:.5rem 1rem}</style></head>` +
    `<body><h1>${esc(title)}</h1>${body}</body></html>`;

  function checkoutPage(id: string) {
    const s = checkoutSessions.get(id);
    if (!s) return null;
    const pr = (s._lines.find((l) => !metered(l.price)) ?? s._lines[0]!).price;
    // Usage-based lines, as Stripe Checkout lists them under the plan: billed per unit by usage.
    const usage = s._lines
      .filter((l) => metered(l.price))
      .map(
        (l) =>
          `<p data-testid="usage-price">${esc(l.price.nickname)}: ${esc(money(l.price.unit_amount ?? 0, l.price.currency))} per unit, billed by usage</p>`,
      )
      .join("");
    const c = customers.get(String(s.customer));
    const body =
      s.status === "open"
        ? `<p data-testid="plan">${esc(pr.nickname)}</p><p data-testid="price">${esc(money(pr.unit_amount ?? 0, pr.currency))} / month</p>${usage}` +
          `<p>${esc(c?.email ?? "")}</p><form method="post" action="/checkout/${esc(id)}/pay"><button type="submit">Subscribe</button></form>` +
          (s.cancel_url ? `<p><a href="${esc(s.cancel_url)}">Cancel</a></p>` : "")
        : `<p>This checkout session is ${esc(s.status)}.</p>`;
    return page("Stripe Checkout (test fake)", body);
  }

  function portalPage(id: string) {
    const ps = portalSessions.get(id);
    if (!ps) return null;
    const subs = newestFirst(subscriptions).filter((s) => s.customer === ps.customer);
    const rows = subs.map((s) => {
      const p = s.items.data[0]!.price;
      const state =
        s.status === "canceled"
          ? "Canceled"
          : s.cancel_at_period_end
            ? `Cancels on ${day(s.current_period_end)}`
            : `Renews on ${day(s.current_period_end)}`;
      const button =
        s.status !== "canceled" && !s.cancel_at_period_end
          ? `<form method="post" action="/portal/${esc(id)}/cancel"><input type="hidden" name="subscription" value="${esc(s.id)}"><button type="submit">Cancel subscription</button></form>`
          : "";
      return `<li data-subscription="${esc(s.id)}"><strong>${esc(p.nickname)}</strong> ${esc(money(p.unit_amount ?? 0, p.currency))} / month — <span data-testid="status">${esc(s.status)}</span>, ${esc(state)}${button}</li>`;
    });
    const body =
      (rows.length ? `<ul>${rows.join("")}</ul>` : "<p>No subscriptions.</p>") +
      (ps.return_url ? `<p><a href="${esc(ps.return_url)}">Return to Jace</a></p>` : "");
    return page("Stripe Billing Portal (test fake)", body);
  }

  function invoicePage(id: string) {
    const i = invoices.get(id);
    if (!i) return null;
    return page(
      `Invoice ${i.number}`,
      `<p>Status: ${esc(i.status)}</p><p>Amount due: ${esc(money(i.amount_due, i.currency))}</p><p>Period: ${day(i.period_start)} – ${day(i.period_end)}</p>`,
    );
  }

  // ---- HTTP ----

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res
      .writeHead(status, {
        "content-type": "application/json",
        "request-id": randomId("req_", 14),
        "stripe-version": Stripe.API_VERSION,
        ...headers,
      })
      .end(JSON.stringify(body, null, 2));
  const html = (res: ServerResponse, status: number, body: string) =>
    res.writeHead(status, { "content-type": "text/html; charset=utf-8" }).end(body);
  const redirect = (res: ServerResponse, location: string) => res.writeHead(303, { location }).end();
  const stripeError = (res: ServerResponse, e: ApiError, headers?: Record<string, string>) =>
    json(
      res,
      e.status,
      { error: { type: e.extra.type ?? "invalid_request_error", message: e.message, code: e.extra.code, param: e.extra.param } },
      headers,
    );

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const part of req) raw += String(part);
    const [path = "/", query = ""] = (req.url ?? "/").split("?");
    const method = req.method ?? "GET";
    const rec: RecordedRequest = {
      method,
      path,
      query: qs.parse(query, { depth: 10, arrayLimit: 100 }),
      body: qs.parse(raw, { depth: 10, arrayLimit: 100 }),
      headers: req.headers,
    };

    // The hosted pages (a browser, no API key).
    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/(checkout|portal|invoice)\/([^/]+)$/)) && method === "GET") {
      const body = m[1] === "checkout" ? checkoutPage(m[2]!) : m[1] === "portal" ? portalPage(m[2]!) : invoicePage(m[2]!);
      return body ? html(res, 200, body) : html(res, 404, page("Not found", "<p>No such page.</p>"));
    }
    if ((m = path.match(/^\/checkout\/([^/]+)\/pay$/)) && method === "POST") {
      if (!checkoutSessions.has(m[1]!)) return html(res, 404, page("Not found", "<p>No such checkout session.</p>"));
      return redirect(res, (await completeCheckout(m[1]!)).redirectUrl);
    }
    if ((m = path.match(/^\/portal\/([^/]+)\/cancel$/)) && method === "POST") {
      const ps = portalSessions.get(m[1]!);
      if (!ps) return html(res, 404, page("Not found", "<p>No such portal session.</p>"));
      const s = subscriptions.get(String(rec.body.subscription)) ?? liveSubscriptionOf(ps.customer);
      if (s.customer !== ps.customer) return html(res, 403, page("Forbidden", "<p>Not this customer's subscription.</p>"));
      await update(s, () => setCancelAtPeriodEnd(s, true));
      return redirect(res, `/portal/${ps.id}`);
    }

    requests.push(rec);
    const auth = req.headers.authorization;
    if (!auth) {
      return stripeError(
        res,
        new ApiError(
          401,
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
        ),
      );
    }
    if (auth !== `Bearer ${secretKey}`) {
      const key = auth.replace(/^Bearer\s+/, "");
      return stripeError(
        res,
        new ApiError(401, `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`, {
          code: "api_key_invalid",
        }),
      );
    }
    const f = failures.find((x) => x.times > 0 && x.method === method && path.startsWith(x.pathPrefix));
    if (f) {
      f.times -= 1;
      if (f.status === 429) {
        return stripeError(res, new ApiError(429, "Request rate limit exceeded.", { code: "rate_limit" }), { "retry-after": "1" });
      }
      return stripeError(
        res,
        new ApiError(f.status, "An unknown error occurred (injected by the Stripe fake).", {
          type: f.status >= 500 ? "api_error" : "invalid_request_error",
        }),
      );
    }
    const idemKey = method === "POST" ? req.headers["idempotency-key"] : undefined;
    const replay = typeof idemKey === "string" ? idempotent.get(idemKey) : undefined;
    if (replay) return json(res, replay.status, replay.body, { "idempotent-replayed": "true" });

    const route = routes.find(([verb, re]) => verb === method && re.test(path));
    if (!route) {
      return stripeError(res, new ApiError(404, `Unrecognized request URL (${method}: ${path}). The Stripe fake does not implement it.`));
    }
    const params = method === "GET" || method === "DELETE" ? rec.query : rec.body;
    let status = 200;
    let body: unknown;
    try {
      body = clone(await route[2](path.match(route[1])!.slice(1), params, rec));
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status;
      body = { error: { type: e.extra.type ?? "invalid_request_error", message: e.message, code: e.extra.code, param: e.extra.param } };
    }
    if (typeof idemKey === "string") idempotent.set(idemKey, { status, body });
    json(res, status, body);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { type: "api_error", message: `Stripe fake crashed: ${String(e)}` } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    host: "127.0.0.1",
    port,
    secretKey,
    webhookSecret: opts.webhookSecret,
    /** API requests received (hosted pages excluded), with the parsed query and form body. */
    requests,
    /** Every webhook delivery, in order, with the app's answer. */
    events,
    /** Accepted meter events, one per identifier; repeats of an identifier land in duplicateMeterEvents. */
    meterEvents,
    duplicateMeterEvents,
    customers,
    checkoutSessions,
    portalSessions,
    subscriptions,
    invoices,
    prices,
    setWebhookUrl: (url: string | undefined) => void (webhookUrl = url),
    /** Sends a signed event of any type; resolves to the app's HTTP status (null: not sent). */
    emit: (type: string, dataObject: unknown, o: EmitOptions = {}) => send(type, dataObject, { emit: o }),
    /** Re-delivers an earlier event with the identical body (freshly signed unless a timestamp/secret is given). */
    resend: (eventId: string, o: EmitOptions = {}) => {
      const first = sent.get(eventId);
      if (!first) throw new Error(`stripe fake: no event ${eventId}`);
      return enqueue(first.event, first.payload, true, o);
    },
    completeCheckout,
    failPayment,
    payOpenInvoices,
    advancePeriod,
    /** The next `times` requests matching method and path prefix answer `status` (429 adds Retry-After: 1). */
    failNext: (method: string, pathPrefix: string, status: number, times = 1) =>
      void failures.push({ method: method.toUpperCase(), pathPrefix, status, times }),
    meterTotals: (customerId: string, eventName: string) =>
      meterEvents
        .filter((e) => e.event_name === eventName && e.payload.stripe_customer_id === customerId)
        .reduce((n, e) => n + Number(e.payload.value), 0),
    /** Resolves once every queued webhook delivery is done (API-triggered events are sent in the background). */
    settled,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
