import { describe, expect, it } from "vitest";
import { parseDuration } from "../../src/domain/duration";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe("parseDuration", () => {
  it.each([
    ["30 minutes", 30 * MINUTE],
    ["1 minute", MINUTE],
    ["1 hour", HOUR],
    ["15 days", 15 * DAY],
    ["1 day", DAY],
    ["90 seconds", 90 * SECOND],
    ["2 weeks", 14 * DAY],
    ["500 ms", 500],
    ["1 millisecond", 1],
    ["0 seconds", 0],
  ])("reads %j as %i ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("adds up combined parts, with or without separators", () => {
    expect(parseDuration("1 hour 30 minutes")).toBe(90 * MINUTE);
    expect(parseDuration("1 hour and 30 minutes")).toBe(90 * MINUTE);
    expect(parseDuration("1 day, 2 hours")).toBe(DAY + 2 * HOUR);
    expect(parseDuration("1h30m")).toBe(90 * MINUTE);
  });

  it("accepts singular and plural, short units, any case and surrounding space", () => {
    expect(parseDuration("1 minutes")).toBe(MINUTE);
    expect(parseDuration("2 minute")).toBe(2 * MINUTE);
    expect(parseDuration("  10 MIN ")).toBe(10 * MINUTE);
    expect(parseDuration("3 hrs")).toBe(3 * HOUR);
    expect(parseDuration("45s")).toBe(45 * SECOND);
  });

  it("rounds fractional amounts to whole milliseconds", () => {
    expect(parseDuration("1.5 hours")).toBe(90 * MINUTE);
    expect(parseDuration("0.5 ms")).toBe(1);
  });

  it("rejects an empty text", () => {
    expect(() => parseDuration("")).toThrow(/empty/);
    expect(() => parseDuration("   ")).toThrow(/empty/);
  });

  it("rejects negative durations", () => {
    expect(() => parseDuration("-5 minutes")).toThrow(/negative/);
    expect(() => parseDuration("1 hour -5 minutes")).toThrow(/negative/);
  });

  it("rejects unknown units, naming the unit", () => {
    expect(() => parseDuration("3 months")).toThrow(/unknown unit "months"/);
    expect(() => parseDuration("1 year")).toThrow(/unknown unit "year"/);
    expect(() => parseDuration("5 parsecs")).toThrow(/unknown unit/);
  });

  it("rejects a number without a unit and text that is not a duration", () => {
    expect(() => parseDuration("30")).toThrow(/no unit/);
    expect(() => parseDuration("soon")).toThrow(/cannot read/);
    expect(() => parseDuration("1 hour later")).toThrow(/cannot read "later"/);
  });

  it("quotes the bad input in the message", () => {
    expect(() => parseDuration("forever")).toThrow('invalid duration "forever"');
  });
});
