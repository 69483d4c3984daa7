/**
 * A fake GitHub for interception tests: one TLS server (the test CA's leaf names
 * `github.com` and `api.github.com`) answering the REST API's `GET /user` and serving git
 * over smart HTTP through the real `git http-backend`, both only with the real token.
 *
 * @module
 */

import { createTestCa, type TestCa } from "../proxy/_support/test_ca.ts";
import { serveTls443 } from "../proxy/_support/port443_upstream.ts";

/** A request the fake GitHub saw. */
export interface GithubRequest {
  host: string;
  method: string;
  path: string;
  authorization: string | null;
}

/** The running fake. */
export interface FakeGithub {
  ca: TestCa;
  /** The relay address (port 443) to pin `github.com` and `api.github.com` to. */
  addr: string;
  /** A bare repository `o/r.git` with one commit on `main`. */
  repoDir: string;
  seen: GithubRequest[];
  close(): Promise<void>;
}

async function git(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("git", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/**
 * Starts the fake.
 *
 * @param token The real token it accepts (Bearer/token for the API, Basic password for git).
 * @returns The fake.
 */
export async function startFakeGithub(token: string): Promise<FakeGithub> {
  const ca = await createTestCa();
  const root = await Deno.makeTempDir({ prefix: "airlock-gh-" });
  const repoDir = `${root}/o/r.git`;
  await Deno.mkdir(`${root}/o`, { recursive: true });
  await git(["init", "-q", "--bare", "-b", "main", repoDir], root);
  const seed = `${root}/seed`;
  await git(["init", "-q", "-b", "main", seed], root);
  await Deno.writeTextFile(`${seed}/README`, "private\n");
  await git(["add", "README"], seed);
  await git(["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "first"], seed);
  await git(["push", "-q", repoDir, "main"], seed);
  await git(["config", "http.receivepack", "true"], repoDir);
  const seen: GithubRequest[] = [];
  const fake = serveTls443(ca, async (req) => {
    const url = new URL(req.url);
    const host = url.hostname;
    const authorization = req.headers.get("authorization");
    seen.push({ host, method: req.method, path: url.pathname + url.search, authorization });
    if (host === "api.github.com") {
      if (authorization !== `Bearer ${token}` && authorization !== `token ${token}`) {
        return Response.json({ message: "Bad credentials" }, { status: 401 });
      }
      if (url.pathname === "/user") return Response.json({ login: "octo", id: 1 });
      return Response.json({ message: "Not Found" }, { status: 404 });
    }
    const basic = authorization?.startsWith("Basic ")
      ? atob(authorization.slice(6)).split(":").slice(1).join(":")
      : null;
    if (basic !== token) {
      return new Response("auth required\n", {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="GitHub"' },
      });
    }
    const cgi = new Deno.Command("git", {
      args: ["http-backend"],
      env: {
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: "1",
        REQUEST_METHOD: req.method,
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers.get("content-type") ?? "",
        HTTP_CONTENT_ENCODING: req.headers.get("content-encoding") ?? "",
        REMOTE_USER: "octo",
        REMOTE_ADDR: "127.0.0.1",
        GIT_HTTP_MAX_REQUEST_BUFFER: "100M",
      },
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const body = new Uint8Array(await req.arrayBuffer());
    const w = cgi.stdin.getWriter();
    await w.write(body);
    await w.close();
    const out = await cgi.output();
    const bytes = out.stdout;
    let split = -1;
    for (let i = 0; i + 3 < bytes.length; i++) {
      if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
        split = i;
        break;
      }
    }
    const head = new TextDecoder().decode(bytes.subarray(0, split));
    const headers = new Headers();
    let status = 200;
    for (const line of head.split("\r\n")) {
      const at = line.indexOf(":");
      if (at < 0) continue;
      const k = line.slice(0, at).trim();
      const v = line.slice(at + 1).trim();
      if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]);
      else headers.append(k, v);
    }
    return new Response(bytes.slice(split + 4), { status, headers });
  });
  return {
    ca,
    addr: fake.addr,
    repoDir,
    seen,
    async close() {
      await fake.close();
      await Deno.remove(root, { recursive: true }).catch(() => {});
    },
  };
}
