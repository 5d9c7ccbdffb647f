import { Card, Skeleton } from "@/app/_components/ui";

/** The plan part of the page while the overview loads: the current plan, the limits, four plans. */
export function PlanSkeleton() {
  return (
    <div aria-busy="true" aria-label="Loading the plan" className="flex flex-col gap-6">
      <Card className="flex flex-col gap-2.5 px-5 py-5">
        <Skeleton className="h-3.5 w-24" />
        <div className="flex items-center gap-3">
          <Skeleton className="h-7 w-28" />
          <Skeleton className="h-5 w-20 rounded-full" />
        </div>
        <Skeleton className="h-3.5 w-64 max-w-full" />
      </Card>
      <Card>
        <div className="border-b border-line px-5 py-4">
          <Skeleton className="h-4 w-20" />
          <Skeleton className="mt-2 h-3.5 w-96 max-w-full" />
        </div>
        <div className="grid gap-x-8 gap-y-5 px-5 py-5 sm:grid-cols-2 lg:grid-cols-3">
          {[0, 1, 2, 3, 4, 5].map((i) => (
            <div key={i} className="flex flex-col gap-2">
              <Skeleton className="h-3.5 w-32" />
              <Skeleton className="h-2 w-full rounded-full" />
            </div>
          ))}
        </div>
      </Card>
      <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-4">
        {[0, 1, 2, 3].map((i) => (
          <Card key={i} className="flex flex-col gap-3 p-5">
            <Skeleton className="h-4 w-16" />
            <Skeleton className="h-7 w-24" />
            <Skeleton className="h-3.5 w-full" />
            <Skeleton className="mt-2 h-3.5 w-32" />
            <Skeleton className="h-3.5 w-28" />
            <Skeleton className="mt-3 h-9 w-full" />
          </Card>
        ))}
      </div>
    </div>
  );
}
