import { Card, Skeleton } from "@/app/_components/ui";

/** The page's shape while the month loads: four figures, the breakdown and the daily chart. */
export function UsageSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading usage" className="flex flex-col gap-6">
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        {[0, 1, 2, 3].map((i) => (
          <Card key={i} className="flex flex-col gap-2.5 p-5">
            <Skeleton className="h-3.5 w-28" />
            <Skeleton className="h-7 w-24" />
            <Skeleton className="h-3.5 w-36" />
          </Card>
        ))}
      </div>
      <Card>
        <div className="border-b border-line px-5 py-4">
          <Skeleton className="h-4 w-40" />
          <Skeleton className="mt-2 h-3.5 w-96 max-w-full" />
        </div>
        <div className="px-5 py-5">
          <Skeleton className="h-3 w-full rounded-full" />
          <div className="mt-5 grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
            {[0, 1, 2, 3].map((i) => (
              <div key={i} className="flex flex-col gap-2">
                <Skeleton className="h-3.5 w-24" />
                <Skeleton className="h-5 w-16" />
              </div>
            ))}
          </div>
        </div>
      </Card>
      <Card>
        <div className="border-b border-line px-5 py-4">
          <Skeleton className="h-4 w-28" />
        </div>
        <div className="flex h-64 items-end gap-2 px-5 py-5">
          {[40, 65, 30, 80, 55, 20, 70, 45, 60, 35, 75, 50].map((h, i) => (
            <div key={i} aria-hidden="true" className="flex-1 animate-pulse rounded-sm bg-zinc-200/70" style={{ height: `${h}%` }} />
          ))}
        </div>
      </Card>
    </div>
  );
}
