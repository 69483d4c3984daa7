/**
 * `airlock trust keygen | export-key | sign`: create an ECDSA P-256 signing key (in the
 * keystore, or a 0600 file with `.pub` beside it), print its public half for a trust
 * policy, and sign instruction files with it (`FILE.bundle` beside each).
 *
 * @module
 */

import type { Command } from "commander";
import { UsageError } from "../errors.ts";
import { fileKind } from "../trust/default_includes.ts";
import { loadTrustPolicy } from "../trust/policy_load.ts";
import { type FoundFile, scanTree, statementName } from "../trust/scanner.ts";
import { signFile } from "../trust/sign.ts";
import {
  createSigningKey,
  DEFAULT_KEY_ID,
  keyFilePath,
  loadSigningKey,
  readKeyRecord,
} from "../trust/signing_keys.ts";
import { resolve } from "../policy/posix_path.ts";

/**
 * Registers the key commands on `airlock trust`.
 *
 * @param trust The `trust` command.
 */
export function register(trust: Command): void {
  trust.command("keygen")
    .description("create an ECDSA P-256 signing key (private key in the keystore by default)")
    .option("--id <name>", "the key's id", DEFAULT_KEY_ID)
    .option("--keyref <file://path>", "keep the private key in this file (mode 0600; .pub beside)")
    .option("--force", "replace an existing key with this id")
    .action(async (values: { id: string; keyref?: string; force?: boolean }) => {
      const keyFile = values.keyref ? keyFilePath(values.keyref, Deno.cwd()) : undefined;
      const record = await createSigningKey(values.id, {
        ...(keyFile ? { keyFile } : {}),
        force: values.force ?? false,
      });
      if (keyFile?.startsWith(`${Deno.cwd()}/`)) {
        console.error(
          `airlock: warning: ${keyFile} is inside the current directory, which \`airlock run\` grants to the agent: an agent that reads it can sign instruction files (keep signing keys outside every workdir)`,
        );
      }
      const where = keyFile ? `${keyFile} (public key ${keyFile}.pub)` : "the system keystore";
      console.log(`Created signing key "${record.id}" (ECDSA P-256) in ${where}`);
      console.log(`fingerprint ${record.fingerprint}`);
      console.log(
        "Trust it: `airlock trust init` (new policy), or add `airlock trust export-key` to publishers",
      );
    });

  trust.command("export-key")
    .description("print a key's publisher entry for a trust policy (or its PEM public key)")
    .option("--id <name>", "the key's id", DEFAULT_KEY_ID)
    .option("--pem", "print only the PEM public key")
    .action((values: { id: string; pem?: boolean }) => {
      const record = readKeyRecord(values.id);
      if (values.pem) {
        console.log(record.public_key.trimEnd());
        return;
      }
      const entry = {
        type: "key",
        name: record.id,
        fingerprint: record.fingerprint,
        public_key: record.public_key,
      };
      console.log(JSON.stringify(entry, null, 2));
    });

  trust.command("sign")
    .description("sign instruction files with a key (writes FILE.bundle beside each)")
    .argument("[files...]", "files to sign")
    .option("--all", "sign every instruction file under the root")
    .option("--id <name>", "the key's id", DEFAULT_KEY_ID)
    .option("--workdir <dir>", "the root names are relative to (default: the current directory)")
    .action(async (files: string[], values: { all?: boolean; id: string; workdir?: string }) => {
      if ((files.length > 0) === (values.all ?? false)) {
        throw new UsageError("Cannot sign: give FILE… or --all (not both, not neither)", {
          hint: "airlock trust sign CLAUDE.md, or airlock trust sign --all",
        });
      }
      const root = Deno.realPathSync(resolve(Deno.cwd(), values.workdir ?? "."));
      const env = Deno.env.toObject();
      const home = env.HOME ?? "";
      let found: FoundFile[];
      if (values.all) {
        const policy = await loadTrustPolicy(root, env);
        found = scanTree(root, { includes: policy.includes, files: policy.files, home });
      } else {
        found = files.map((f) => {
          const path = resolve(Deno.cwd(), f);
          const info = Deno.statSync(path);
          if (!info.isFile) throw new UsageError(`Cannot sign ${path}: it is not a regular file`);
          const name = statementName(path, root, home);
          return { path, name, kind: fileKind(name) };
        });
      }
      const record = readKeyRecord(values.id);
      const key = await loadSigningKey(record);
      for (const file of found) {
        const { bundle } = await signFile(file, key);
        console.log(`signed ${file.name} (${file.kind}) -> ${bundle}`);
      }
      if (found.length === 0) console.log(`No instruction files under ${root}`);
    });
}
