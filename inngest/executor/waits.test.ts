import { describe, expect, it } from "vitest";
import { equalityFilter } from "./waits";

const trigger = { id: "e1", name: "task/created", ts: 0, data: { taskId: "t1", n: 3, nested: { id: "x" }, obj: { a: 1 } } };

describe("equalityFilter (SQL pre-filter of a waitForEvent look-back)", () => {
  it("turns a `match` (event.data.x == async.data.x) into a path and the run event's value", () => {
    expect(equalityFilter("event.data.taskId == async.data.taskId", trigger)).toEqual({ path: ["data", "taskId"], value: "t1" });
    expect(equalityFilter("async.data.ref.id == event.data.nested.id", trigger)).toEqual({ path: ["data", "ref", "id"], value: "x" });
  });

  it("takes string, number and boolean literals", () => {
    expect(equalityFilter('async.data.jobId == "task-1-execute"', trigger)).toEqual({ path: ["data", "jobId"], value: "task-1-execute" });
    expect(equalityFilter("async.data.n == -2.5", trigger)).toEqual({ path: ["data", "n"], value: -2.5 });
    expect(equalityFilter("true == async.data.ok", trigger)).toEqual({ path: ["data", "ok"], value: true });
  });

  it("leaves anything else to CEL alone", () => {
    for (const expression of [
      "async.data.n > 1",
      'async.data.a == "x" && async.data.b == "y"',
      'async.data.a == "x" || async.data.b == "y"',
      'async.data.s == "with \\"escape\\""',
      "event.data.obj == async.data.obj",
      "event.data.missing == async.data.taskId",
      "async.data.a == async.data.b",
    ]) {
      expect(equalityFilter(expression, trigger), expression).toBeUndefined();
    }
  });
});
