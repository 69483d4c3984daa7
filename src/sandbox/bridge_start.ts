/**
 * Starts the network bridge (`src/bridge/inside_main.ts`) from the exec helper, inside the
 * namespaces and before the helper confines itself, so the bridge runs unconfined by
 * Landlock and seccomp. It is started through a shell that exits at once (`… &`), so it
 * is not the command's child (a command calling `wait()` must not wait for it) but PID 1's,
 * in a session of its own (signals for the sandbox's process group do not reach it), and
 * it inherits the bridge directory's descriptor. Resolves once it prints `ready`.
 *
 * Requires `--allow-run` and `--allow-env`.
 *
 * @module
 */

import { BRIDGE_ENV, type BridgeSpec } from "../bridge/spec.ts";
import { useBundle } from "../bundles.ts";

/** How long the bridge may take to listen, in ms (a Deno start-up is ≈ 25–50 ms). */
const READY_TIMEOUT_MS = 15_000;

/** The bridge's entry module (resolves the same from the helper's bundle in this folder). */
const BRIDGE_MAIN = new URL("../bridge/inside_main.ts", import.meta.url);

/** The bridge as one pre-built file (`scripts/build_bundles.ts`): it starts ≈ 5 ms sooner. */
const BRIDGE_BUNDLE = new URL("../bridge/inside_main.bundle.js", import.meta.url);

/**
 * The bridge's entry under `deno run`: the bundle while it is fresh, else the module.
 *
 * Requires `--allow-read`.
 *
 * @returns Its URL.
 */
function bridgeEntry(): URL {
  return useBundle(BRIDGE_BUNDLE, "src/bridge/inside_main.bundle.js") ? BRIDGE_BUNDLE : BRIDGE_MAIN;
}

/**
 * The bridge's command line: under `deno run`, the entry module; compiled, the airlock
 * binary itself with `__sandbox-bridge`.
 *
 * @param execPath The running executable.
 * @param entry The bridge's entry module.
 * @returns `[program, ...args]`.
 * @example
 * ```ts
 * import { bridgeCommand } from "./bridge_start.ts";
 * console.assert(bridgeCommand("/opt/airlock", new URL("file:///x.ts")).join(" ") === "/opt/airlock __sandbox-bridge");
 * console.assert(bridgeCommand("/usr/bin/deno", new URL("file:///r/b.ts")).at(-1) === "/r/b.ts");
 * ```
 */
export function bridgeCommand(execPath: string, entry: URL): string[] {
  const base = execPath.slice(execPath.lastIndexOf("/") + 1);
  if (base !== "deno") return [execPath, "__sandbox-bridge"];
  return [execPath, "run", "-A", "--no-config", decodeURIComponent(entry.pathname)];
}

/**
 * Starts the bridge.
 *
 * @param spec The routes and the directory.
 * @param dirFd The directory's descriptor (inheritable).
 * @returns A promise that settles when the bridge listens (or failed to).
 */
export function startBridge(spec: BridgeSpec, dirFd: number): Promise<void> {
  const config = JSON.stringify({ fd: dirFd, forward: spec.forward, reverse: spec.reverse });
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", '"$@" </dev/null &', "sh", ...bridgeCommand(Deno.execPath(), bridgeEntry())],
    env: { ...Deno.env.toObject(), [BRIDGE_ENV]: config },
    clearEnv: true,
    cwd: "/",
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    detached: true,
  }).spawn();
  return waitReady(child);
}

async function waitReady(child: Deno.ChildProcess): Promise<void> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("it did not start in time")), READY_TIMEOUT_MS);
  });
  try {
    let text = "";
    while (!text.includes("ready\n")) {
      const { value, done } = await Promise.race([reader.read(), timeout]);
      if (done) throw new Error("it ended before listening");
      text += value;
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
    await child.status;
  }
}
