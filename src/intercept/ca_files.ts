/**
 * The files that make the command trust the session CA: `ca.pem` (the session CA alone)
 * and `bundle.pem` (the system's roots plus the session CA, so every other host keeps
 * verifying), written owner-only and whole (temporary name, then rename) into a
 * directory the sandbox can read, and the variables that point clients at them.
 *
 * @module
 */

import { ProxyError } from "../errors.ts";

/** Where the CA files go: the directory airlock writes, and its path as the command sees it. */
export interface CaFilesPlace {
  /** The directory airlock writes (owner-only, created by the caller). */
  dir: string;
  /** The same directory as the command sees it (its path inside the sandbox). */
  view: string;
}

/** Where the system's roots usually are, first found wins (after `SSL_CERT_FILE`). */
const SYSTEM_BUNDLES = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Arch
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem", // macOS, BSDs
];

/** The variables pointed at `bundle.pem` (system roots plus the session CA). */
export const BUNDLE_VARIABLES = [
  "SSL_CERT_FILE",
  "CURL_CA_BUNDLE",
  "REQUESTS_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "CODEX_CA_CERTIFICATE",
  "DENO_CERT",
  "PIP_CERT",
  "NPM_CONFIG_CAFILE", // npm does not read NODE_EXTRA_CA_CERTS for its registry requests
] as const;

/**
 * Reads the system's root certificates: the file `SSL_CERT_FILE` names in airlock's own
 * environment, else the first usual bundle that exists.
 *
 * @param env airlock's environment.
 * @returns The PEM text, or "" when none is found (then only the session CA is trusted).
 */
export function systemRootsPem(env: Record<string, string | undefined>): string {
  const candidates = [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES].filter((p): p is string => !!p);
  for (const path of candidates) {
    try {
      return Deno.readTextFileSync(path);
    } catch {
      // try the next
    }
  }
  return "";
}

function writeWhole(path: string, text: string): void {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    Deno.writeTextFileSync(tmp, text, { createNew: true, mode: 0o600 });
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // never written
    }
    throw err;
  }
}

/**
 * Writes `ca.pem` and `bundle.pem` and returns the client variables.
 *
 * @param place Where (the directory must exist and be owner-only).
 * @param caPem The session CA certificate.
 * @param rootsPem The system's roots ({@linkcode systemRootsPem}).
 * @returns The variables: {@linkcode BUNDLE_VARIABLES} → `bundle.pem`,
 *   `NODE_EXTRA_CA_CERTS` → `ca.pem` (Node adds it to its own roots).
 * @throws {ProxyError} When a file cannot be written (exit 125, before the command starts).
 * @example
 * ```ts
 * import { writeCaFiles } from "./ca_files.ts";
 * const dir = Deno.makeTempDirSync();
 * const env = writeCaFiles({ dir, view: "/v" }, "CA\n", "ROOTS\n");
 * console.assert(env.SSL_CERT_FILE === "/v/bundle.pem");
 * console.assert(Deno.readTextFileSync(`${dir}/bundle.pem`) === "ROOTS\nCA\n");
 * ```
 */
export function writeCaFiles(
  place: CaFilesPlace,
  caPem: string,
  rootsPem: string,
): Record<string, string> {
  const roots = rootsPem === "" || rootsPem.endsWith("\n") ? rootsPem : `${rootsPem}\n`;
  try {
    writeWhole(`${place.dir}/ca.pem`, caPem);
    writeWhole(`${place.dir}/bundle.pem`, roots + caPem);
  } catch (err) {
    throw new ProxyError(
      `Cannot write the session CA files in ${place.dir}: ${(err as Error).name}`,
      { cause: err, hint: "check that airlock's state directory is writable" },
    );
  }
  const env: Record<string, string> = { NODE_EXTRA_CA_CERTS: `${place.view}/ca.pem` };
  for (const name of BUNDLE_VARIABLES) env[name] = `${place.view}/bundle.pem`;
  return env;
}
