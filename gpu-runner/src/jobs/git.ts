import { execFile } from "node:child_process";
import { isAbsolute } from "node:path";

/**
 * Cloning the job's repository, outside the sandbox (git is the runner's trusted tool; nothing from
 * the repository executes during clone or checkout). A token goes to git only through GIT_CONFIG_*
 * environment variables as an http.extraHeader scoped to the repository's origin: never on the
 * command line (visible in ps), never in .git/config (visible to the steps), never in logs.
 */

export class GitError extends Error {}

export type CloneOptions = {
  url: string;
  ref?: string;
  token?: string;
  dest: string;
  signal: AbortSignal;
  /**
   * Local paths, file:// and plain http:// are refused unless allowed (tests): local paths would let
   * a job read other repositories on the machine, http would expose the token.
   */
  allowLocal: boolean;
  redact: (text: string) => string;
};

/** The base64 value git sends, which must be redacted as well as the raw token. */
export function basicAuthValue(token: string): string {
  return Buffer.from(`x-access-token:${token}`).toString("base64");
}

function checkUrl(url: string, allowLocal: boolean): { origin: string | null } {
  if (url.startsWith("-")) throw new GitError("invalid repository URL");
  if (isAbsolute(url) || url.startsWith("file://")) {
    if (!allowLocal) throw new GitError("local repositories are not allowed; use an https:// URL");
    return { origin: null };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GitError(`unsupported repository URL "${url}"; use an https:// URL`);
  }
  // Plain http would send the token in clear text; it is only accepted for loopback tests.
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && allowLocal)) {
    throw new GitError(`unsupported repository URL scheme "${parsed.protocol}"; use https://`);
  }
  if (parsed.username || parsed.password)
    throw new GitError("the repository URL must not contain credentials; pass the token as repository.token");
  return { origin: `${parsed.protocol}//${parsed.host}/` };
}

function gitEnv(origin: string | null, token: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "", SSH_ASKPASS: "", GCM_INTERACTIVE: "never" };
  const config: [string, string][] = [["credential.helper", ""]]; // no stored credentials from the runner's own config
  if (token && origin) config.push([`http.${origin}.extraheader`, `AUTHORIZATION: basic ${basicAuthValue(token)}`]);
  env.GIT_CONFIG_COUNT = String(config.length);
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

function git(
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv; signal: AbortSignal; redact: (text: string) => string },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd: opts.cwd, env: opts.env, signal: opts.signal, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (!error) return resolve(stdout);
      if (opts.signal.aborted) return reject(new GitError("cancelled"));
      const detail = opts.redact(stderr.trim().split("\n").slice(-5).join("\n") || error.message);
      reject(new GitError(`git ${args[0]} failed: ${detail}`));
    });
  });
}

/** Clones and checks out `ref` (branch, tag or commit; default branch when absent). Returns the commit checked out. */
export async function cloneRepository(opts: CloneOptions): Promise<string> {
  const { origin } = checkUrl(opts.url, opts.allowLocal);
  if (opts.ref !== undefined && (!opts.ref || opts.ref.startsWith("-") || /[\s\0]/.test(opts.ref)))
    throw new GitError(`invalid ref "${opts.ref}"`);
  const env = gitEnv(origin, opts.token);
  const run = (args: string[], cwd?: string) => git(args, { cwd, env, signal: opts.signal, redact: opts.redact });

  await run(["clone", "--quiet", "--no-checkout", "--", opts.url, opts.dest]);
  let commit = "HEAD";
  if (opts.ref) {
    const candidates = [`refs/remotes/origin/${opts.ref}`, `refs/tags/${opts.ref}`, opts.ref];
    let resolved: string | null = null;
    for (const candidate of candidates) {
      resolved = await run(["rev-parse", "--verify", "--quiet", `${candidate}^{commit}`], opts.dest).then(
        (out) => out.trim(),
        () => null,
      );
      if (resolved) break;
    }
    if (!resolved) {
      // Not a branch, tag or known commit: e.g. refs/pull/1/head. Fetch it explicitly.
      await run(["fetch", "--quiet", "origin", "--", opts.ref], opts.dest).catch(() => {
        throw new GitError(`ref "${opts.ref}" was not found in the repository`);
      });
      resolved = (await run(["rev-parse", "FETCH_HEAD^{commit}"], opts.dest)).trim();
    }
    commit = resolved;
  }
  await run(["checkout", "--quiet", "--detach", commit], opts.dest);
  return (await run(["rev-parse", "HEAD"], opts.dest)).trim();
}
