/**
 * The official SDKs (openai, @anthropic-ai/sdk, @google/genai), run by node as child
 * processes with only the proxy's variables, against the fake TLS upstream through the
 * session proxy. Streams run in lock-step: the upstream sends each chunk only after the
 * client has printed the previous one, so a buffering proxy would stall the test.
 */

import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { type ClientRun, collectClientEvents } from "./_support/client_events.ts";
import { type Harness, startHarness } from "../proxy/_support/harness.ts";

const CLIENTS = new URL(".", import.meta.url).pathname;

async function runClient(
  h: Harness,
  script: string,
  args: string[] = [],
): Promise<ClientRun> {
  const child = new Deno.Command("node", {
    args: [`${CLIENTS}${script}`, ...args],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: "/tmp",
      ...h.proxy.env,
    },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  return await collectClientEvents(child, (ev) => {
    if (ev.event === "chunk") h.up.release();
  });
}

function assertNoSecret(h: Harness, run: ClientRun): void {
  for (const secret of Object.values(h.secrets)) {
    assert(!run.raw.includes(secret), "a real credential reached the client");
  }
}

function texts(run: ClientRun, event: string): string[] {
  return run.events.filter((e) => e.event === event).map((e) => String(e.text));
}

let harness: Harness | undefined;
async function session(): Promise<Harness> {
  harness ??= await startHarness({ lockstep: true, chunks: 5 });
  return harness;
}

const CASES: [
  string,
  string,
  string[],
  "text" | "chunk",
  string,
  keyof Harness["secrets"],
][] = [
  [
    "openai completion",
    "openai_chat.mjs",
    [],
    "text",
    "authorization",
    "openai",
  ],
  [
    "openai streamed completion",
    "openai_chat.mjs",
    ["--stream"],
    "chunk",
    "authorization",
    "openai",
  ],
  [
    "anthropic message",
    "anthropic_message.mjs",
    [],
    "text",
    "x-api-key",
    "anthropic",
  ],
  [
    "anthropic streamed message",
    "anthropic_message.mjs",
    ["--stream"],
    "chunk",
    "x-api-key",
    "anthropic",
  ],
  [
    "genai generateContent (key in header)",
    "gemini_generate.mjs",
    [],
    "text",
    "x-goog-api-key",
    "gemini",
  ],
  [
    "genai streamed generateContent",
    "gemini_generate.mjs",
    ["--stream"],
    "chunk",
    "x-goog-api-key",
    "gemini",
  ],
  [
    "generateContent with ?key=",
    "gemini_generate.mjs",
    ["--query-key"],
    "text",
    "x-goog-api-key",
    "gemini",
  ],
];

for (const [name, script, args, kind, header, route] of CASES) {
  Deno.test({
    name: `SDK ${name} goes through the proxy with only the phantom token`,
    sanitizeResources: false,
    sanitizeOps: false,
    async fn() {
      const h = await session();
      const before = h.up.seen.length;
      const run = await runClient(h, script, args);
      assertEquals(run.code, 0, run.raw.slice(-2000));
      const env = run.events.find((e) => e.event === "env")?.env as Record<
        string,
        string
      >;
      const tokenVar = {
        openai: "OPENAI_API_KEY",
        anthropic: "ANTHROPIC_API_KEY",
        gemini: "GEMINI_API_KEY",
      }[
        route
      ];
      assertEquals(env[tokenVar], h.proxy.env[tokenVar]);
      assertNoSecret(h, run);
      if (kind === "chunk") {
        assertEquals(
          texts(run, "chunk"),
          Array.from({ length: h.up.chunks }, (_, i) => `tok${i} `),
        );
      } else {
        assert(texts(run, "text")[0]?.startsWith("hello from fake"));
      }
      const seen = h.up.seen.slice(before);
      assertEquals(seen.length, 1);
      const value = seen[0]!.headers[header] ?? "";
      assert(
        value.endsWith(h.secrets[route]),
        `upstream did not get the real ${route} key`,
      );
      assert(
        !seen[0]!.path.includes("key="),
        "the phantom token stayed in the query",
      );
      assert(
        !JSON.stringify(seen[0]!.headers).includes(h.proxy.env[tokenVar]!),
      );
    },
  });
}

Deno.test({
  name: "SDK sessions close cleanly",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await harness?.close();
  },
});
