import { parseArgs } from "node:util";
import { startSlackFake } from "./slack";

/**
 * The Slack fake as its own process (for browser tests):
 *   tsx test/fakes/slack-server.ts --team T123:Acme
 * `--team` is the Slack team the consent page installs into. Prints
 * `slack-fake listening on http://127.0.0.1:<port>/api/` once ready; SIGTERM/SIGINT close it and exit 0.
 */
const { values } = parseArgs({ options: { team: { type: "string", default: "TE2E:E2E Team" } } });
const [teamId, ...name] = values.team.split(":");

const fake = await startSlackFake();
fake.setConsentTeam(teamId!, name.join(":") || teamId!);
process.stdout.write(`slack-fake listening on ${fake.apiUrl}\n`);

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
