import { deepStrictEqual as assertEquals, rejects } from "node:assert/strict";
import { parseCidr } from "../../src/proxy/address_guard.ts";
import { createDialer, DialError } from "../../src/proxy/dialer.ts";
import { parsePins } from "../../src/proxy/pins.ts";

// Look-ups are stubbed: resolve() is checked without opening any connection.
const lookup = (answers: Record<string, string[]>) => (host: string) =>
  Promise.resolve(answers[host] ?? []);

Deno.test("Dialer.resolve() refuses a name resolving to the metadata address", async () => {
  const d = createDialer({
    pins: new Map(),
    allowRanges: [],
    lookup: lookup({ "meta.test": ["169.254.169.254"] }),
  });
  await rejects(d.resolve("meta.test", 80), (e: Error) => {
    return e instanceof DialError && e.kind === "denied-address" &&
      e.reason.includes("cloud-metadata");
  });
});

Deno.test("Dialer.resolve() picks the first public address and skips private ones", async () => {
  const d = createDialer({
    pins: new Map(),
    allowRanges: [],
    lookup: lookup({ "mixed.test": ["10.0.0.1", "93.184.216.34"] }),
  });
  assertEquals(await d.resolve("mixed.test", 443), "93.184.216.34");
});

Deno.test("Dialer.resolve() trusts pins and allowed ranges", async () => {
  const d = createDialer({
    pins: parsePins(["pinned.test:443:10.0.0.7"]),
    allowRanges: [parseCidr("192.168.0.0/16")],
    lookup: lookup({ "lan.test": ["192.168.1.5"] }),
  });
  assertEquals(await d.resolve("PINNED.test", 443), "10.0.0.7");
  assertEquals(await d.resolve("lan.test", 443), "192.168.1.5");
  // A pin is per port.
  await rejects(d.resolve("pinned.test", 8443), DialError);
});

Deno.test("Dialer.resolve() refuses IP literals on the deny list and reports unresolvable names", async () => {
  const d = createDialer({ pins: new Map(), allowRanges: [], lookup: lookup({}) });
  await rejects(
    d.resolve("127.0.0.1", 443),
    (e: Error) => (e as DialError).kind === "denied-address",
  );
  await rejects(d.resolve("[::1]", 443), (e: Error) => (e as DialError).kind === "denied-address");
  await rejects(
    d.resolve("nothing.test", 443),
    (e: Error) => (e as DialError).kind === "unresolvable",
  );
});

Deno.test("Dialer.resolve() gives up on a hanging look-up at its time limit", async () => {
  const d = createDialer({
    pins: new Map(),
    allowRanges: [],
    resolveTimeoutMs: 20,
    lookup: (_h, signal) =>
      new Promise((_ok, fail) => signal.addEventListener("abort", () => fail(signal.reason))),
  });
  await rejects(
    d.resolve("slow.test", 443),
    (e: Error) => (e as DialError).kind === "unresolvable",
  );
});
