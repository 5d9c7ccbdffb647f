import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

const key = Buffer.alloc(32, 1).toString("base64");

describe("parseEnv", () => {
  it("works with nothing set in development: dev mailbox on, default URL", () => {
    const env = parseEnv({});
    expect(env.devMailbox).toBe(true);
    expect(env.appUrl).toBe("http://localhost:3000");
    expect(env.githubAuth).toBe(false);
  });

  it("requires the secrets in production and names them", () => {
    expect(() => parseEnv({ NODE_ENV: "production" })).toThrow(EnvError);
    try {
      parseEnv({ NODE_ENV: "production" });
    } catch (e) {
      expect((e as Error).message).toContain("AUTH_SECRET is required in production");
      expect((e as Error).message).toContain("APP_ENCRYPTION_KEY is required in production");
    }
  });

  it("turns the dev mailbox off in production unless asked", () => {
    const env = parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s".repeat(40), APP_ENCRYPTION_KEY: key });
    expect(env.devMailbox).toBe(false);
    expect(parseEnv({ NODE_ENV: "production", AUTH_SECRET: "s".repeat(40), APP_ENCRYPTION_KEY: key, DEV_MAILBOX: "1" }).devMailbox).toBe(
      true,
    );
  });

  it("uses SMTP instead of the mailbox when SMTP_URL is set", () => {
    expect(parseEnv({ SMTP_URL: "smtp://localhost:2525" }).devMailbox).toBe(false);
  });

  it("rejects bad values with the variable's name", () => {
    expect(() => parseEnv({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL must be a postgresql:\/\/ URL/);
    expect(() => parseEnv({ APP_ENCRYPTION_KEY: "short" })).toThrow(/APP_ENCRYPTION_KEY must be 32 bytes/);
    expect(() => parseEnv({ PORT: "http" })).toThrow(/PORT/);
    expect(() => parseEnv({ SMTP_URL: "smtp://x", DEV_MAILBOX: "true" })).toThrow(/DEV_MAILBOX/);
  });

  it("turns Slack on only with its three settings together", () => {
    const slack = { SLACK_CLIENT_ID: "1234.5678", SLACK_CLIENT_SECRET: "c".repeat(32), SLACK_SIGNING_SECRET: "s".repeat(32) };
    expect(parseEnv({}).slack).toBe(false);
    expect(parseEnv(slack).slack).toBe(true);
    expect(() => parseEnv({ SLACK_CLIENT_ID: slack.SLACK_CLIENT_ID })).toThrow(
      /SLACK_SIGNING_SECRET is required with the other SLACK_\* settings/,
    );
    expect(() => parseEnv({ ...slack, SLACK_CLIENT_ID: "abc" })).toThrow(/SLACK_CLIENT_ID must look like/);
  });

  it("treats empty values as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).PORT).toBe(3000);
  });
});
