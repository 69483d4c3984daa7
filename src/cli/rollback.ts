/**
 * `airlock rollback list|show|restore|verify|cleanup`: inspect and use the snapshots
 * `airlock run --rollback` takes (stored under `$XDG_STATE_HOME/airlock/rollback/`).
 * Exit codes: see `src/rollback/exit_codes.ts`.
 *
 * @module
 */

import type { Command } from "commander";
import { RollbackError, UsageError } from "../errors.ts";
import { lazyImport } from "../lazy_import.ts";
import { setExitStatus } from "./mod.ts";
import { EXIT_ROLLBACK_CORRUPT, ROLLBACK_EXIT_HELP } from "../rollback/exit_codes.ts";
import type { FoundSnapshot } from "../rollback/catalog.ts";

type Catalog = typeof import("../rollback/catalog.ts");
const catalog = () => lazyImport<Catalog>("../rollback/catalog.ts", import.meta.url);

/**
 * Converts restore paths to paths relative to the workdir.
 *
 * @param workdir The snapshot's workdir.
 * @param paths The paths as given (absolute, or relative to the current directory when it
 *   lies in the workdir, else to the workdir).
 * @param cwd The current directory.
 * @returns Relative paths (`""` for the workdir itself).
 * @throws {UsageError} When a path lies outside the workdir.
 * @example
 * ```ts
 * import { relativePaths } from "./rollback.ts";
 * console.assert(relativePaths("/w", ["/w/src/a.ts", "b"], "/w/src").join() === "src/a.ts,src/b");
 * ```
 */
export function relativePaths(workdir: string, paths: string[], cwd: string): string[] {
  const base = cwd === workdir || cwd.startsWith(`${workdir}/`) ? cwd : workdir;
  return paths.map((p) => {
    const parts: string[] = [];
    for (const part of (p.startsWith("/") ? p : `${base}/${p}`).split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") parts.pop();
      else parts.push(part);
    }
    const abs = `/${parts.join("/")}`;
    if (abs === workdir) return "";
    if (!abs.startsWith(`${workdir}/`)) {
      throw new UsageError(`Cannot restore "${p}": it is not inside the workdir ${workdir}`);
    }
    return abs.slice(workdir.length + 1);
  });
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i]!)).join("  "))
    .join("\n");
}

async function find(id: string): Promise<FoundSnapshot> {
  return (await catalog()).findSnapshot(id);
}

/**
 * Registers `airlock rollback`.
 *
 * @param program The root program.
 * @example Registering
 * ```ts ignore
 * register(new Command("airlock"));
 * ```
 */
export function register(program: Command): void {
  const rollback = program.command("rollback")
    .description("list, show, restore, verify and clean up workdir snapshots")
    .addHelpText("after", `\n${ROLLBACK_EXIT_HELP}`);

  rollback.command("list")
    .description("list snapshots of every workdir, oldest first")
    .option("--json", "print JSON")
    .action(async (values: { json?: boolean }) => {
      const rows: Record<string, unknown>[] = [];
      for (const store of (await catalog()).openStores()) {
        for (const id of store.snapshotIds()) {
          const m = store.readManifest(id);
          const after = store.readManifest(id, true);
          if (m === null) continue;
          rows.push({
            id,
            workdir: m.workdir,
            created: m.created,
            profile: m.profile ?? null,
            files: m.stats.files,
            bytes: m.stats.bytes,
            root: m.root,
            status: after?.status ?? null,
            guarded: after?.guarded?.length ?? 0,
            finished: after !== null,
          });
        }
        store.close();
      }
      rows.sort((a, b) => String(a.id) < String(b.id) ? -1 : 1);
      if (values.json) return console.log(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return console.log("no snapshots recorded");
      const { formatBytes } = await lazyImport<typeof import("../rollback/budget.ts")>(
        "../rollback/budget.ts",
        import.meta.url,
      );
      console.log(table([
        ["SNAPSHOT", "CREATED", "FILES", "SIZE", "EXIT", "GUARDED", "WORKDIR"],
        ...rows.map((r) => [
          String(r.id),
          String(r.created).replace(/\.\d+Z$/, "Z"),
          String(r.files),
          formatBytes(r.bytes as number),
          r.finished ? String(r.status) : "-",
          String(r.guarded),
          String(r.workdir),
        ]),
      ]));
    });

  rollback.command("show")
    .description("show a snapshot and what the run changed")
    .argument("<id>", "the snapshot id (see airlock rollback list)")
    .option("--diff", "unified diffs of the changed text files")
    .option("--guarded", "the agent's versions of the guarded paths the guard put back")
    .option("--json", "print JSON")
    .action(async (id: string, values: { diff?: boolean; guarded?: boolean; json?: boolean }) => {
      const found = await find(id);
      const { showSnapshot, formatShow } = await lazyImport<typeof import("../rollback/show.ts")>(
        "../rollback/show.ts",
        import.meta.url,
      );
      const { auditedRoot } = await lazyImport<typeof import("../rollback/audit_records.ts")>(
        "../rollback/audit_records.ts",
        import.meta.url,
      );
      const view = showSnapshot(found, values);
      const audited = auditedRoot(found.manifest);
      if (values.json) console.log(JSON.stringify({ ...view, auditedRoot: audited }, null, 2));
      else Deno.stdout.writeSync(new TextEncoder().encode(formatShow(found, view, audited)));
      found.store.close();
    });

  rollback.command("restore")
    .description("restore the workdir (or PATHs in it) to a snapshot")
    .argument("<id>", "the snapshot id")
    .argument("[paths...]", "restore only these paths (default: the whole tree)")
    .option("--dry-run", "list what would change, change nothing")
    .option("--json", "print the steps as JSON")
    .action(async (id: string, paths: string[], values: { dryRun?: boolean; json?: boolean }) => {
      const found = await find(id);
      const { restoreSnapshot } = await lazyImport<typeof import("../rollback/restore.ts")>(
        "../rollback/restore.ts",
        import.meta.url,
      );
      const { appendRollbackRecord } = await lazyImport<
        typeof import("../rollback/audit_records.ts")
      >("../rollback/audit_records.ts", import.meta.url);
      const selection = paths.length > 0
        ? relativePaths(found.manifest.workdir, paths, Deno.cwd())
        : undefined;
      if (!values.dryRun && !(await found.store.tryLockExclusive(500))) {
        throw new RollbackError(
          `Cannot restore snapshot ${id}: an airlock run in ${found.manifest.workdir} is still going`,
          undefined,
          { hint: "restore once that run has ended (its guard and summary come last)" },
        );
      }
      try {
        const result = restoreSnapshot(found.store, found.manifest, {
          ...(selection ? { paths: selection } : {}),
          dryRun: values.dryRun === true,
        });
        const verb = values.dryRun ? "would" : "did";
        if (values.json) {
          console.log(JSON.stringify({ id, dryRun: values.dryRun === true, steps: result.steps }));
        } else {
          for (const step of result.steps) console.log(`${step.op.padEnd(6)} ${step.path || "."}`);
        }
        console.error(
          `airlock: restore ${id}: ${verb} ${result.steps.length} step${
            result.steps.length === 1 ? "" : "s"
          } in ${found.manifest.workdir}`,
        );
        if (!values.dryRun) {
          appendRollbackRecord(found.manifest, {
            event: "restore",
            path: selection ? selection.join(",") : "*",
            detail: `${result.steps.length} steps`,
          });
        }
      } finally {
        found.store.close();
      }
    });

  rollback.command("verify")
    .description("recompute a snapshot's Merkle root and check every object it needs")
    .argument("<id>", "the snapshot id")
    .option("--json", "print JSON")
    .action(async (id: string, values: { json?: boolean }) => {
      const found = await find(id);
      const { verifySnapshot } = await lazyImport<typeof import("../rollback/verify.ts")>(
        "../rollback/verify.ts",
        import.meta.url,
      );
      const manifests = found.after ? [found.manifest, found.after] : [found.manifest];
      const result = verifySnapshot(found.store, manifests);
      found.store.close();
      if (values.json) console.log(JSON.stringify(result, null, 2));
      else {
        for (const p of result.problems) console.error(`airlock: verify ${id}: ${p}`);
        if (result.problems.length === 0) {
          console.log(
            `snapshot ${id} is intact: root ${result.root} (audit log: ${
              result.auditedRoot === null ? "no record" : "matches"
            }), ${result.objects} objects`,
          );
        }
      }
      if (result.problems.length > 0) {
        if (values.json) setExitStatus(EXIT_ROLLBACK_CORRUPT);
        else {
          throw new RollbackError(
            `Cannot verify snapshot ${id}: ${result.problems.length} problem${
              result.problems.length === 1 ? "" : "s"
            } found`,
            EXIT_ROLLBACK_CORRUPT,
            { hint: "the snapshot cannot be trusted for a full restore; take a new one" },
          );
        }
      }
    });

  rollback.command("cleanup")
    .description("remove old snapshots and the objects only they used")
    .option("--keep <n>", "keep the newest N snapshots of each workdir")
    .option("--older-than <duration>", "remove snapshots older than this (30m, 12h, 7d, 2w)")
    .option("--json", "print JSON")
    .action(async (values: { keep?: string; olderThan?: string; json?: boolean }) => {
      const { cleanupStore, parseDuration } = await lazyImport<
        typeof import("../rollback/cleanup.ts")
      >("../rollback/cleanup.ts", import.meta.url);
      let keep: number | undefined;
      if (values.keep !== undefined) {
        keep = /^\d+$/.test(values.keep) ? Number(values.keep) : NaN;
        if (!Number.isSafeInteger(keep)) {
          throw new UsageError(
            `Cannot parse --keep: it must be a whole number: current value is "${values.keep}"`,
          );
        }
      }
      const olderThanMs = values.olderThan === undefined
        ? undefined
        : parseDuration(values.olderThan);
      const results = [];
      for (const store of (await catalog()).openStores()) {
        try {
          results.push({
            workdir: store.workdir,
            ...cleanupStore(store, {
              ...(keep === undefined ? {} : { keep }),
              ...(olderThanMs === undefined ? {} : { olderThanMs }),
            }),
          });
        } finally {
          store.close();
        }
      }
      if (values.json) return console.log(JSON.stringify(results, null, 2));
      const removed = results.reduce((n, r) => n + r.snapshots.length, 0);
      const freed = results.reduce((n, r) => n + r.freedBytes, 0);
      console.log(`removed ${removed} snapshots, freed ${Math.max(0, freed)} bytes`);
    });
}
