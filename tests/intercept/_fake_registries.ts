/**
 * A fake private npm registry (`registry.corp.test`, Bearer token) and a fake private
 * Python index (`pypi.corp.test`, the token as the Basic password, as pip sends it) on one
 * TLS server reached at ADDR:443. Each answers only with its real token; every request is
 * recorded with the `Authorization` it carried.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { serveTls443 } from "../proxy/_support/port443_upstream.ts";
import { createTestCa, type TestCa } from "../proxy/_support/test_ca.ts";

/** One request the fake saw. */
export interface RegistryRequest {
  host: string;
  path: string;
  authorization: string | null;
}

/** The running fake. */
export interface FakeRegistries {
  ca: TestCa;
  /** The relay address (port 443) to pin both hosts to. */
  addr: string;
  seen: RegistryRequest[];
  close(): Promise<void>;
}

/** The wheel the index serves (`demo-1.0-py3-none-any.whl`), built by Python's zipfile. */
async function buildWheel(dir: string): Promise<Uint8Array<ArrayBuffer>> {
  const script = `
import sys, zipfile
files = {
  "demo/__init__.py": "VALUE = 1\\n",
  "demo-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n",
  "demo-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
with zipfile.ZipFile(sys.argv[1], "w") as z:
  for name, text in files.items(): z.writestr(name, text)
  z.writestr("demo-1.0.dist-info/RECORD", "".join(n + ",,\\n" for n in files) + "demo-1.0.dist-info/RECORD,,\\n")
`;
  const path = `${dir}/demo-1.0-py3-none-any.whl`;
  const out = await new Deno.Command("python3", { args: ["-c", script, path], stderr: "piped" })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return await Deno.readFile(path);
}

function basicPassword(authorization: string | null): string | null {
  if (!authorization?.startsWith("Basic ")) return null;
  const text = atob(authorization.slice(6));
  return text.slice(text.indexOf(":") + 1);
}

/**
 * Starts the fake registries.
 *
 * @param npmToken The real token of the npm registry (`Authorization: Bearer`).
 * @param pypiToken The real token of the Python index (Basic password).
 * @returns The fake.
 */
export async function startFakeRegistries(
  npmToken: string,
  pypiToken: string,
): Promise<FakeRegistries> {
  const ca = await createTestCa();
  const wheel = await buildWheel(ca.dir);
  const wheelSha = createHash("sha256").update(wheel).digest("hex");
  const seen: RegistryRequest[] = [];
  const fake = serveTls443(ca, (req) => {
    const url = new URL(req.url);
    const authorization = req.headers.get("authorization");
    seen.push({ host: url.hostname, path: url.pathname + url.search, authorization });
    if (url.hostname === "registry.corp.test") {
      if (authorization !== `Bearer ${npmToken}`) {
        return Response.json({ error: "unauthorized" }, { status: 401 });
      }
      if (url.pathname === "/demo") {
        return Response.json({
          name: "demo",
          "dist-tags": { latest: "1.2.3" },
          versions: { "1.2.3": { name: "demo", version: "1.2.3", dist: { tarball: "x" } } },
        });
      }
      if (url.pathname === "/api/whoami") return Response.json({ username: "octo" });
      return Response.json({ error: "not found" }, { status: 404 });
    }
    if (url.hostname === "pypi.corp.test") {
      if (basicPassword(authorization) !== pypiToken) {
        return new Response("unauthorized", {
          status: 401,
          headers: { "www-authenticate": 'Basic realm="pypi"' },
        });
      }
      if (url.pathname === "/simple/demo/") {
        const href = `/files/demo-1.0-py3-none-any.whl#sha256=${wheelSha}`;
        return new Response(
          `<!DOCTYPE html><html><body><a href="${href}">demo-1.0-py3-none-any.whl</a></body></html>`,
          { headers: { "content-type": "text/html" } },
        );
      }
      if (url.pathname === "/files/demo-1.0-py3-none-any.whl") {
        return new Response(wheel, { headers: { "content-type": "application/octet-stream" } });
      }
      return new Response("not found", { status: 404 });
    }
    return new Response("unknown host", { status: 421 });
  });
  return {
    ca,
    addr: fake.addr,
    seen,
    close: fake.close,
  };
}
