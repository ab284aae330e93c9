import { describe, expect, test } from "bun:test";
import { findUnstorableText } from "@/core/storable-text";

// What PostgreSQL cannot store (NUL, a lone surrogate), found anywhere in a parsed body and named
// by its dotted path, values and keys alike.

describe("findUnstorableText", () => {
  test("names the first offending value by its path: nested objects, array indexes, the root", () => {
    expect(findUnstorableText({ a: "fine", b: { c: ["ok", "x\u0000y"] } })).toEqual({ field: "b.c.1", message: expect.stringContaining("NUL") });
    expect(findUnstorableText(["\ud800"])).toEqual({ field: "0", message: expect.stringContaining("surrogate") });
    expect(findUnstorableText("\u0000")).toEqual({ field: "(root)", message: expect.stringContaining("NUL") });
    expect(findUnstorableText({ q: "\u0000" }, "query")).toEqual({ field: "query.q", message: expect.stringContaining("NUL") });
    expect(findUnstorableText("\u0000", "query")).toEqual({ field: "query", message: expect.stringContaining("NUL") });
  });

  test("an offending key is named with the culprit replaced, as the key's own path", () => {
    expect(findUnstorableText({ outer: { "k\u0000": 1 } })).toEqual({ field: "outer.k?", message: expect.stringMatching(/^key .*NUL/) });
  });

  test("well-formed text, numbers, null and empty containers pass, and the walk leaves no path behind", () => {
    expect(findUnstorableText({ a: [1, null, true, { b: "é😀" }], c: {}, d: [] })).toBeUndefined();
    expect(findUnstorableText({ a: ["x", "y"], b: "\u0000" })).toEqual({ field: "b", message: expect.stringContaining("NUL") });
  });
});
