import { readFileSync } from "node:fs";

/** The package version, reported in capabilities and the user agent. */
export const runnerVersion: string = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;
