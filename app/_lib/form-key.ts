"use client";
import { useCallback, useState } from "react";

/** A random UUID; crypto.randomUUID exists only in secure contexts, getRandomValues everywhere. */
function newKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The idempotency key of one instance of a creating form: every submission of it sends the same
 * key, so a double click or a retry creates one row (the server returns the first response).
 * Call `renew` when the form starts over for a new thing (cleared after success, dialog reopened).
 */
export function useFormKey(): { idempotencyKey: string; renew: () => string } {
  const [idempotencyKey, setKey] = useState(newKey);
  /** Returns the new key too, for a submission made in the same event. */
  const renew = useCallback(() => {
    const key = newKey();
    setKey(key);
    return key;
  }, []);
  return { idempotencyKey, renew };
}
