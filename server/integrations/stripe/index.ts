import Stripe from "stripe";
import { getEnv, type Env } from "@/server/env";
import { AppError } from "@/server/errors";

/**
 * Jace's one door to Stripe. The client takes its host from STRIPE_API_URL so tests and local
 * rehearsals point the real SDK at a loopback fake; without STRIPE_SECRET_KEY billing runs in
 * local mode and nothing here is called.
 */

export type { Stripe };

/** Meters in Stripe. Only jace_overage_tasks is billed (by the plans' metered prices); the rest are for reporting. */
export const meterEventNames = {
  tasks: "jace_tasks",
  overage_tasks: "jace_overage_tasks",
  cloud_tokens: "jace_cloud_tokens",
  gpu_minutes: "jace_gpu_minutes",
} as const;
export type MeterMetric = keyof typeof meterEventNames;

let cached: { key: string; client: Stripe } | undefined;

function build(env: Env): Stripe {
  const api = env.STRIPE_API_URL ? new URL(env.STRIPE_API_URL) : null;
  return new Stripe(env.STRIPE_SECRET_KEY!, {
    telemetry: false,
    maxNetworkRetries: 2,
    timeout: 20_000,
    appInfo: { name: "Jace" },
    ...(api
      ? {
          host: api.hostname,
          port: api.port ? Number(api.port) : api.protocol === "https:" ? 443 : 80,
          protocol: api.protocol === "https:" ? "https" : "http",
        }
      : {}),
  });
}

export function stripeConfigured(env: Env = getEnv()): boolean {
  return env.stripe;
}

/** The Stripe client, or an error saying billing is in local mode. */
export function getStripe(env: Env = getEnv()): Stripe {
  if (!env.stripe) throw new AppError("UNPROCESSABLE", "Payments are not configured on this server (STRIPE_SECRET_KEY is unset).");
  const key = `${env.STRIPE_SECRET_KEY}|${env.STRIPE_API_URL ?? ""}`;
  if (cached?.key !== key) cached = { key, client: build(env) };
  return cached.client;
}

/** Verifies a webhook's `stripe-signature` (HMAC over the raw body, 5-minute timestamp window). */
export function verifyWebhook(rawBody: string, signature: string | null, env: Env = getEnv()): Stripe.Event {
  if (!env.STRIPE_WEBHOOK_SECRET) throw new AppError("UNPROCESSABLE", "Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).");
  if (!signature) throw new AppError("UNAUTHORIZED", "Missing stripe-signature header.");
  try {
    return getStripe(env).webhooks.constructEvent(rawBody, signature, env.STRIPE_WEBHOOK_SECRET, 300);
  } catch (err) {
    throw new AppError("UNAUTHORIZED", `Invalid Stripe signature: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function isStripeError(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripeError;
}
