"use client";
import { useEffect, type RefObject } from "react";

/**
 * Text typed into a server-rendered input before React hydrated the page stays in the DOM but
 * never reaches state, so the next render clears it and a submit sends the empty state. Hands
 * such text to `adopt` once, after hydration.
 */
export function useTypedBeforeHydration(ref: RefObject<HTMLInputElement | null>, adopt: (value: string) => void): void {
  useEffect(() => {
    const typed = ref.current?.value;
    if (typed) adopt(typed);
    // Once, on mount: later input arrives through onChange.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
}
