import { z } from "zod";

/**
 * The only reader of process.env. Configuration is validated once, on first use, and a bad value
 * fails with a message naming the variable. `server/main.ts` may fill local defaults (embedded
 * database URL, generated development secrets) before anything reads the environment.
 */

const bool = z.enum(["1", "0", "true", "false", "yes", "no", ""]).transform((v) => v === "1" || v === "true" || v === "yes");

const base64Key = z
  .string()
  .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded (openssl rand -base64 32)");

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    HOST: z.string().default("0.0.0.0"),
    APP_URL: z.url().optional(),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
      .optional(),
    DATA_DIR: z.string().default(".data"),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(5488),
    AUTH_SECRET: z.string().min(32, "must be at least 32 characters (openssl rand -base64 33)").optional(),
    APP_ENCRYPTION_KEY: base64Key.optional(),
    AUTH_GITHUB_ID: z.string().min(1).optional(),
    AUTH_GITHUB_SECRET: z.string().min(1).optional(),
    SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
      .optional(),
    EMAIL_FROM: z.string().default("Jace <no-reply@jace.local>"),
    DEV_MAILBOX: bool.optional(),
    INNGEST_SIGNING_KEY: z
      .string()
      .regex(/^signkey-[a-z]+-[0-9a-f]+$/i, "must look like signkey-prod-<hex> (from the Inngest dashboard)")
      .optional(),
    INNGEST_EVENT_KEY: z.string().min(1).optional(),
    INNGEST_BASE_URL: z.url().optional(),
    INNGEST_DEV: z.union([bool, z.url()]).optional(),
    /** Embedded executor: function calls this instance runs at once. */
    INNGEST_EXECUTOR_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
    /** Embedded executor: let the SDK run consecutive steps in one request, checkpointing each (SDK v4's default). */
    INNGEST_EXECUTOR_CHECKPOINTING: bool.default(true),
    OPENAI_API_KEY: z.string().min(1).optional(),
    OPENAI_BASE_URL: z.url().optional(),
    SLACK_CLIENT_ID: z
      .string()
      .regex(/^\d+\.\d+$/, "must look like 1234567890.1234567890 (Basic Information in the Slack app settings)")
      .optional(),
    SLACK_CLIENT_SECRET: z.string().min(16, "must be the app's client secret (Basic Information)").optional(),
    SLACK_SIGNING_SECRET: z.string().min(16, "must be the app's signing secret (Basic Information)").optional(),
    /** Signs the OAuth state; derived from AUTH_SECRET when unset. */
    SLACK_STATE_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
    /** Slack's Web API base URL (tests point it at a loopback fake). */
    SLACK_API_URL: z.url().optional(),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_/, "must be a Stripe secret or restricted key (sk_test_..., sk_live_...)")
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_/, "must be the endpoint's signing secret (whsec_...)")
      .optional(),
    /** Stripe's API host, e.g. a loopback fake in tests: http://127.0.0.1:12111 */
    STRIPE_API_URL: z.url().optional(),
    STRIPE_PRICE_PRO: z
      .string()
      .regex(/^price_/, "must be a Stripe price id (price_...)")
      .optional(),
    STRIPE_PRICE_TEAM: z
      .string()
      .regex(/^price_/, "must be a Stripe price id (price_...)")
      .optional(),
    /** Metered overage prices (per task beyond the plan's included tasks); without them plans hard-cap. */
    STRIPE_PRICE_PRO_METERED: z
      .string()
      .regex(/^price_/, "must be a Stripe price id (price_...)")
      .optional(),
    STRIPE_PRICE_TEAM_METERED: z
      .string()
      .regex(/^price_/, "must be a Stripe price id (price_...)")
      .optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    LOG_FORMAT: z.enum(["pretty", "json"]).optional(),
  })
  .superRefine((v, ctx) => {
    const inngestDev = v.INNGEST_DEV !== undefined && v.INNGEST_DEV !== false;
    if (!inngestDev && (v.INNGEST_EVENT_KEY || v.INNGEST_BASE_URL) && !v.INNGEST_SIGNING_KEY) {
      ctx.addIssue({ code: "custom", path: ["INNGEST_SIGNING_KEY"], message: "is required with INNGEST_EVENT_KEY or INNGEST_BASE_URL" });
    }
    if (!inngestDev && v.INNGEST_BASE_URL && !v.INNGEST_EVENT_KEY) {
      ctx.addIssue({
        code: "custom",
        path: ["INNGEST_EVENT_KEY"],
        message: "is required with INNGEST_BASE_URL (the self-hosted server's event key)",
      });
    }
    const slack = [v.SLACK_CLIENT_ID, v.SLACK_CLIENT_SECRET, v.SLACK_SIGNING_SECRET];
    if (slack.some(Boolean) && !slack.every(Boolean)) {
      for (const key of ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_SIGNING_SECRET"] as const) {
        if (!v[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required with the other SLACK_* settings" });
      }
    }
    if (v.STRIPE_SECRET_KEY) {
      for (const key of ["STRIPE_WEBHOOK_SECRET", "STRIPE_PRICE_PRO", "STRIPE_PRICE_TEAM"] as const) {
        if (!v[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required with STRIPE_SECRET_KEY" });
      }
    }
    if (v.NODE_ENV !== "production") return;
    for (const key of ["AUTH_SECRET", "APP_ENCRYPTION_KEY"] as const) {
      if (!v[key]) ctx.addIssue({ code: "custom", path: [key], message: "is required in production" });
    }
    if (inngestDev) ctx.addIssue({ code: "custom", path: ["INNGEST_DEV"], message: "must not be set in production" });
    if (Boolean(v.AUTH_GITHUB_ID) !== Boolean(v.AUTH_GITHUB_SECRET)) {
      ctx.addIssue({ code: "custom", path: ["AUTH_GITHUB_SECRET"], message: "AUTH_GITHUB_ID and AUTH_GITHUB_SECRET go together" });
    }
  });

type RawEnv = z.infer<typeof schema>;

export type Env = RawEnv & {
  appUrl: string;
  isProduction: boolean;
  /** Mail is kept in the database and shown at /dev/mailbox instead of being sent. */
  devMailbox: boolean;
  githubAuth: boolean;
  /** Slack is configured: SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET are set. */
  slack: boolean;
  /** Stripe is configured (STRIPE_SECRET_KEY and its companions); otherwise billing runs in local mode. */
  stripe: boolean;
};

/** Variables whose values must never be printed. */
export const secretVariables = [
  "DATABASE_URL",
  "AUTH_SECRET",
  "APP_ENCRYPTION_KEY",
  "AUTH_GITHUB_SECRET",
  "SMTP_URL",
  "INNGEST_SIGNING_KEY",
  "INNGEST_EVENT_KEY",
  "OPENAI_API_KEY",
  "SLACK_CLIENT_SECRET",
  "SLACK_SIGNING_SECRET",
  "SLACK_STATE_SECRET",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
] as const;

export class EnvError extends Error {
  constructor(public readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join("\n")}\nSee the configuration table in README.md.`);
    this.name = "EnvError";
  }
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  // Treat empty strings as unset so `FOO=` in a .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`));
  }
  const v = result.data;
  const isProduction = v.NODE_ENV === "production";
  const devMailbox = v.DEV_MAILBOX ?? (!isProduction && !v.SMTP_URL);
  if (devMailbox && v.SMTP_URL) {
    throw new EnvError(["DEV_MAILBOX cannot be on while SMTP_URL is set: pick one way to deliver mail"]);
  }
  return {
    ...v,
    appUrl: (v.APP_URL ?? `http://localhost:${v.PORT}`).replace(/\/$/, ""),
    isProduction,
    devMailbox,
    githubAuth: Boolean(v.AUTH_GITHUB_ID && v.AUTH_GITHUB_SECRET),
    slack: Boolean(v.SLACK_CLIENT_ID && v.SLACK_CLIENT_SECRET && v.SLACK_SIGNING_SECRET),
    stripe: Boolean(v.STRIPE_SECRET_KEY),
  };
}

/** Logging settings alone, tolerant of an otherwise incomplete environment (e.g. during `next build`). */
export function getLogSettings(): { level: Env["LOG_LEVEL"]; pretty: boolean } {
  const parsed = z
    .object({ NODE_ENV: schema.shape.NODE_ENV, LOG_LEVEL: schema.shape.LOG_LEVEL, LOG_FORMAT: schema.shape.LOG_FORMAT })
    .safeParse({
      NODE_ENV: process.env.NODE_ENV || undefined,
      LOG_LEVEL: process.env.LOG_LEVEL || undefined,
      LOG_FORMAT: process.env.LOG_FORMAT || undefined,
    });
  const v = parsed.success ? parsed.data : { NODE_ENV: "production" as const, LOG_LEVEL: "info" as const, LOG_FORMAT: undefined };
  return { level: v.LOG_LEVEL, pretty: (v.LOG_FORMAT ?? (v.NODE_ENV === "production" ? "json" : "pretty")) === "pretty" };
}

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}

/** Used by the process entry to fill defaults it computed (embedded database, local secrets). */
export function setEnvDefaults(values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) {
    if (!process.env[key]) process.env[key] = value;
  }
  cached = undefined;
}

/** Replaces variables outright (benchmarks and tools that create their own database). */
export function overrideEnv(values: Record<string, string>): void {
  Object.assign(process.env, values);
  cached = undefined;
}
