/**
 * Entry point of `arg.bundle.js`: the `arg` npm package (a small, strict argument parser
 * by Vercel) bundled into one dependency-free JavaScript file for the fast `run` path
 * (`fast_run.ts`).
 *
 * Why a bundle: importing an `npm:` package at run time starts Deno's npm resolver and
 * its Node compatibility layer (≈ 30 ms, more than all of `airlock run` otherwise), and
 * `node:util`'s `parseArgs` costs ≈ 5 ms for the same reason; the bundled package costs
 * nothing measurable. Rebuild with `deno run -A scripts/build_bundles.ts`.
 *
 * @module
 */

import arg from "arg";

export { arg };
