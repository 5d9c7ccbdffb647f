import { describe, expect, it } from "vitest";
import type { SlackConfig } from "./config";
import { allowedResponseUrl } from "./respond";

const config = { apiUrl: "http://127.0.0.1:4555/api/" } as SlackConfig;

describe("response_url", () => {
  it("is only called on Slack's hosts over https, or on the configured API's origin", () => {
    expect(allowedResponseUrl(config, "https://hooks.slack.com/commands/T1/123/abc")).toBe(true);
    expect(allowedResponseUrl(config, "http://127.0.0.1:4555/api/response/x")).toBe(true);
    expect(allowedResponseUrl(config, "http://hooks.slack.com/commands/T1/123/abc")).toBe(false);
    expect(allowedResponseUrl(config, "https://hooks.slack.com.evil.test/x")).toBe(false);
    expect(allowedResponseUrl(config, "http://169.254.169.254/latest/meta-data")).toBe(false);
    expect(allowedResponseUrl(config, "not a url")).toBe(false);
  });
});
