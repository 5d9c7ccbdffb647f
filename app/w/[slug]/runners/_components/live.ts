"use client";
import { useEffect, useState } from "react";

/** Presence comes from the runners' sockets; polling this often makes changes show without a reload. */
export const LIVE_INTERVAL_MS = 3_000;

/** The current time, refreshed every `intervalMs`, so "last seen 2 minutes ago" keeps counting between fetches. */
export function useNow(intervalMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(t);
  }, [intervalMs]);
  return now;
}
