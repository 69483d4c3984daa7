/**
 * `airlock doctor`'s look at the namespace layer: each namespace kind tried on its own
 * with util-linux `unshare` (a real process, so a kernel, sysctl or security module that
 * refuses is caught), the sysctls that govern unprivileged user namespaces, and the
 * capabilities the exec helper needs inside (a real mount).
 *
 * Linux only. Requires `--allow-run` and `--allow-read`.
 *
 * @module
 */

import { type ChainPrograms, findChainPrograms } from "./chain.ts";

/** One layer's state. */
export interface LayerCheck {
  /** `user namespace`, `mount namespace`, … */
  name: string;
  /** Whether it works here. */
  ok: boolean;
  /** What was found, one line. */
  detail: string;
}

/** What each namespace kind needs from `unshare`, and what it gives the sandbox. */
const KINDS: { name: string; flags: string[]; gives: string }[] = [
  {
    name: "user namespace",
    flags: [],
    gives: "the helper's capabilities over the sandbox's namespaces only",
  },
  {
    name: "mount namespace",
    flags: ["--mount", "--propagation", "private"],
    gives: "read-only tree, private /tmp, /dev and /proc, masked paths",
  },
  {
    name: "PID namespace",
    flags: ["--pid", "--fork", "--kill-child"],
    gives: "nothing outlives the command; no other process is visible",
  },
  { name: "network namespace", flags: ["--net"], gives: "only loopback and the bridge" },
  { name: "IPC namespace", flags: ["--ipc"], gives: "no shared memory or queues of the host" },
];

/**
 * Tries each namespace kind.
 *
 * @param programs The chain's programs (default: looked up).
 * @returns One check per kind; all failing when util-linux is missing.
 */
export async function probeNamespaces(
  programs: ChainPrograms | string = findChainPrograms(),
): Promise<LayerCheck[]> {
  if (typeof programs === "string") {
    return KINDS.map((k) => ({
      name: k.name,
      ok: false,
      detail: `"${programs}" not found: install util-linux`,
    }));
  }
  const checks: LayerCheck[] = [];
  for (const kind of KINDS) {
    // Mounting a tmpfs proves the user namespace's capabilities are usable (AppArmor's
    // unprivileged-userns restriction lets unshare succeed but takes them away).
    const test = kind.name === "mount namespace"
      ? ["/bin/sh", "-c", "mount -t tmpfs airlock-probe /tmp"]
      : ["/bin/true"];
    const result = await run([
      programs.unshare,
      "--user",
      "--map-root-user",
      ...kind.flags,
      "--",
      ...test,
    ]);
    checks.push({
      name: kind.name,
      ok: result.ok,
      detail: result.ok ? kind.gives : `unshare failed: ${result.error || "no reason given"}`,
    });
  }
  return checks;
}

/**
 * The sysctls that decide whether unprivileged user namespaces exist, as one line.
 *
 * @returns `name = value` pairs of those present.
 */
export function userNamespaceSysctls(): string {
  const names = [
    "user/max_user_namespaces",
    "kernel/unprivileged_userns_clone",
    "kernel/apparmor_restrict_unprivileged_userns",
  ];
  const found: string[] = [];
  for (const name of names) {
    try {
      const value = Deno.readTextFileSync(`/proc/sys/${name}`).trim();
      found.push(`${name.replaceAll("/", ".")} = ${value}`);
    } catch {
      // not on this kernel
    }
  }
  return found.join(", ");
}

async function run(argv: string[]): Promise<{ ok: boolean; error: string }> {
  try {
    const out = await new Deno.Command(argv[0]!, {
      args: argv.slice(1),
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).output();
    const error = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ?? "";
    return { ok: out.success, error };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
