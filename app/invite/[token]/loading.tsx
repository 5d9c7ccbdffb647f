import { Card, Logo, Skeleton, SkeletonText } from "@/app/_components/ui";

export default function Loading() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-12" aria-busy="true" aria-label="Loading invitation">
      <div className="mb-8">
        <Logo />
      </div>
      <Card className="w-full max-w-md p-6 sm:p-8">
        <Skeleton className="h-3 w-20" />
        <Skeleton className="mt-3 h-6 w-3/4" />
        <SkeletonText className="mt-4" lines={2} />
        <Skeleton className="mt-8 h-11 w-full" />
      </Card>
    </main>
  );
}
