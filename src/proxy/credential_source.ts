/**
 * Where the proxy gets real credentials: a {@linkcode CredentialSource} function, so the
 * proxy depends on nothing but "route and reference in, bytes out". The default handles
 * `env:VAR` and `file:PATH` itself; other references (`keyring:`, `cmd:`) go through the
 * credential store module when it is present.
 *
 * @module
 */

import { AirlockError, ProxyError } from "../errors.ts";

/** Returns the real credential for a route, as bytes (never logged). */
export type CredentialSource = (route: string, reference: string) => Promise<Uint8Array>;

const encoder = new TextEncoder();

/**
 * The default credential source. Requires `--allow-env` / `--allow-read` for the
 * references it reads.
 *
 * @param route The route name (for messages).
 * @param reference `env:VAR`, `file:PATH`, or a reference the credential store resolves.
 * @returns The credential bytes (a trailing newline of a file is dropped).
 * @throws {ProxyError} When the credential is missing or empty (message names the
 *   reference, never a value).
 * @example
 * ```ts
 * import { defaultCredentialSource } from "./credential_source.ts";
 * Deno.env.set("AIRLOCK_DOC_KEY", "sk-real");
 * const bytes = await defaultCredentialSource("openai", "env:AIRLOCK_DOC_KEY");
 * console.assert(new TextDecoder().decode(bytes) === "sk-real");
 * ```
 */
export async function defaultCredentialSource(
  route: string,
  reference: string,
): Promise<Uint8Array> {
  const fail = (why: string, cause?: unknown) =>
    new ProxyError(`Cannot read the credential for route "${route}" from ${reference}: ${why}`, {
      hint: `check the reference given with --credential ${route}=REF`,
      ...(cause === undefined ? {} : { cause }),
    });
  let bytes: Uint8Array;
  if (reference.startsWith("env:")) {
    const value = Deno.env.get(reference.slice(4));
    if (value === undefined) throw fail("the variable is not set");
    bytes = encoder.encode(value);
  } else if (reference.startsWith("file:")) {
    try {
      bytes = await Deno.readFile(reference.slice(5));
    } catch (err) {
      throw fail((err as Error).name, err);
    }
    let end = bytes.length;
    while (end > 0 && (bytes[end - 1] === 10 || bytes[end - 1] === 13)) end--;
    bytes = bytes.subarray(0, end);
  } else {
    bytes = await viaCredentialStore(route, reference);
  }
  if (bytes.length === 0) throw fail("it is empty");
  return bytes;
}

interface StoreModule {
  parseCredentialRef(text: string): unknown;
  resolveCredential(ref: unknown): Promise<unknown>;
}

function toBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value.slice();
  if (value && typeof value === "object") {
    const v = value as { use?: unknown; wipe?: unknown };
    if (typeof v.use === "function") {
      // SecretBytes: copy the bytes out, then wipe the store's copy.
      const copy = (v.use as (fn: (b: Uint8Array) => Uint8Array) => Uint8Array)
        .call(value, (b) => b.slice());
      if (typeof v.wipe === "function") (v.wipe as () => void).call(value);
      return copy;
    }
    for (const key of ["bytes", "value", "buffer"]) {
      const v = (value as Record<string, unknown>)[key];
      if (v instanceof Uint8Array) return v.slice();
    }
    for (const key of ["expose", "reveal", "bytes"]) {
      const f = (value as Record<string, unknown>)[key];
      if (typeof f === "function") {
        const out = (f as () => unknown).call(value);
        if (out instanceof Uint8Array) return out.slice();
      }
    }
  }
  return null;
}

async function viaCredentialStore(route: string, reference: string): Promise<Uint8Array> {
  const specifier = "../credentials/mod.ts";
  let store: StoreModule;
  try {
    store = await import(specifier) as StoreModule;
  } catch (err) {
    throw new ProxyError(
      `Cannot read the credential for route "${route}" from ${reference}: the credential store is not available`,
      { cause: err },
    );
  }
  try {
    const bytes = toBytes(await store.resolveCredential(store.parseCredentialRef(reference)));
    if (!bytes) {
      throw new ProxyError(`Cannot read the credential for route "${route}": unknown secret type`);
    }
    return bytes;
  } catch (err) {
    if (err instanceof AirlockError) throw err;
    throw new ProxyError(`Cannot read the credential for route "${route}" from ${reference}`, {
      cause: err,
    });
  }
}
