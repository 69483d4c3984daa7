/**
 * Absolute-form plain HTTP forwarding (`GET http://host/path` sent to the proxy, as
 * `HTTP_PROXY` clients do): proxy credentials, the domain allowlist and the checked
 * dialer, like CONNECT, then the request is relayed to the checked address with the
 * original `Host` header. Bodies stream both ways.
 *
 * @module
 */

import { type IncomingMessage, request as httpRequest, type ServerResponse } from "node:http";
import type { AuditRecord } from "../audit/session_log.ts";
import type { ConnectDeps } from "./connect.ts";
import { DialError } from "./dialer.ts";
import { domainAllowed, domainRefusal, PROXY_CHALLENGE, proxyAuthorized } from "./egress_policy.ts";
import { auditPathOf, connectionNamed, isHopByHop } from "./headers.ts";
import { type AbsoluteTarget, parseAbsoluteForm, TargetError } from "./request_target.ts";
import { DEFAULT_LIMITS } from "./limits.ts";

function plain(
  res: ServerResponse,
  status: number,
  body: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { "content-type": "text/plain", ...extra });
  res.end(body);
}

function filtered(headers: IncomingMessage["headers"]): Record<string, string | string[]> {
  const named = connectionNamed(headers["connection"]);
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined || isHopByHop(k, named)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Handles an absolute-form request.
 *
 * @param deps Token, allowlist, dialer, audit (shared with CONNECT).
 * @param req The incoming request (its `url` is absolute).
 * @param res The response.
 */
export async function handleForward(
  deps: ConnectDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const started = Date.now();
  let t: AbsoluteTarget;
  try {
    t = parseAbsoluteForm(req.url ?? "");
  } catch (err) {
    const detail = err instanceof TargetError ? err.message : "malformed request target";
    if (deps.pressure) deps.pressure.refuse("malformed", detail);
    else {
      deps.audit({
        time: new Date(started).toISOString(),
        kind: "forward",
        method: req.method ?? "GET",
        status: 400,
        bytesUp: 0,
        bytesDown: 0,
        durationMs: 0,
        decision: "bad-request",
        detail,
      });
    }
    plain(res, 400, "airlock: malformed request target\n", { connection: "close" });
    return;
  }
  const hostname = t.host.includes(":") ? `[${t.host}]` : t.host;
  const defaultPort = t.scheme === "http" ? 80 : 443;
  const authority = t.port === defaultPort ? hostname : `${hostname}:${t.port}`;
  const search = t.hasQuery ? `?${t.query}` : "";
  const record = (fields: Partial<AuditRecord> & { status: number; decision: string }) =>
    deps.audit({
      time: new Date(started).toISOString(),
      kind: "forward",
      host: authority,
      method: req.method ?? "GET",
      path: auditPathOf(t.path, new URLSearchParams(t.query)),
      bytesUp: 0,
      bytesDown: 0,
      durationMs: Date.now() - started,
      ...fields,
    });
  if (!proxyAuthorized(req.headers["proxy-authorization"], deps.proxyToken)) {
    record({ status: 407, decision: "proxy-auth-required" });
    plain(res, 407, "airlock: proxy authentication required\n", {
      "proxy-authenticate": PROXY_CHALLENGE,
    });
    return;
  }
  if (t.scheme !== "http") {
    record({ status: 400, decision: "bad-request", detail: "only http:// in absolute form" });
    plain(res, 400, "airlock: use CONNECT for https\n");
    return;
  }
  if (!domainAllowed(t.host, deps.allowDomains)) {
    record({ status: 403, decision: "denied-domain" });
    plain(res, 403, domainRefusal(t.host));
    return;
  }
  const port = t.port;
  let address: string;
  try {
    address = await deps.dialer.resolve(t.host, port);
  } catch (err) {
    const e = err instanceof DialError ? err : new DialError("unresolvable", t.host, err);
    const refused = e.kind === "denied-address";
    record({
      status: refused ? 403 : 502,
      decision: refused ? "denied-address" : "upstream-error",
      detail: e.reason,
    });
    plain(res, refused ? 403 : 502, `airlock: cannot forward to ${t.host}\n`);
    return;
  }
  const maxBody = deps.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes;
  const tooLarge = () => {
    const detail = `request body over ${maxBody} bytes`;
    if (deps.pressure) deps.pressure.refuse("body-too-large", detail);
    else record({ status: 413, decision: "body-too-large", detail });
    plain(res, 413, "airlock: request body too large\n", { connection: "close" });
  };
  if (Number(req.headers["content-length"] ?? 0) > maxBody) {
    tooLarge();
    req.resume();
    return;
  }
  let up = 0;
  let down = 0;
  let overLimit = false;
  const outgoing = httpRequest({
    host: address,
    port,
    method: req.method,
    path: t.path + search,
    headers: { ...filtered(req.headers), host: authority },
    setHost: false,
  });
  outgoing.on("response", (upstream) => {
    res.writeHead(upstream.statusCode ?? 502, filtered(upstream.headers));
    upstream.on("data", (c: Uint8Array) => down += c.length);
    upstream.pipe(res);
    upstream.on("end", () => {
      record({
        status: upstream.statusCode ?? 0,
        decision: "allowed",
        bytesUp: up,
        bytesDown: down,
      });
    });
    upstream.on("error", () => res.destroy());
  });
  outgoing.on("error", (err) => {
    if (overLimit) return;
    record({ status: 502, decision: "upstream-error", detail: (err as Error).name, bytesUp: up });
    if (!res.headersSent) plain(res, 502, "airlock: upstream failed\n");
    else res.destroy();
  });
  res.on("close", () => {
    if (!res.writableFinished) outgoing.destroy();
  });
  req.on("data", (c: Uint8Array) => {
    up += c.length;
    if (up > maxBody && !overLimit) {
      overLimit = true;
      req.unpipe(outgoing);
      outgoing.destroy();
      if (!res.headersSent) tooLarge();
      else res.destroy();
    }
  });
  req.pipe(outgoing);
}
