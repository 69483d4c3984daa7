/**
 * Where airlock keeps its state: `$XDG_STATE_HOME/airlock`, else `~/.local/state/airlock`.
 *
 * @module
 */

/**
 * Returns airlock's state directory (not created).
 *
 * @param env The environment to read `XDG_STATE_HOME` and `HOME` from.
 * @returns An absolute path.
 * @example
 * ```ts
 * import { stateDir } from "./state_dir.ts";
 * console.assert(stateDir({ HOME: "/home/a" }) === "/home/a/.local/state/airlock");
 * console.assert(stateDir({ XDG_STATE_HOME: "/s" }) === "/s/airlock");
 * ```
 */
export function stateDir(env: Record<string, string | undefined> = Deno.env.toObject()): string {
  const xdg = env.XDG_STATE_HOME;
  if (xdg && xdg.startsWith("/")) return `${xdg.replace(/\/+$/, "")}/airlock`;
  const home = env.HOME && env.HOME.startsWith("/") ? env.HOME : "/tmp";
  return `${home.replace(/\/+$/, "")}/.local/state/airlock`;
}
