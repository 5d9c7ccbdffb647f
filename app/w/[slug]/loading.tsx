import { Skeleton, SkeletonText } from "@/app/_components/ui";

export default function Loading() {
  return (
    <div aria-busy="true" aria-label="Loading">
      <Skeleton className="h-8 w-48" />
      <SkeletonText className="mt-3 max-w-md" lines={2} />
      <Skeleton className="mt-8 h-48 w-full" />
    </div>
  );
}
