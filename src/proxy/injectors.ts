/**
 * Credential injectors: where a route reads the phantom token and how it puts the real
 * credential in its place. Small units behind one interface ({@linkcode Injector}), looked
 * up by provider name ({@linkcode injectorFor}) or built from a profile's custom route.
 *
 * @module
 */

import type { RouteSlot } from "../policy/types.ts";

/** A place a token is read from or a credential is written to (a profile's route slot). */
export type Slot = RouteSlot;

/** Reads the phantom token, removes it, injects the real credential. */
export interface Injector {
  /**
   * Reads the phantom token.
   * @returns The token, or null when the request carries none.
   */
  readToken(headers: Headers, url: URL): string | null;
  /** Removes every place the route reads a token from. */
  strip(headers: Headers, url: URL): void;
  /** Writes the real credential. */
  inject(headers: Headers, url: URL, secret: string): void;
  /**
   * The `WWW-Authenticate` challenge of a 401 for a request without the token: clients
   * such as git (curl with any auth method) send credentials only after one.
   */
  challenge?: string;
}

function splitFormat(format: string | undefined): [string, string] {
  const f = format ?? "{}";
  const at = f.indexOf("{}");
  return at < 0 ? [f, ""] : [f.slice(0, at), f.slice(at + 2)];
}

function readSlot(slot: Slot, headers: Headers, url: URL): string | null {
  if ("query" in slot) return url.searchParams.get(slot.query);
  if ("basic" in slot) return decodeBasic(headers.get("authorization"))?.password ?? null;
  const value = headers.get(slot.header);
  if (value === null) return null;
  const [pre, post] = splitFormat(slot.format);
  if (value.length < pre.length + post.length) return null;
  if (value.slice(0, pre.length).toLowerCase() !== pre.toLowerCase()) return null;
  if (!value.endsWith(post)) return null;
  return value.slice(pre.length, value.length - post.length);
}

/**
 * Builds an injector from token slots (tried in order) and one injection slot.
 *
 * @param tokenSlots Where the phantom token may be.
 * @param injectSlot Where the real credential goes.
 * @returns The injector.
 * @example A `token {}` header
 * ```ts
 * import { slotInjector } from "./injectors.ts";
 * const inj = slotInjector([{ header: "authorization", format: "Bearer {}" }], {
 *   header: "authorization",
 *   format: "token {}",
 * });
 * const h = new Headers({ authorization: "Bearer T" });
 * const u = new URL("http://x/");
 * console.assert(inj.readToken(h, u) === "T");
 * inj.strip(h, u);
 * inj.inject(h, u, "REAL");
 * console.assert(h.get("authorization") === "token REAL");
 * ```
 */
export function slotInjector(tokenSlots: readonly Slot[], injectSlot: Slot): Injector {
  const basicToken = tokenSlots.some((slot) => "basic" in slot);
  return {
    ...(basicToken ? { challenge: 'Basic realm="airlock"' } : {}),
    readToken(headers, url) {
      for (const slot of tokenSlots) {
        const t = readSlot(slot, headers, url);
        if (t !== null) return t;
      }
      return null;
    },
    strip(headers, url) {
      for (const slot of tokenSlots) {
        if ("query" in slot) url.searchParams.delete(slot.query);
        else if ("basic" in slot) {
          // The user of a Basic header is kept for `inject`.
          const basic = decodeBasic(headers.get("authorization"));
          if (basic) basicUsers.set(headers, basic.user);
          headers.delete("authorization");
        } else headers.delete(slot.header);
      }
    },
    inject(headers, url, secret) {
      if ("query" in injectSlot) {
        url.searchParams.set(injectSlot.query, secret);
        return;
      }
      if ("basic" in injectSlot) {
        const user = injectSlot.user ?? basicUsers.get(headers) ?? "token";
        headers.set("authorization", encodeBasic(user, secret));
        basicUsers.delete(headers);
        return;
      }
      const [pre, post] = splitFormat(injectSlot.format);
      headers.set(injectSlot.header, pre + secret + post);
    },
  };
}

/** The user a Basic header carried, kept between `strip` and `inject` of one request. */
const basicUsers = new WeakMap<Headers, string>();

function decodeBasic(value: string | null): { user: string; password: string } | null {
  if (value === null || !/^basic /i.test(value)) return null;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(value.slice(6).trim()), (c) => c.charCodeAt(0)),
    );
  } catch {
    return null;
  }
  const colon = text.indexOf(":");
  return colon < 0 ? null : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

function encodeBasic(user: string, password: string): string {
  const bytes = new TextEncoder().encode(`${user}:${password}`);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * Git over HTTPS: the phantom token arrives as the password of `Authorization: Basic`
 * (git's credential helpers send it so); the password is swapped for the real credential
 * and the user kept.
 *
 * @returns The injector.
 * @example
 * ```ts
 * import { basicPasswordInjector } from "./injectors.ts";
 * const inj = basicPasswordInjector();
 * const h = new Headers({ authorization: `Basic ${btoa("x-access-token:T")}` });
 * const u = new URL("https://github.com/o/r.git/info/refs");
 * console.assert(inj.readToken(h, u) === "T");
 * inj.strip(h, u);
 * inj.inject(h, u, "REAL");
 * console.assert(h.get("authorization") === `Basic ${btoa("x-access-token:REAL")}`);
 * ```
 */
export function basicPasswordInjector(): Injector {
  return slotInjector([{ basic: "password" }], { basic: "password" });
}

const BUILTIN: Record<string, Injector> = {
  github: slotInjector([
    { header: "authorization", format: "Bearer {}" },
    { header: "authorization", format: "token {}" },
  ], { header: "authorization", format: "Bearer {}" }),
  "github-git": basicPasswordInjector(),
  openai: slotInjector([{ header: "authorization", format: "Bearer {}" }], {
    header: "authorization",
    format: "Bearer {}",
  }),
  anthropic: slotInjector([
    { header: "x-api-key" },
    { header: "authorization", format: "Bearer {}" },
  ], { header: "x-api-key" }),
  gemini: slotInjector([
    { header: "x-goog-api-key" },
    { query: "key" },
    { header: "authorization", format: "Bearer {}" },
  ], { header: "x-goog-api-key" }),
};

/**
 * Looks up a built-in provider's injector.
 *
 * @param provider `openai`, `anthropic` or `gemini`.
 * @returns The injector, or undefined for an unknown provider.
 * @example
 * ```ts
 * import { injectorFor } from "./injectors.ts";
 * const h = new Headers({ "x-api-key": "T" });
 * console.assert(injectorFor("anthropic")?.readToken(h, new URL("http://x/")) === "T");
 * ```
 */
export function injectorFor(provider: string): Injector | undefined {
  return Object.hasOwn(BUILTIN, provider) ? BUILTIN[provider] : undefined;
}
