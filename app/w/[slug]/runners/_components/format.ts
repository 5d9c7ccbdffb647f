const GB = 1024 ** 3;
const MB = 1024 ** 2;

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

/** "8.0 GB", "450 MB": one decimal in GB, whole MB below 1 GB (binary units, as nvidia-smi and the OS report them). */
export function formatBytes(bytes: number): string {
  if (bytes >= GB) return `${(bytes / GB).toFixed(1)} GB`;
  if (bytes >= MB) return `${Math.round(bytes / MB)} MB`;
  return `${Math.max(0, Math.round(bytes / 1024))} KB`;
}

/** "3.1 / 8.0 GB": both sides in GB so the two numbers compare at a glance. */
export function formatUsedOfTotal(usedBytes: number, totalBytes: number): string {
  return `${(usedBytes / GB).toFixed(1)} / ${(totalBytes / GB).toFixed(1)} GB`;
}

/** Whole gigabytes for machine memory: "32 GB"; one decimal only below 10 GB ("7.6 GB"). */
export function formatMemory(bytes: number): string {
  const gb = bytes / GB;
  return `${gb >= 10 ? Math.round(gb) : gb.toFixed(1)} GB`;
}

export function formatDateTime(d: Date): string {
  return dateTime.format(d);
}

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "5 minutes ago", "in 2 hours"; under a minute is "just now". */
export function formatRelative(d: Date, now: number): string {
  const seconds = (d.getTime() - now) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

/** "850 ms", "42 s", "3 min 12 s", "1 h 05 min". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

const backends: Record<string, string> = { cuda: "CUDA", vulkan: "Vulkan", metal: "Metal", cpu: "CPU only" };

export function formatBackend(backend: string): string {
  return backends[backend] ?? backend;
}

const systems: Record<string, string> = { linux: "Linux", darwin: "macOS", win32: "Windows" };

/** "Linux x64"; unknown platforms are shown as reported. */
export function formatPlatform(os: string, arch: string): string {
  return `${systems[os] ?? os} ${arch}`;
}

const time = new Intl.DateTimeFormat(undefined, { timeStyle: "short" });

export function formatTime(d: Date): string {
  return time.format(d);
}
