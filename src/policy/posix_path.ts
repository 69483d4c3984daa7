/**
 * POSIX path arithmetic for the policy code: `isAbsolute`, `normalize`, `resolve` and
 * `dirname` with `node:path`'s POSIX semantics (the tests compare them on many inputs).
 *
 * Why not `node:path`: every `airlock run` resolves a policy, and the first `node:*`
 * import starts Deno's Node compatibility layer, ≈ 5 ms of the launch. These four
 * functions are all the policy code needs.
 *
 * @module
 */

/**
 * Whether a path is absolute.
 *
 * @param path A path.
 * @returns True when it starts with `/`.
 * @example
 * ```ts
 * import { isAbsolute } from "./posix_path.ts";
 * console.assert(isAbsolute("/etc") && !isAbsolute("etc"));
 * ```
 */
export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

/**
 * Normalises a path: collapses repeated slashes, removes `.` segments and resolves `..`
 * lexically (never above `/`); keeps a trailing slash; `""` becomes `"."`.
 *
 * @param path A path.
 * @returns The normal form.
 * @example
 * ```ts
 * import { normalize } from "./posix_path.ts";
 * console.assert(normalize("/a//b/./c/../d/") === "/a/b/d/");
 * console.assert(normalize("a/../../b") === "../b");
 * console.assert(normalize("/..") === "/");
 * ```
 */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const out: string[] = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
      continue;
    }
    out.push(segment);
  }
  let joined = out.join("/");
  if (absolute) return trailing && joined !== "" ? `/${joined}/` : `/${joined}`;
  if (joined === "") joined = ".";
  return trailing ? `${joined}/` : joined;
}

/**
 * Resolves segments right to left into an absolute path, as `path.resolve` does: stops at
 * the first absolute segment, else starts from the current directory; the result is
 * normal and has no trailing slash (except `/` itself).
 *
 * Requires `--allow-read` when no segment is absolute (to read the current directory).
 *
 * @param segments Paths, the last one winning.
 * @returns An absolute path.
 * @example
 * ```ts
 * import { resolve } from "./posix_path.ts";
 * console.assert(resolve("/work", "src/../x") === "/work/x");
 * console.assert(resolve("/work", "/etc/") === "/etc");
 * ```
 */
export function resolve(...segments: string[]): string {
  let joined = "";
  for (let i = segments.length - 1; i >= 0 && !joined.startsWith("/"); i--) {
    const segment = segments[i]!;
    if (segment !== "") joined = joined === "" ? segment : `${segment}/${joined}`;
  }
  if (!joined.startsWith("/")) joined = joined === "" ? Deno.cwd() : `${Deno.cwd()}/${joined}`;
  const normal = normalize(joined);
  return normal.length > 1 && normal.endsWith("/") ? normal.slice(0, -1) : normal;
}

/**
 * The directory part of a path, as `path.dirname` does.
 *
 * @param path A path.
 * @returns Everything before the last segment (`"/"` for a top-level path, `"."` for a
 *   bare name).
 * @example
 * ```ts
 * import { dirname } from "./posix_path.ts";
 * console.assert(dirname("/a/b/c.json") === "/a/b");
 * console.assert(dirname("/a/b/") === "/a" && dirname("/a") === "/" && dirname("a") === ".");
 * ```
 */
export function dirname(path: string): string {
  if (path === "") return ".";
  const hasRoot = path.startsWith("/");
  // From the right: skip trailing slashes, then the last segment; stop at the slash
  // before it (the separator run is not collapsed, as in node:path).
  let end = -1;
  let inTrailingSlashes = true;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] === "/") {
      if (!inTrailingSlashes) {
        end = i;
        break;
      }
    } else {
      inTrailingSlashes = false;
    }
  }
  if (end === -1) return hasRoot ? "/" : ".";
  if (hasRoot && end === 1) return "//";
  return path.slice(0, end);
}
