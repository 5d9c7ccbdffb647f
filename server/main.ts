import { resolve } from "node:path";
import { applyMigrations } from "@/prisma/tools/migrations";
import { getDb } from "./db";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres";
import { EnvError, getEnv, setEnvDefaults } from "./env";
import { startHttpServer, type AppServer } from "./http-server";
import { loadLocalSecrets } from "./local-defaults";
import { logger } from "./logger";
import { CONNECT_PATH } from "@jace/gpu-runner/protocol";
import { stopBus } from "./runners/bus";
import { RunnerGateway } from "./runners/gateway";
import { CHECKPOINT_PATH, EXECUTOR_PATH, inngestSettings, setEmbeddedExecutor } from "@/inngest/client";
import { createEmbeddedExecutor, type EmbeddedExecutor } from "@/inngest/executor";
import { executorRequestTimeoutMs } from "@/inngest/functions/tasks/pipeline";
import { startTaskJobRelay } from "./features/tasks/job-relay";
import { SLACK_PREFIX, startSlack, type SlackRuntime } from "./integrations/slack";

/**
 * The app process: local defaults, the database (embedded when DATABASE_URL is unset), pending
 * migrations, then Next.js and the WebSocket endpoints on one port. SIGINT/SIGTERM shut it all
 * down in reverse order.
 */
let database: EmbeddedDatabase | undefined;
let http: AppServer | undefined;
let gateway: RunnerGateway | undefined;
let executor: EmbeddedExecutor | undefined;
let stopRelay: (() => Promise<void>) | undefined;
let slack: SlackRuntime | undefined;
let stopping = false;

async function stopAll(): Promise<void> {
  await executor?.stop();
  await slack?.stop();
  await stopRelay?.();
  await gateway?.stop();
  await http?.close();
  await stopBus();
  if (getEnv().DATABASE_URL)
    await getDb()
      .$disconnect()
      .catch(() => {});
  await database?.stop();
}

async function shutdown(signal: string): Promise<void> {
  if (stopping) {
    logger.warn("second signal: exiting now");
    process.exit(1);
  }
  stopping = true;
  logger.info({ signal }, "shutting down");
  try {
    await stopAll();
  } catch (err) {
    logger.error({ err }, "error during shutdown");
    process.exit(1);
  }
  process.exit(0);
}

async function main(): Promise<void> {
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));

  const initial = getEnv();
  const secrets = loadLocalSecrets(initial.DATA_DIR);
  if (!initial.isProduction) {
    setEnvDefaults({ AUTH_SECRET: secrets.AUTH_SECRET, APP_ENCRYPTION_KEY: secrets.APP_ENCRYPTION_KEY });
  }

  if (!initial.DATABASE_URL) {
    database = await startEmbeddedPostgres({
      dataDir: resolve(initial.DATA_DIR, "postgres"),
      port: initial.EMBEDDED_PG_PORT,
      password: secrets.EMBEDDED_PG_PASSWORD,
      log: logger,
    });
    setEnvDefaults({ DATABASE_URL: database.url });
  }

  const env = getEnv();
  const { applied } = await applyMigrations(env.DATABASE_URL!, { log: (msg) => logger.info(msg) });
  if (applied.length > 0) logger.info({ applied }, "migrations applied");

  if (env.isProduction && env.devMailbox) logger.warn("DEV_MAILBOX is on in production: mail is kept at /dev/mailbox, not sent");

  gateway = new RunnerGateway(getDb(), logger);
  await gateway.start();
  const inngest = inngestSettings(env);
  const embedded =
    inngest.mode === "embedded"
      ? createEmbeddedExecutor({
          databaseUrl: env.DATABASE_URL!,
          serveUrl: inngest.serveUrl,
          signingKey: inngest.signingKey!,
          eventKey: inngest.eventKey,
          concurrency: env.INNGEST_EXECUTOR_CONCURRENCY,
          checkpointing: env.INNGEST_EXECUTOR_CHECKPOINTING,
          requestTimeoutMs: executorRequestTimeoutMs(),
          log: logger.child({ component: "inngest-executor" }),
        })
      : undefined;
  slack = startSlack(getDb(), logger);
  http = await startHttpServer({
    dir: resolve(import.meta.dirname, ".."),
    dev: !env.isProduction,
    host: env.HOST,
    port: env.PORT,
    upgrades: { [CONNECT_PATH]: gateway.handleUpgrade },
    prefixes: embedded
      ? { [EXECUTOR_PATH]: (req) => embedded.handleEventApi(req), [CHECKPOINT_PATH]: (req) => embedded.handleApi(req) }
      : {},
    nodePrefixes: slack.handler ? { [SLACK_PREFIX]: slack.handler } : {},
    log: logger,
  });
  stopRelay = startTaskJobRelay(getDb());
  if (embedded) {
    await embedded.start();
    executor = embedded;
    setEmbeddedExecutor(embedded);
  }
  logger.info(
    {
      url: env.appUrl,
      database: database ? "embedded" : "external",
      inngest: inngest.mode,
      mail: env.SMTP_URL ? "smtp" : env.devMailbox ? "dev mailbox" : "off",
      slack: env.slack ? "on" : "not configured",
    },
    `Jace is ready at ${env.appUrl}`,
  );
}

main().catch(async (err: unknown) => {
  if (err instanceof EnvError) {
    // Printed plainly: this is the message a newcomer needs to read.
    process.stderr.write(`${err.message}\n`);
  } else {
    logger.fatal({ err }, "Jace failed to start");
  }
  await stopAll().catch(() => {});
  process.exit(1);
});
