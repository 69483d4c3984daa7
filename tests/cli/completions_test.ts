/**
 * `airlock completions bash|zsh|fish` from the parser's own program: the bash script is
 * loaded into a real bash and asked what `compgen`/`complete` would offer; the fish script
 * is asked through `complete -C`, the zsh one by typing Tab into an interactive zsh in
 * tmux; zsh and fish scripts pass `zsh -n` / `fish -n`.
 */

import { deepStrictEqual as equal, match, ok } from "node:assert/strict";
import { runCli } from "../_cli.ts";
import { runProcess } from "../_process.ts";
import { POLICY_FLAGS, RUN_FLAGS } from "../../src/cli/flag_table.ts";
import { BUILTIN_PROFILES } from "../../src/policy/locate.ts";

async function script(shell: string): Promise<string> {
  const r = await runCli(["completions", shell]);
  equal(r.code, 0, r.stderr);
  const file = await Deno.makeTempFile({ prefix: "airlock-completion-", suffix: `.${shell}` });
  await Deno.writeTextFile(file, r.stdout);
  return file;
}

let bashScript: Promise<string> | undefined;
/** An empty directory, so file completion adds nothing to the names. */
const EMPTY = Deno.makeTempDirSync({ prefix: "airlock-completion-cwd-" });
globalThis.addEventListener("unload", () => Deno.removeSync(EMPTY, { recursive: true }));

/** What bash completes for the words (the last one is the word being completed). */
async function bashComplete(words: string[], env: Record<string, string> = {}): Promise<string[]> {
  const file = await (bashScript ??= script("bash"));
  const quoted = words.map((w) => `'${w.replaceAll("'", `'\\''`)}'`).join(" ");
  const r = await runProcess("bash", [
    "--norc",
    "-c",
    `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _airlock; ` +
    `printf '%s\\n' "\${COMPREPLY[@]}"`,
  ], { env, cwd: EMPTY });
  equal(r.code, 0, r.stderr);
  return r.stdout.split("\n").filter(Boolean);
}

Deno.test("bash: airlock run --pro<TAB> completes to --profile", async () => {
  equal(await bashComplete(["airlock", "run", "--pro"]), ["--profile"]);
  equal(await bashComplete(["airlock", "shell", "--best"]), ["--best-effort"]);
});

Deno.test("bash: -p <TAB> offers the built-in and the user's profiles", async () => {
  const config = await Deno.makeTempDir({ prefix: "airlock-completion-" });
  try {
    await Deno.mkdir(`${config}/airlock/profiles`, { recursive: true });
    await Deno.writeTextFile(`${config}/airlock/profiles/mine.jsonc`, "{}");
    const got = await bashComplete(["airlock", "run", "-p", ""], { XDG_CONFIG_HOME: config });
    for (const name of [...BUILTIN_PROFILES, "mine"]) ok(got.includes(name), name);
    equal(await bashComplete(["airlock", "run", "-p", "cla"]), ["claude-code"]);
    equal(await bashComplete(["airlock", "why", "--profile", "co"]), ["codex"]);
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("bash: run offers every flag of the flag table, and only flags the parser takes", async () => {
  const got = await bashComplete(["airlock", "run", "--"]);
  for (const spec of [...POLICY_FLAGS, ...RUN_FLAGS]) ok(got.includes(`--${spec.long}`), spec.long);
  ok(!got.includes("--port"), "--port belongs to proxy and why, not run");
  equal(await bashComplete(["airlock", "run", "--net", ""]), ["proxy", "none", "open"]);
  equal(await bashComplete(["airlock", "run", "--credential", "o"]), ["openai"]);
  ok((await bashComplete(["airlock", "proxy", "--"])).includes("--drain-timeout"));
});

Deno.test("bash: commands, subcommands, flag values skipped, and the command after --", async () => {
  const commands = await bashComplete(["airlock", ""]);
  for (const c of ["run", "shell", "why", "profile", "doctor", "proxy", "trust", "completions"]) {
    ok(commands.includes(c), c);
  }
  equal(await bashComplete(["airlock", "profile", ""]), ["list", "show", "check", "schema"]);
  // "show" after -p is the flag's value, not the subcommand.
  equal(await bashComplete(["airlock", "--verbose", "ru"]), ["run"]);
  ok((await bashComplete(["airlock", "run", "-p", "codex", "--", "bas"])).includes("bash"));
  const r = await runProcess("bash", [
    "--norc",
    "-c",
    `source '${await bashScript}'; complete -p airlock`,
  ]);
  equal(r.stdout.trim(), "complete -F _airlock airlock");
});

Deno.test("zsh -n and fish -n accept their scripts", async () => {
  for (const [shell, args] of [["zsh", ["-n"]], ["fish", ["-n"]]] as const) {
    const file = await script(shell);
    const r = await runProcess(shell, [...args, file]);
    equal(r.code, 0, `${shell}: ${r.stderr}`);
    await Deno.remove(file);
  }
});

Deno.test("fish: complete -C offers --profile and the profiles", async () => {
  const file = await script("fish");
  try {
    const r = await runProcess("fish", [
      "--no-config",
      "-c",
      `source '${file}'; complete -C 'airlock run --pro'; echo ---; complete -C 'airlock run -p '`,
    ], { cwd: EMPTY });
    equal(r.code, 0, r.stderr);
    const [flags, profiles] = r.stdout.split("---\n");
    match(flags!, /^--profile\t/m);
    for (const name of BUILTIN_PROFILES) match(profiles!, new RegExp(`^${name}\\t`, "m"));
  } finally {
    await Deno.remove(file);
  }
});

/** Types `line` + Tab into an interactive zsh (in tmux) and returns the line it shows. */
async function zshComplete(session: string, line: string, expect: RegExp): Promise<string> {
  const tmux = (...args: string[]) => runProcess("tmux", args);
  await tmux("send-keys", "-t", session, "C-a", "C-k");
  await tmux("send-keys", "-t", session, line, "Tab");
  let screen = "";
  for (let i = 0; i < 100; i++) {
    screen = (await tmux("capture-pane", "-t", session, "-p")).stdout;
    if (expect.test(screen)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return screen;
}

Deno.test("zsh: an interactive zsh completes run --pro<TAB> and -p cla<TAB>", async () => {
  const file = await script("zsh");
  const session = `airlock-zsh-${crypto.randomUUID().slice(0, 8)}`;
  const start = await runProcess("tmux", [
    "new-session",
    "-d",
    "-s",
    session,
    "-x",
    "160",
    "-y",
    "40",
    `env -i HOME=${EMPTY} TERM=xterm PATH=/usr/bin:/bin zsh -f`,
  ]);
  equal(start.code, 0, start.stderr);
  try {
    await runProcess("tmux", [
      "send-keys",
      "-t",
      session,
      `autoload -U compinit && compinit -u && source ${file} && echo READY`,
      "Enter",
    ]);
    let screen = "";
    for (let i = 0; i < 100 && !/^READY$/m.test(screen); i++) {
      await new Promise((ok) => setTimeout(ok, 100));
      screen = (await runProcess("tmux", ["capture-pane", "-t", session, "-p"])).stdout;
    }
    match(screen, /^READY$/m);
    match(
      await zshComplete(session, "airlock run --pro", /airlock run --profile/),
      /airlock run --profile/,
    );
    match(
      await zshComplete(session, "airlock run -p cla", /-p claude-code/),
      /airlock run -p claude-code/,
    );
    match(await zshComplete(session, "airlock prof", /airlock profile/), /airlock profile/);
  } finally {
    await runProcess("tmux", ["kill-session", "-t", session]);
    await Deno.remove(file);
  }
});

Deno.test("airlock completions refuses an unknown shell (exit 2)", async () => {
  const r = await runCli(["completions", "tcsh"]);
  equal(r.code, 2);
  match(r.stderr, /Cannot print completions for "tcsh": the shells are bash, zsh, fish/);
});
