/**
 * Whether the namespace layer can work here, from what can be read without starting a
 * process (it runs on every launch): util-linux's `setpriv` and `unshare`, a shell, and the
 * sysctls that disable or restrict unprivileged user namespaces. A kernel or security
 * module that refuses anyway is caught when the chain starts and reported then.
 *
 * `AIRLOCK_TEST_NO_NAMESPACES=1` is for tests only: it makes the probe report the layer
 * missing, to exercise failing closed and `--best-effort`.
 *
 * @module
 */

import { type ChainPrograms, findChainPrograms } from "./chain.ts";

/** The test-only variable that makes the layer look unavailable. */
export const NO_NAMESPACES_ENV = "AIRLOCK_TEST_NO_NAMESPACES";

/** What the probe found. */
export type NamespaceSupport =
  | { available: true; programs: ChainPrograms }
  | { available: false; reason: string; hint: string };

/** A sysctl's value, or undefined when the file does not exist. */
export type ReadSysctl = (path: string) => string | undefined;

/**
 * Probes the namespace layer.
 *
 * @param read Reads a sysctl (tests inject it).
 * @param programs The chain's programs, or the name of a missing one.
 * @param uid The effective uid (root is not bound by the unprivileged restrictions).
 * @returns Available with the programs, or the reason and a fix.
 * @example
 * ```ts
 * import { namespaceSupport } from "./support.ts";
 * const programs = { setpriv: "/usr/bin/setpriv", unshare: "/usr/bin/unshare", sh: "/bin/sh" };
 * const off = namespaceSupport((p) => p.endsWith("max_user_namespaces") ? "0" : undefined, programs, 1000);
 * console.assert(!off.available && off.reason.includes("max_user_namespaces"));
 * console.assert(namespaceSupport(() => undefined, programs, 1000).available);
 * ```
 */
export function namespaceSupport(
  read: ReadSysctl = readSysctl,
  programs: ChainPrograms | string = findChainPrograms(),
  uid: number = Deno.uid() ?? 0,
): NamespaceSupport {
  if (Deno.env.get(NO_NAMESPACES_ENV) === "1") {
    return { available: false, reason: `${NO_NAMESPACES_ENV}=1 is set`, hint: "unset it" };
  }
  if (typeof programs === "string") {
    return {
      available: false,
      reason: `"${programs}" was not found in /usr/bin, /bin, /usr/sbin or /sbin`,
      hint: "install util-linux (it provides setpriv and unshare)",
    };
  }
  if (read("/proc/sys/user/max_user_namespaces") === "0") {
    return {
      available: false,
      reason: "user namespaces are disabled (user.max_user_namespaces = 0)",
      hint: "sudo sysctl -w user.max_user_namespaces=15000",
    };
  }
  if (uid !== 0 && read("/proc/sys/kernel/unprivileged_userns_clone") === "0") {
    return {
      available: false,
      reason: "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone = 0)",
      hint: "sudo sysctl -w kernel.unprivileged_userns_clone=1",
    };
  }
  if (uid !== 0 && read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") === "1") {
    return {
      available: false,
      reason:
        "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns = 1)",
      hint:
        "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or install an AppArmor profile that allows airlock's unshare (see docs/security-model.md)",
    };
  }
  return { available: true, programs };
}

function readSysctl(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return undefined;
  }
}
