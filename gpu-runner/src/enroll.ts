import { generateKeyPairSync } from "node:crypto";
import { existsSync } from "node:fs";
import { z } from "zod";
import { configPath, writeRunnerFile, type RunnerFile } from "./config";
import { exitCodes, RunnerError } from "./errors";
import { ENROLL_PATH, enrollRequest, enrollResponse, type Capabilities } from "./protocol";
import { runnerVersion } from "./version";

export type EnrollOptions = {
  /** Normalized base URL of the app, e.g. https://jace.example.com */
  server: string;
  token: string;
  name: string;
  configDir: string;
  capabilities: Capabilities;
  /** Settings chosen at enroll time, kept in runner.json for `start`. */
  settings?: Partial<Pick<RunnerFile, "labels" | "modelsDir" | "workDir" | "threads" | "maxJobs" | "allowUnsandboxed" | "gpu">>;
  force?: boolean;
  timeoutMs?: number;
  fetch?: typeof fetch;
};

export type EnrollResult = { runnerId: string; name: string; workspace: { slug: string; name: string }; configPath: string };

const errorBody = z.object({ error: z.object({ code: z.string().optional(), message: z.string() }) });

/** Explains a failed fetch in the operator's terms (refused, unknown host, TLS, timeout). */
export function describeFetchError(server: string, error: unknown): string {
  const err = error as Error & { cause?: { code?: string; message?: string } };
  if (err.name === "TimeoutError" || err.name === "AbortError") return `${server} did not answer in time. Check the URL and your network.`;
  const cause = err.cause?.code ?? err.cause?.message ?? err.message;
  return `Could not reach ${server} (${cause}). Check the URL and that this machine can reach it.`;
}

/**
 * Enrolls this machine: a fresh Ed25519 key pair, whose public half (with the capabilities) goes
 * to the server in exchange for a runner id; the private half stays in runner.json (0600). The
 * one-time token is spent and never stored.
 */
export async function enroll(options: EnrollOptions): Promise<EnrollResult> {
  const { server, token, name, configDir, capabilities, settings = {}, force = false, timeoutMs = 30_000 } = options;
  const doFetch = options.fetch ?? fetch;
  const file = configPath(configDir);
  if (!force && existsSync(file)) {
    throw new RunnerError(
      `This machine is already enrolled (${file}). Pass --force to replace the enrollment; revoke the old runner in the dashboard.`,
    );
  }

  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const request = enrollRequest.safeParse({
    token,
    name,
    publicKey: publicKey.export({ type: "spki", format: "der" }).toString("base64"),
    capabilities,
  });
  if (!request.success) {
    // Name the fields only: the issue input could be the token itself.
    const fields = [...new Set(request.error.issues.map((i) => i.path.join(".")))].join(", ");
    throw new RunnerError(`Cannot enroll: invalid ${fields}. Check --token, --name and --labels.`, { exitCode: exitCodes.usage });
  }

  let response: Response;
  try {
    response = await doFetch(`${server}${ENROLL_PATH}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", "user-agent": `jace-runner/${runnerVersion}` },
      body: JSON.stringify(request.data),
      // A redirect would turn the POST into a GET (or replay the token elsewhere): report it instead.
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new RunnerError(describeFetchError(server, error), { cause: error });
  }

  const text = await response.text();
  if (response.status >= 300 && response.status < 400) {
    throw new RunnerError(
      `${server} redirected to ${response.headers.get("location") ?? "another address"}. Enroll with that address as --server.`,
    );
  }
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // handled below
  }
  if (!response.ok) {
    const body = errorBody.safeParse(json);
    if (body.success) throw new RunnerError(`Enrollment failed: ${body.data.error.message}`);
    const hint = response.status === 404 ? ` Is ${server} a Jace server?` : "";
    throw new RunnerError(`Enrollment failed: HTTP ${response.status} ${response.statusText}.${hint}`);
  }
  const answer = enrollResponse.safeParse(json);
  if (!answer.success)
    throw new RunnerError(`${server} answered the enrollment in an unexpected format. Is this jace-runner (${runnerVersion}) up to date?`);

  const written = writeRunnerFile(configDir, {
    version: 1,
    server,
    runnerId: answer.data.runnerId,
    name: request.data.name,
    workspace: answer.data.workspace,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    connectUrl: answer.data.connectUrl,
    enrolledAt: new Date().toISOString(),
    ...settings,
  });
  return { runnerId: answer.data.runnerId, name: request.data.name, workspace: answer.data.workspace, configPath: written };
}
