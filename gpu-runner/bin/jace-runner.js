#!/usr/bin/env node
// The runner ships as TypeScript and runs through tsx, so there is no build step to forget.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
const code = await main(process.argv.slice(2));
process.exitCode = code;
// Should a library keep a handle open after the command finished, do not hang a service stop.
setTimeout(() => process.exit(code), 3_000).unref();
