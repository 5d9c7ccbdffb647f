import { parseArgs } from "node:util";
import { startStripeFake } from "./stripe";

/**
 * The Stripe fake as its own process (for browser tests):
 *   tsx test/fakes/stripe-server.ts --port 0 --webhook-url URL --webhook-secret S --prices '<json>' [--secret-key K]
 * Prints `stripe-fake listening on http://127.0.0.1:<port>` once ready; SIGTERM/SIGINT close it and exit 0.
 */
const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "webhook-url": { type: "string" },
    "webhook-secret": { type: "string" },
    prices: { type: "string", default: "{}" },
    "secret-key": { type: "string" },
  },
});
if (!values["webhook-secret"]) {
  process.stderr.write("stripe-fake: --webhook-secret is required\n");
  process.exit(2);
}

const fake = await startStripeFake({
  port: Number(values.port),
  webhookUrl: values["webhook-url"],
  webhookSecret: values["webhook-secret"],
  prices: JSON.parse(values.prices) as Parameters<typeof startStripeFake>[0]["prices"],
  secretKey: values["secret-key"],
});
process.stdout.write(`stripe-fake listening on ${fake.url}\n`);

const stop = () => {
  void fake.close().then(() => process.exit(0));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
