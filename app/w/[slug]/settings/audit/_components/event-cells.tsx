import type { RouterOutputs } from "@/app/_lib/trpc";

type AuditEvent = RouterOutputs["audit"]["list"]["items"][number];

/** The metadata key that names the target ("name" of a project or key, "email" of a member), if any. */
function labelKey(event: AuditEvent): "name" | "email" | null {
  if (typeof event.metadata.name === "string") return "name";
  if (typeof event.metadata.email === "string") return "email";
  return null;
}

const targetTypes: Record<string, string> = {
  project: "Project",
  member: "Member",
  invitation: "Invitation",
  api_key: "API key",
  workspace: "Workspace",
  budget: "Budget",
  provider_key: "AI provider key",
};

export function EventTarget({ event }: { event: AuditEvent }) {
  const key = labelKey(event);
  const type = targetTypes[event.targetType] ?? event.targetType;
  return (
    <div className="flex flex-col gap-0.5">
      <span className="text-[12px] text-ink-subtle">{type}</span>
      {key ? (
        <span className="break-words text-ink">{String(event.metadata[key])}</span>
      ) : event.targetType === "workspace" ? (
        <span className="text-ink">This workspace</span>
      ) : event.targetId ? (
        <span className="font-mono text-[12px] text-ink-muted" title={event.targetId}>
          {event.targetId.slice(0, 10)}…
        </span>
      ) : null}
    </div>
  );
}

function show(value: unknown): string {
  if (Array.isArray(value)) return value.map(show).join(", ");
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Metadata other than the target's name, as "key value" pairs; a from/to pair reads as "a → b". */
export function EventDetails({ event }: { event: AuditEvent }) {
  const skip = labelKey(event);
  const entries = Object.entries(event.metadata).filter(([k]) => k !== skip);
  const hasChange = "from" in event.metadata && "to" in event.metadata;
  const rest = hasChange ? entries.filter(([k]) => k !== "from" && k !== "to") : entries;
  if (!hasChange && rest.length === 0) return <span className="text-ink-subtle">—</span>;
  return (
    <ul className="flex flex-col gap-0.5">
      {hasChange ? (
        <li className="break-words">
          {show(event.metadata.from)} <span className="text-ink-subtle">→</span> {show(event.metadata.to)}
        </li>
      ) : null}
      {rest.map(([k, v]) => (
        <li key={k} className="break-words">
          <span className="text-ink-subtle">{k}</span>{" "}
          <span className={k.endsWith("Id") || k === "prefix" ? "font-mono text-[12px]" : undefined}>{show(v)}</span>
        </li>
      ))}
    </ul>
  );
}
