// When automatic updates run: daily at updates.schedule (local time), within the hour after it, once a day.
import { describe, expect, it } from "vitest";
import { isDue, nextRun } from "~/system/update/schedule";

const at = (h: number, m: number, day = 25) => new Date(2026, 10, day, h, m, 30);

describe("the automatic update schedule", () => {
  it("is due from the scheduled minute for an hour, once a day", () => {
    expect(isDue("04:00", at(3, 59), null)).toBe(false);
    expect(isDue("04:00", at(4, 0), null)).toBe(true);
    expect(isDue("04:00", at(4, 59), null)).toBe(true);
    expect(isDue("04:00", at(4, 0), "2026-11-25")).toBe(false);
    expect(isDue("04:00", at(4, 0, 26), "2026-11-25")).toBe(true);
  });

  it("does not catch up in the day when the node was off at its time", () => {
    expect(isDue("04:00", at(5, 0), null)).toBe(false);
    expect(isDue("04:00", at(12, 0), null)).toBe(false);
    expect(isDue("23:30", at(0, 10, 26), "2026-11-24")).toBe(false);
  });

  it("names the next run: later today, or tomorrow once the time has passed", () => {
    expect(nextRun("04:00", at(3, 0))).toEqual(new Date(2026, 10, 25, 4, 0, 0));
    expect(nextRun("04:00", at(4, 0))).toEqual(new Date(2026, 10, 26, 4, 0, 0));
    expect(nextRun("00:00", new Date(2026, 11, 31, 23, 0))).toEqual(new Date(2027, 0, 1, 0, 0, 0));
  });
});
