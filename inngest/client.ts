import { createHmac } from "node:crypto";
import { Inngest } from "inngest";
import { getEnv, type Env } from "@/server/env";
import { logger } from "@/server/logger";
import type { EmbeddedExecutor } from "./executor";

/**
 * Where Jace's step functions run, chosen by env:
 * - `cloud`: Inngest Cloud (INNGEST_SIGNING_KEY + INNGEST_EVENT_KEY);
 * - `self-hosted`: an Inngest server at INNGEST_BASE_URL (with the same keys);
 * - `dev`: the Inngest dev server (INNGEST_DEV=1 or its URL); it does not sign requests;
 * - `embedded` (default): the executor in `inngest/executor/`, inside the app process.
 */
export type InngestMode = "cloud" | "self-hosted" | "dev" | "embedded";

/** Where the embedded executor's event API is mounted on the app's own port. */
export const EXECUTOR_PATH = "/api/inngest/executor/";
/**
 * Where the SDK reports checkpointed steps: its API paths are absolute (`/v1/checkpoint/...` on
 * the client's base URL's origin), so the embedded executor answers them at the app's root.
 */
export const CHECKPOINT_PATH = "/v1/checkpoint/";

export type InngestSettings = {
  mode: InngestMode;
  signingKey?: string;
  eventKey?: string;
  baseUrl?: string;
  isDev: boolean;
  /** The app's serve() endpoint as the embedded executor reaches it. */
  serveUrl: string;
};

export function inngestSettings(env: Env): InngestSettings {
  const local = `http://127.0.0.1:${env.PORT}`;
  const serveUrl = `${local}/api/inngest`;
  if (env.INNGEST_DEV !== undefined && env.INNGEST_DEV !== false) {
    const baseUrl = typeof env.INNGEST_DEV === "string" ? env.INNGEST_DEV : undefined;
    return { mode: "dev", isDev: true, baseUrl, eventKey: env.INNGEST_EVENT_KEY, serveUrl };
  }
  if (env.INNGEST_SIGNING_KEY && (env.INNGEST_EVENT_KEY || env.INNGEST_BASE_URL)) {
    return {
      mode: env.INNGEST_BASE_URL ? "self-hosted" : "cloud",
      isDev: false,
      signingKey: env.INNGEST_SIGNING_KEY,
      eventKey: env.INNGEST_EVENT_KEY,
      baseUrl: env.INNGEST_BASE_URL,
      serveUrl,
    };
  }
  // Both keys are derived from AUTH_SECRET so a single machine needs no extra configuration; the
  // event API is on the app's public port, so its key must be as secret as the signing key.
  const secret = env.AUTH_SECRET;
  if (!secret) {
    throw new Error(
      "AUTH_SECRET is not set: the embedded Inngest executor derives its signing and event keys from it. Set AUTH_SECRET (openssl rand -base64 33), or configure Inngest with INNGEST_SIGNING_KEY and INNGEST_EVENT_KEY.",
    );
  }
  return {
    mode: "embedded",
    isDev: false,
    signingKey: env.INNGEST_SIGNING_KEY ?? `signkey-prod-${derive(secret, "jace inngest signing key")}`,
    eventKey: env.INNGEST_EVENT_KEY ?? derive(secret, "jace inngest event key"),
    baseUrl: `${local}${EXECUTOR_PATH}`,
    serveUrl,
  };
}

function derive(secret: string, purpose: string): string {
  return createHmac("sha256", secret).update(purpose).digest("hex");
}

export function createInngestClient(settings: Pick<InngestSettings, "signingKey" | "eventKey" | "baseUrl" | "isDev">): Inngest {
  return new Inngest({
    id: "jace",
    signingKey: settings.signingKey,
    eventKey: settings.eventKey,
    baseUrl: settings.baseUrl,
    isDev: settings.isDev,
    logger: logger.child({ component: "inngest" }),
  });
}

const g = globalThis as unknown as { jaceInngest?: Inngest; jaceExecutor?: EmbeddedExecutor };

/** The process's Inngest client, built from env on first use. */
export function getInngest(): Inngest {
  g.jaceInngest ??= createInngestClient(inngestSettings(getEnv()));
  return g.jaceInngest;
}

/** Tests and tools point the app at their own client (e.g. one bound to a test executor). */
export function setInngest(client: Inngest | undefined): void {
  g.jaceInngest = client;
}

/** The embedded executor of this process, when it runs one (for run status in the dashboard). */
export function setEmbeddedExecutor(executor: EmbeddedExecutor | undefined): void {
  g.jaceExecutor = executor;
}

export function getEmbeddedExecutor(): EmbeddedExecutor | undefined {
  return g.jaceExecutor;
}
