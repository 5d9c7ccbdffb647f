import { describe, expect, it } from "vitest";
import { firstStop, stopFilter } from "./stop-text";

/** Streams `pieces` through a filter: what was shown, piece by piece, and whether it stopped. */
function stream(stops: string[], pieces: string[]) {
  const f = stopFilter(stops);
  const shown = pieces.map((p) => f.push(p));
  shown.push(f.end());
  return { text: shown.join(""), shown, stopped: f.stopped };
}

describe("stop strings on the app's side", () => {
  it("finds the earliest of several stop strings", () => {
    expect(firstStop("one two three", ["three", "two"])).toBe(4);
    expect(firstStop("one two three", ["four"])).toBe(-1);
  });

  it("ends a stream at a stop string split over pieces, showing none of it", () => {
    const r = stream(["\nUser:"], ["Hello", " there\nUs", "er: what", " next"]);
    expect(r).toMatchObject({ text: "Hello there", stopped: true });
    expect(r.shown).toEqual(["Hello", " there", "", "", ""]);
  });

  it("holds back only a tail that could begin a stop string, and releases it when none follows", () => {
    const r = stream(["END"], ["The E", "ND", "ING"]);
    expect(r).toMatchObject({ text: "The ", stopped: true });
    const free = stream(["END"], ["The E", "nd is ne", "ar E"]);
    expect(free).toMatchObject({ text: "The End is near E", stopped: false });
    expect(free.shown).toEqual(["The ", "End is ne", "ar ", "E"]);
  });

  it("passes everything through unchanged without a stop string in it", () => {
    expect(stream(["###"], ["a", "b", "c"])).toEqual({ text: "abc", shown: ["a", "b", "c", ""], stopped: false });
  });
});
