import { lstatSync, readlinkSync } from "node:fs";

/**
 * The bubblewrap sandbox for CI steps: a read-only view of the system, the checkout read-write at
 * /work, a per-job home, a fresh /tmp, no network unless the step asks for it, no inherited
 * environment, and every process gone when the step ends (own PID namespace, --die-with-parent).
 */

export const SANDBOX_WORKDIR = "/work";
export const SANDBOX_HOME = "/home/runner";
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Directories bound read-only when they are real directories, recreated as symlinks on merged-/usr systems. */
const SYSTEM_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];
/** Only the parts of /etc programs need: TLS roots, users, the dynamic linker, Debian's alternatives. */
const ETC_FILES = [
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/alternatives",
  "/etc/passwd",
  "/etc/group",
  "/etc/nsswitch.conf",
  "/etc/hosts",
  "/etc/localtime",
  "/etc/ld.so.cache",
  "/etc/ld.so.conf",
  "/etc/ld.so.conf.d",
];

export type StepEnv = Record<string, string>;

/** The only environment a step sees. Nothing from the runner's own environment leaks in. */
export function stepEnv(home: string): StepEnv {
  return { PATH, HOME: home, LANG: "C.UTF-8", CI: "true", TMPDIR: "/tmp" };
}

let systemBindsCache: string[] | null = null;

function systemBinds(): string[] {
  if (systemBindsCache) return systemBindsCache;
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    try {
      const info = lstatSync(dir);
      if (info.isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
      else if (info.isDirectory()) args.push("--ro-bind", dir, dir);
    } catch {
      // absent on this distribution
    }
  }
  for (const path of ETC_FILES) args.push("--ro-bind-try", path, path);
  systemBindsCache = args;
  return args;
}

function baseArgs(network: boolean, env: StepEnv): string[] {
  return [
    "--unshare-all",
    ...(network ? ["--share-net", "--ro-bind-try", "/etc/resolv.conf", "/etc/resolv.conf"] : []),
    "--die-with-parent",
    // A new session stops a step from pushing keystrokes into the runner's terminal (TIOCSTI).
    "--new-session",
    "--cap-drop",
    "ALL",
    "--hostname",
    "jace-sandbox",
    "--clearenv",
    ...Object.entries(env).flatMap(([key, value]) => ["--setenv", key, value]),
    ...systemBinds(),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
  ];
}

/** bwrap arguments up to (not including) the command. */
export function bwrapArgs(opts: { checkoutDir: string; homeDir: string; network: boolean }): string[] {
  return [
    ...baseArgs(opts.network, stepEnv(SANDBOX_HOME)),
    "--bind",
    opts.checkoutDir,
    SANDBOX_WORKDIR,
    "--bind",
    opts.homeDir,
    SANDBOX_HOME,
    "--chdir",
    SANDBOX_WORKDIR,
    "--",
  ];
}

export type Limits = { memoryBytes: number; cpuSeconds: number };

/**
 * `sh -c` script that applies the limits, runs the step (passed as $1) and reports the step's CPU
 * time on fd 3 via `times`. RLIMIT_DATA rather than RLIMIT_AS: Node and WebAssembly reserve far
 * more address space than they use and refuse to start under a realistic RLIMIT_AS.
 */
export function stepScript(limits: Limits): string {
  const kib = Math.max(1, Math.floor(limits.memoryBytes / 1024));
  return [
    // The soft CPU limit sends SIGXCPU (exit 152, recognisable); the hard one, 5 s later, SIGKILL.
    `ulimit -d ${kib} && ulimit -S -t ${limits.cpuSeconds} && ulimit -H -t ${limits.cpuSeconds + 5} || { echo "jace: could not apply resource limits" >&2; exit 125; }`,
    `sh -c "$1" 3>&-`,
    "s=$?",
    "times >&3",
    "exit $s",
  ].join("\n");
}

/** Child CPU seconds from the second line of `times` output ("0m1.23s 0m0.10s"). */
export function parseTimes(output: string): number {
  const line = output.trim().split("\n")[1];
  if (!line) return 0;
  let seconds = 0;
  for (const m of line.matchAll(/(\d+)m([\d.]+)s/g)) seconds += Number(m[1]) * 60 + Number(m[2]);
  return seconds;
}

/** bwrap arguments for the availability probe (see bwrap-probe.ts): the step sandbox minus the binds. */
export function probeArgs(): string[] {
  return baseArgs(false, stepEnv("/tmp"));
}
