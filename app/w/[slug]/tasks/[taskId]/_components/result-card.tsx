import { Card, CardBody, CardHeader } from "@/app/_components/ui";
import type { TaskDetail } from "../../_components/task-badges";
import { Markdown } from "./markdown";

type Tests = NonNullable<NonNullable<TaskDetail["result"]>["tests"]>;

/** What the task produced: the answer or report as Markdown, and the test summary for test runs. */
export function ResultCard({ result }: { result: NonNullable<TaskDetail["result"]> }) {
  return (
    <Card data-testid="task-result">
      <CardHeader title="Result" />
      <CardBody className="flex flex-col gap-5">
        {result.tests ? <TestSummary tests={result.tests} /> : null}
        <Markdown source={result.text} />
      </CardBody>
    </Card>
  );
}

const segments = [
  { key: "passed", label: "passed", bar: "bg-emerald-500", text: "text-emerald-700" },
  { key: "failed", label: "failed", bar: "bg-red-500", text: "text-red-700" },
  { key: "skipped", label: "skipped", bar: "bg-zinc-300", text: "text-ink-subtle" },
] as const;

export function TestSummary({ tests }: { tests: Tests }) {
  const total = Math.max(tests.total, tests.passed + tests.failed + tests.skipped, 1);
  return (
    <div data-testid="test-summary">
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1 text-sm">
        <span className="font-semibold text-ink tabular-nums">{tests.total} tests</span>
        {segments.map((s) => (
          <span key={s.key} className={`${s.text} tabular-nums`}>
            {tests[s.key]} {s.label}
          </span>
        ))}
      </div>
      <div
        className="mt-2 flex h-2.5 overflow-hidden rounded-full bg-zinc-100"
        role="img"
        aria-label={`${tests.passed} passed, ${tests.failed} failed, ${tests.skipped} skipped of ${tests.total}`}
      >
        {segments.map((s) =>
          tests[s.key] > 0 ? <div key={s.key} className={s.bar} style={{ width: `${(tests[s.key] / total) * 100}%` }} /> : null,
        )}
      </div>
      {tests.failures.length > 0 ? (
        <ul className="mt-3 flex flex-col gap-1.5 text-[13px]">
          {tests.failures.slice(0, 20).map((f, i) => (
            <li key={i} className="rounded-md bg-red-50 px-3 py-2 text-red-900">
              <span className="font-mono font-medium break-all">{f.name}</span>
              {f.message ? <p className="mt-0.5 font-mono text-xs break-words whitespace-pre-wrap text-red-800">{f.message}</p> : null}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
