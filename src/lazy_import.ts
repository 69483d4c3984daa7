/**
 * Loads a module when a code path first needs it, without making it part of the module
 * graph Deno prepares at start-up.
 *
 * Before running the entry point, Deno reads and compiles every module reachable through
 * statically analysable imports — `import("./x.ts")` with a literal included. For airlock
 * that was every module (the proxy, the keystore, every command) on every start, about
 * 10 ms of each `airlock run`. An import through a computed URL is loaded only when it
 * runs. Type the result with `typeof import(…)`, which costs nothing at run time.
 *
 * A compiled binary must embed these modules explicitly (`deno compile --include src/`,
 * as the compile tasks in `deno.json` do).
 *
 * Modules that the fast-path bundle (`src/cli/fast_run.bundle.js`) contains run with the
 * bundle's `import.meta.url`: write their specifiers so they resolve the same from
 * `src/cli/` as from their own folder (`"../sandbox/launcher.ts"`, not `"./launcher.ts"`).
 * Every module sits two levels below the root, so `../<folder>/<file>` always works.
 * And an error crossing between the two copies of a module fails `instanceof`: test
 * airlock errors with `isAirlockError` (`src/errors.ts`).
 *
 * @module
 */

/**
 * Imports a module relative to the caller, at run time only.
 *
 * @typeParam T The module's type: `typeof import("./x.ts")`.
 * @param specifier The relative specifier (`"./x.ts"`).
 * @param base The caller's `import.meta.url`.
 * @returns The module namespace.
 * @example
 * ```ts
 * import { lazyImport } from "./lazy_import.ts";
 * const { isAbsolute } = await lazyImport<typeof import("./policy/posix_path.ts")>(
 *   "./policy/posix_path.ts",
 *   import.meta.url,
 * );
 * console.assert(isAbsolute("/etc"));
 * ```
 */
export function lazyImport<T>(specifier: string, base: string | URL): Promise<T> {
  return import(new URL(specifier, base).href);
}
