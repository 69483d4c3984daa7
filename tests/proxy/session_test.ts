import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { AirlockError, exitCodeFor, ProxyError } from "../../src/errors.ts";
import { startSessionProxy } from "../../src/proxy/session.ts";
import { testPolicy } from "./_support/harness.ts";

const enc = new TextEncoder();

async function withState<T>(fn: (env: Record<string, string>) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-state-" });
  try {
    return await fn({ XDG_STATE_HOME: dir });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const source = (route: string) => Promise.resolve(enc.encode(`real-${route}`));

Deno.test("startSessionProxy() rejects an unknown route and lists the known ones", async () => {
  await rejects(
    startSessionProxy(testPolicy({ credentials: { opneai: "env:X" } }), {
      credentialSource: source,
    }),
    (err: Error) => {
      assert(err instanceof ProxyError);
      assert(err.message.includes('unknown route "opneai"'));
      assert(
        err.message.includes("known routes are anthropic, gemini, github, openai"),
        err.message,
      );
      return true;
    },
  );
});

const BAD_NETWORK: [string, Partial<ReturnType<typeof testPolicy>["network"]>, string][] = [
  ["a --resolve without an address", { resolve: ["api.openai.com:443"] }, "HOST:PORT:ADDR"],
  ["a --resolve with a bad port", { resolve: ["h:99999:127.0.0.1"] }, "port must be"],
  ["a --resolve with a name as address", { resolve: ["h:443:localhost"] }, "not an IP address"],
  ["an unreadable CA file", { upstreamCaFiles: ["/nonexistent/ca.pem"] }, "--upstream-ca"],
  ["a bad allowed range", { allowRanges: ["10.0.0.0/40"] }, "allowRanges"],
];

for (const [what, network, text] of BAD_NETWORK) {
  Deno.test(`startSessionProxy() fails clearly on ${what}`, async () => {
    await rejects(
      startSessionProxy(testPolicy({ credentials: { openai: "env:X" }, network }), {
        credentialSource: source,
      }),
      (err: Error) => {
        assert(err instanceof ProxyError, String(err));
        assert(err.message.includes(text), err.message);
        assert(!err.message.includes("\n"));
        return true;
      },
    );
  });
}

Deno.test("startSessionProxy() fails before serving when a credential is missing", async () => {
  Deno.env.delete("AIRLOCK_TEST_MISSING");
  await rejects(
    startSessionProxy(testPolicy({ credentials: { openai: "env:AIRLOCK_TEST_MISSING" } })),
    (err: Error) =>
      err instanceof AirlockError && exitCodeFor(err) === 125 &&
      err.message.includes("env:AIRLOCK_TEST_MISSING"),
  );
});

Deno.test("startSessionProxy() gives clients base URLs, shaped tokens and proxy variables", async () => {
  await withState(async (stateEnv) => {
    const proxy = await startSessionProxy(
      testPolicy({ credentials: { openai: "x", anthropic: "x", gemini: "x" } }),
      { credentialSource: source, stateEnv, sessionId: "test-session" },
    );
    try {
      const base = `http://127.0.0.1:${proxy.port}`;
      assertEquals(proxy.env.OPENAI_BASE_URL, `${base}/openai/v1`);
      assertEquals(proxy.env.ANTHROPIC_BASE_URL, `${base}/anthropic`);
      assertEquals(proxy.env.GOOGLE_GEMINI_BASE_URL, `${base}/gemini`);
      assert(/^sk-proj-[A-Za-z0-9_-]{43}$/.test(proxy.env.OPENAI_API_KEY!));
      assert(/^sk-ant-api03-[A-Za-z0-9_-]{43}$/.test(proxy.env.ANTHROPIC_API_KEY!));
      assert(/^AIza[A-Za-z0-9_-]{43}$/.test(proxy.env.GEMINI_API_KEY!));
      assert(!("GOOGLE_API_KEY" in proxy.env));
      for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"]) {
        assert(proxy.env[k]!.startsWith("http://airlock:"), k);
        assert(proxy.env[k]!.endsWith(`@127.0.0.1:${proxy.port}`), k);
      }
      assertEquals(proxy.env.NO_PROXY, "localhost,127.0.0.1");
      assertEquals(proxy.sessionId, "test-session");
      assertEquals(
        proxy.auditPath,
        `${stateEnv.XDG_STATE_HOME}/airlock/sessions/test-session/audit.jsonl`,
      );
      assert(!JSON.stringify(proxy.env).includes("real-"), "a real credential is in the env");
      const info = JSON.parse(
        await Deno.readTextFile(
          `${stateEnv.XDG_STATE_HOME}/airlock/sessions/test-session/session.json`,
        ),
      );
      assertEquals(info.routes, ["openai", "anthropic", "gemini"]);
    } finally {
      await proxy.close();
    }
  });
});

Deno.test("startSessionProxy() mints different tokens for each session", async () => {
  await withState(async (stateEnv) => {
    const a = await startSessionProxy(testPolicy({ credentials: { openai: "x" } }), {
      credentialSource: source,
      stateEnv,
    });
    const b = await startSessionProxy(testPolicy({ credentials: { openai: "x" } }), {
      credentialSource: source,
      stateEnv,
    });
    try {
      assert(a.env.OPENAI_API_KEY !== b.env.OPENAI_API_KEY);
      assert(a.port !== b.port);
      // A's token is worthless at B.
      const res = await fetch(`${b.env.OPENAI_BASE_URL}/models`, {
        headers: { authorization: `Bearer ${a.env.OPENAI_API_KEY}` },
      });
      assertEquals(res.status, 401);
      await res.body?.cancel();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("startSessionProxy() leaves nothing listening after close()", async () => {
  await withState(async (stateEnv) => {
    const proxy = await startSessionProxy(testPolicy({ credentials: { openai: "x" } }), {
      credentialSource: source,
      stateEnv,
    });
    const port = proxy.port;
    await proxy.close();
    await rejects(Deno.connect({ hostname: "127.0.0.1", port }));
  });
});

Deno.test("startSessionProxy() reports a busy port as a ProxyError", async () => {
  await withState(async (stateEnv) => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      await rejects(
        startSessionProxy(testPolicy({ credentials: {} }), {
          stateEnv,
          port: (listener.addr as Deno.NetAddr).port,
        }),
        (err: Error) =>
          err instanceof ProxyError && err.message.startsWith("Cannot start the proxy"),
      );
    } finally {
      listener.close();
    }
  });
});

Deno.test("startSessionProxy() wipes credentials it already read when a later one fails", async () => {
  const read: Uint8Array[] = [];
  await rejects(
    startSessionProxy(testPolicy({ credentials: { openai: "a", anthropic: "b" } }), {
      credentialSource: (route) => {
        if (route === "anthropic") return Promise.reject(new Error("keystore locked"));
        const bytes = enc.encode("real-secret");
        read.push(bytes);
        return Promise.resolve(bytes);
      },
    }),
    (err: Error) => err instanceof ProxyError && err.message.includes('route "anthropic"'),
  );
  assertEquals(read.length, 1);
  assert(read[0]!.every((b) => b === 0));
});

Deno.test("startSessionProxy() refuses a session id that is not a single path component", async () => {
  await rejects(
    startSessionProxy(testPolicy({ credentials: {} }), { sessionId: "../escape" }),
    (err: Error) => err instanceof ProxyError && err.message.includes("session id"),
  );
});
