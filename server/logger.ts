import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import { getLogSettings } from "./env";

/** Paths pino blanks out wherever they appear in a log object. Secrets never reach the log. */
const redact = [
  "password",
  "token",
  "secret",
  "key",
  "apiKey",
  "authorization",
  "cookie",
  "*.password",
  "*.token",
  "*.secret",
  "*.apiKey",
  "*.authorization",
  "*.cookie",
  "headers.authorization",
  "headers.cookie",
];

function build(): Logger {
  const { level, pretty } = getLogSettings();
  const options = { level, redact: { paths: redact, censor: "[redacted]" }, base: { service: "jace" } };
  const stream = pretty ? prettyStream() : undefined;
  return stream ? pino(options, stream) : pino(options);
}

function prettyStream() {
  // Loaded lazily so production bundles never pull pino-pretty in.
  try {
    const req = createRequire(import.meta.url);
    const name = "pino-pretty";
    const pretty = req(name) as (opts: object) => NodeJS.WritableStream;
    return pretty({ colorize: true, sync: true, ignore: "pid,hostname,service", translateTime: "HH:MM:ss.l" });
  } catch {
    return undefined;
  }
}

const globalForLogger = globalThis as unknown as { jaceLogger?: Logger };

export const logger: Logger = globalForLogger.jaceLogger ?? (globalForLogger.jaceLogger = build());

export type { Logger };
