/**
 * Entry point of the bundled exec helper (`exec_helper.bundle.js`): the launcher runs
 * that single JavaScript file instead of `main.ts __sandbox-exec` under `deno run`,
 * because loading one pre-bundled file starts about 7 ms faster than resolving the
 * TypeScript module graph (the helper runs on every launch).
 *
 * @module
 */

import { execHelperMain } from "./exec_helper.ts";

if (import.meta.main) await execHelperMain(Deno.args);
