"use client";
import { useEffect, useRef, useState } from "react";
import { Badge, Button, Card, CardHeader, cx, IconArrowRight, IconTerminal } from "@/app/_components/ui";
import type { LogLine } from "./use-task-events";

const levelText: Record<string, string> = {
  debug: "text-zinc-400",
  info: "text-zinc-100",
  warn: "text-amber-300",
  error: "text-red-400",
};

const time = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

/**
 * The task's log as it is written. Follows the newest line while the reader is at the bottom;
 * scrolling up stops following until "Jump to latest".
 */
export function LogsPanel({ lines, connected, live }: { lines: LogLine[]; connected: boolean; live: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);

  useEffect(() => {
    const el = box.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  }, [lines, follow]);

  return (
    <Card className="overflow-hidden">
      <CardHeader
        title="Logs"
        description="Every step's progress and the runner's output, as it happens."
        actions={
          live ? (
            <Badge tone={connected ? "success" : "neutral"} dot pulse={connected} data-testid="task-logs-live">
              {connected ? "Live" : "Connecting…"}
            </Badge>
          ) : null
        }
      />
      <div className="relative">
        <div
          ref={box}
          role="log"
          aria-label="Task logs"
          aria-live="off"
          data-testid="task-logs"
          onScroll={(e) => {
            const el = e.currentTarget;
            setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
          }}
          className="max-h-[28rem] min-h-40 overflow-y-auto bg-zinc-950 px-4 py-3 font-mono text-[12.5px] leading-5"
        >
          {lines.length === 0 ? (
            <p className="flex items-center gap-2 text-zinc-400">
              <IconTerminal size={14} /> {connected ? "No log lines yet." : "Loading logs…"}
            </p>
          ) : (
            lines.map((line) => (
              <div key={line.id} className="grid grid-cols-[auto_auto_1fr] gap-x-3" data-level={line.level}>
                <time dateTime={line.createdAt.toISOString()} className="text-zinc-500 tabular-nums select-none">
                  {time.format(line.createdAt)}
                </time>
                <span className={cx("w-16 truncate text-zinc-500 select-none", line.step && "text-accent-300")}>{line.step ?? ""}</span>
                <span className={cx("min-w-0 whitespace-pre-wrap wrap-anywhere", levelText[line.level] ?? "text-zinc-100")}>
                  {line.level === "warn" || line.level === "error" ? <span className="font-semibold uppercase">{line.level} </span> : null}
                  {line.message}
                </span>
              </div>
            ))
          )}
        </div>
        {!follow ? (
          <Button
            size="sm"
            variant="secondary"
            className="absolute right-4 bottom-3"
            trailingIcon={<IconArrowRight className="rotate-90" />}
            onClick={() => setFollow(true)}
          >
            Jump to latest
          </Button>
        ) : null}
      </div>
    </Card>
  );
}
