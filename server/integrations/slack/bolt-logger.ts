import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "@/server/logger";

/** Bolt and the Web API client log through pino, so Slack's messages carry our redaction. */
export function slackLogger(log: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const write =
    (fn: "debug" | "info" | "warn" | "error") =>
    (...msg: unknown[]) => {
      // Bolt logs each request at debug with whole objects: skip the stringifying when nobody reads it.
      if (!log.isLevelEnabled(fn)) return;
      log[fn](msg.map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m))).join(" "));
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}
