/**
 * One line per event on stderr, as JSON (for journald and log shippers) or as readable text.
 * Fields whose names suggest a secret are redacted, so a careless call cannot leak a token or key.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "json" | "pretty";
export type LogFields = Record<string, unknown>;

export type Logger = {
  debug: (event: string, fields?: LogFields) => void;
  info: (event: string, fields?: LogFields) => void;
  warn: (event: string, fields?: LogFields) => void;
  error: (event: string, fields?: LogFields) => void;
  child: (fields: LogFields) => Logger;
};

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const secretKey = /token|secret|password|private|signature|authorization|key$/i;

export function redact(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    out[key] = secretKey.test(key) ? "[redacted]" : value instanceof Error ? value.message : value;
  }
  return out;
}

function formatPretty(time: Date, level: LogLevel, event: string, fields: LogFields): string {
  const parts = Object.entries(fields).map(([key, value]) => {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    return `${key}=${typeof value === "string" && /[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
  });
  return [time.toISOString(), level.toUpperCase().padEnd(5), event, ...parts].join(" ");
}

export function createLogger(options: {
  format?: LogFormat;
  level?: LogLevel;
  write?: (line: string) => void;
  fields?: LogFields;
  now?: () => Date;
}): Logger {
  const { format = "pretty", level = "info", now = () => new Date() } = options;
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const base = options.fields ?? {};

  const emit = (lvl: LogLevel, event: string, fields?: LogFields) => {
    if (order[lvl] < order[level]) return;
    const all = redact({ ...base, ...fields });
    const time = now();
    write(
      format === "json" ? JSON.stringify({ time: time.toISOString(), level: lvl, event, ...all }) : formatPretty(time, lvl, event, all),
    );
  };

  return {
    debug: (event, fields) => emit("debug", event, fields),
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** For tests and library use: drops everything. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
