/**
 * Seatbelt profile (SBPL) generation for macOS: turns a {@linkcode Policy} into the
 * profile text `sandbox_init` applies. Pure string building, testable on any OS.
 *
 * The profile denies by default. Reads (`file-read*`, and `process-exec` so a program
 * outside the read grants cannot run) and writes (`file-write*`) are allowed beneath each
 * granted path; every ancestor of a grant may have its metadata read (path resolution
 * needs it). Metadata writes — mode, owner, extended attributes, times, flags — are
 * denied explicitly before any grant, so only a write grant (a later, more specific rule)
 * allows them; devices get data writes only. Network: `open` allows everything;
 * otherwise TCP connects only to `localhost` on the granted ports and the proxy's port —
 * `*:PORT` would admit every host on that port — binds only on `localhost`, and UNIX
 * sockets only when allowed. Terminals: the command's own (`/dev/tty` and the one airlock
 * runs on) and new pseudo-terminals it opens, no other. Signals and process inspection
 * stay within the sandbox.
 *
 * @module
 */

import type { Policy } from "../policy/types.ts";

/** Options of {@linkcode buildSeatbeltProfile}. */
export interface SeatbeltOptions {
  /** The proxy's TCP port, granted for connect. */
  proxyPort?: number | undefined;
  /** The terminal airlock runs on (`/dev/ttys003`), the only one the command may open. */
  terminal?: string | undefined;
}

/** Metadata writes Landlock's counterpart would not see; denied outside the write grants. */
const METADATA_WRITES =
  "file-write-mode file-write-owner file-write-xattr file-write-times file-write-flags";

/** Rules every process needs to start and run at all. */
const BASE_RULES = [
  "(version 1)",
  "(deny default)",
  "(allow process-fork)",
  "(allow signal (target same-sandbox))",
  "(allow process-info* (target same-sandbox))",
  "(allow sysctl-read)",
  "(allow ipc-posix-sem)",
  "(allow ipc-posix-shm-read-data ipc-posix-shm-write-data)",
  "(allow pseudo-tty)",
  '(allow file-read* file-write-data (literal "/dev/null") (literal "/dev/zero") (literal "/dev/tty") (literal "/dev/ptmx"))',
  '(allow file-read* (literal "/dev/random") (literal "/dev/urandom"))',
  '(allow file-ioctl (literal "/dev/tty"))',
  '(allow mach-lookup (global-name "com.apple.system.opendirectoryd.libinfo") (global-name "com.apple.system.notification_center") (global-name "com.apple.logd") (global-name "com.apple.system.logger"))',
  "(allow user-preference-read)",
];

/**
 * Quotes a string for SBPL.
 *
 * @param value The raw string.
 * @returns The string in double quotes, with `\` and `"` escaped.
 * @example
 * ```ts
 * import { sbplString } from "./sbpl.ts";
 * console.assert(sbplString('a"b') === '"a\\"b"');
 * ```
 */
export function sbplString(value: string): string {
  return `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/**
 * Every proper ancestor of an absolute path, root first.
 *
 * @param path An absolute path.
 * @returns `/`, `/a`, `/a/b` for `/a/b/c`.
 */
export function ancestors(path: string): string[] {
  const parts = path.split("/").filter((p) => p !== "");
  const out = ["/"];
  for (let i = 1; i < parts.length; i++) out.push(`/${parts.slice(0, i).join("/")}`);
  return out;
}

/**
 * Builds the Seatbelt profile for a policy.
 *
 * @param policy The policy.
 * @param options The proxy port.
 * @returns The SBPL text.
 * @example
 * ```ts ignore
 * const sbpl = buildSeatbeltProfile(policy, { proxyPort: 8123 });
 * ```
 */
export function buildSeatbeltProfile(policy: Policy, options: SeatbeltOptions = {}): string {
  const lines = [...BASE_RULES, `(deny ${METADATA_WRITES})`];
  if (options.terminal !== undefined && /^\/dev\/ttys[0-9]+$/.test(options.terminal)) {
    const tty = sbplString(options.terminal);
    lines.push(`(allow file-read* file-write-data file-ioctl (literal ${tty}))`);
  }
  const read = policy.paths.filter((r) => r.access.includes("read")).map((r) => r.path);
  const write = policy.paths.filter((r) => r.access.includes("write")).map((r) => r.path);
  const metadata = new Set<string>();
  for (const path of [...read, ...write]) for (const a of ancestors(path)) metadata.add(a);
  if (metadata.size > 0) {
    lines.push(
      `(allow file-read-metadata ${
        [...metadata].map((p) => `(literal ${sbplString(p)})`).join(" ")
      })`,
    );
  }
  for (const path of read) {
    lines.push(`(allow file-read* process-exec (subpath ${sbplString(path)}))`);
  }
  for (const path of write) {
    // A device takes data, never a new mode, owner or times (root could chmod /dev/null).
    const rights = path === "/dev" || path.startsWith("/dev/") ? "file-write-data" : "file-write*";
    lines.push(`(allow ${rights} (subpath ${sbplString(path)}))`);
  }
  lines.push(...networkRules(policy, options));
  return `${lines.join("\n")}\n`;
}

function networkRules(policy: Policy, options: SeatbeltOptions): string[] {
  const net = policy.network;
  if (net.mode === "open") return ["(allow network*)", "(allow system-socket)"];
  const rules = ["(allow system-socket (socket-domain AF_INET) (socket-domain AF_INET6))"];
  const connect = new Set(net.connectPorts);
  if (options.proxyPort !== undefined) connect.add(options.proxyPort);
  for (const port of connect) {
    rules.push(`(allow network-outbound (remote tcp "localhost:${port}"))`);
  }
  for (const port of new Set(net.bindPorts)) {
    rules.push(`(allow network-bind network-inbound (local tcp "localhost:${port}"))`);
  }
  if (net.allowUnixSockets) {
    rules.push(
      "(allow system-socket (socket-domain AF_UNIX))",
      "(allow network-outbound (remote unix-socket))",
      "(allow network-bind (local unix-socket))",
    );
  }
  return rules;
}
