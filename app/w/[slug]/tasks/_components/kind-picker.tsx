"use client";
import { cx, IconCheckCircle, IconMessage, IconSparkles, type Icon } from "@/app/_components/ui";
import type { TaskKind } from "@/server/features/tasks/schemas";

const kinds: { kind: TaskKind; title: string; description: string; Icon: Icon }[] = [
  { kind: "ask", title: "Ask a question", description: "A model on your runners answers, in Markdown.", Icon: IconMessage },
  { kind: "test", title: "Test a repository", description: "Clone it and run its tests in a sandbox.", Icon: IconCheckCircle },
  { kind: "custom", title: "Custom work", description: "Describe the job; Jace plans it and waits for approval.", Icon: IconSparkles },
];

/** The three kinds of task as radio cards. */
export function KindPicker({ value, onChange }: { value: TaskKind; onChange: (kind: TaskKind) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-ink">What should Jace do?</legend>
      <div className="mt-2 grid gap-3 sm:grid-cols-3">
        {kinds.map(({ kind, title, description, Icon }) => {
          const selected = value === kind;
          return (
            <label
              key={kind}
              className={cx(
                "relative flex cursor-pointer flex-col gap-1 rounded-lg border bg-surface p-3.5 transition-colors has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-offset-2 has-[:focus-visible]:outline-accent-500",
                selected ? "border-accent-500 bg-accent-50/60 ring-1 ring-accent-500" : "border-line-strong hover:border-zinc-400",
              )}
            >
              <input
                type="radio"
                name="kind"
                value={kind}
                checked={selected}
                onChange={() => onChange(kind)}
                aria-label={title}
                aria-describedby={`kind-${kind}-description`}
                // The whole card is the control: the input covers it, invisibly, above the text.
                className="absolute inset-0 z-10 cursor-pointer appearance-none rounded-lg opacity-0"
              />
              <span className="flex items-center gap-2 text-sm font-medium text-ink">
                <Icon size={16} className={selected ? "text-accent-600" : "text-ink-subtle"} />
                {title}
              </span>
              <span id={`kind-${kind}-description`} className="text-[13px] leading-5 text-ink-muted">
                {description}
              </span>
            </label>
          );
        })}
      </div>
    </fieldset>
  );
}
