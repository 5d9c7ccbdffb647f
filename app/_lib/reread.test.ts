import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { afterEach, describe, expect, it } from "vitest";
import { rereadQueries } from "./reread";

/** A server whose state changes while the page's first read of it is on the way. */
function setup() {
  const server = { version: 0 };
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const observer = new QueryObserver(queryClient, {
    queryKey: ["task", "get"],
    queryFn: async () => {
      const read = server.version; // the database read happens first ...
      await new Promise((r) => setTimeout(r, 30)); // ... the reply takes a while
      return read;
    },
  });
  const seen: (number | undefined)[] = [];
  const unsubscribe = observer.subscribe((r) => seen.push(r.data));
  return { server, queryClient, observer, seen, unsubscribe };
}

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe("rereadQueries", () => {
  it("reads again after a first load that started before the event", async () => {
    const { server, queryClient, observer, unsubscribe } = setup();
    cleanup = unsubscribe;
    await new Promise((r) => setTimeout(r, 5)); // the first load has read version 0
    server.version = 1; // the change, and its event
    await rereadQueries(queryClient, { queryKey: ["task"] });
    expect(observer.getCurrentResult().data).toBe(1);
  });

  it("restarts a refetch in flight when the query has data", async () => {
    const { server, queryClient, observer, unsubscribe } = setup();
    cleanup = unsubscribe;
    await expect.poll(() => observer.getCurrentResult().data).toBe(0);
    void observer.refetch();
    await new Promise((r) => setTimeout(r, 5));
    server.version = 2;
    await rereadQueries(queryClient, { queryKey: ["task"] });
    expect(observer.getCurrentResult().data).toBe(2);
  });

  it("keeps going when the first load fails", async () => {
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    let calls = 0;
    const observer = new QueryObserver(queryClient, {
      queryKey: ["x"],
      queryFn: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        if (calls === 1) throw new Error("network");
        return calls;
      },
    });
    cleanup = observer.subscribe(() => {});
    await rereadQueries(queryClient, { queryKey: ["x"] });
    expect(observer.getCurrentResult().data).toBe(2);
  });
});
