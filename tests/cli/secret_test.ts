import assert from "node:assert/strict";
import {
  airlock,
  HAS_KEYRING,
  randomSecret,
  type Run,
  secretTool,
  uniqueName,
} from "../keystore/_helpers.ts";

const NEEDS_KEYRING = !HAS_KEYRING || Deno.build.os !== "linux"; // real Secret Service only
const ROOT = new URL("../../", import.meta.url).pathname;

const lookup = async (name: string) =>
  (await secretTool(["lookup", "service", "airlock", "account", name])).stdout;

Deno.test({
  name: "secret set stores stdin (one newline trimmed) where secret-tool finds it",
  ignore: NEEDS_KEYRING,
  async fn() {
    const name = uniqueName("cli-set");
    const result = await airlock(["secret", "set", name], { stdin: "sk-from-cli\n" });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `Stored credential "${name}" in secret-service (11 bytes)\n`);
    assert.equal(await lookup(name), "sk-from-cli");
    await secretTool(["clear", "service", "airlock", "account", name]);
  },
});

Deno.test({
  name: "secret check and list see what secret-tool stored",
  ignore: NEEDS_KEYRING,
  async fn() {
    const name = uniqueName("cli-tool");
    await secretTool(["store", "--label=x", "service", "airlock", "account", name], "sk-1234567");
    const check = await airlock(["secret", "check", name]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(check.stdout, `keyring:${name}: resolved (10 bytes)\n`);
    const json = await airlock(["secret", "check", `keyring:${name}`, "--json"]);
    assert.deepEqual(JSON.parse(json.stdout), {
      ref: `keyring:${name}`,
      resolved: true,
      bytes: 10,
    });
    const list = await airlock(["secret", "list"]);
    assert.ok(list.stdout.split("\n").includes(name));
    await secretTool(["clear", "service", "airlock", "account", name]);
  },
});

Deno.test({
  name: "secret set overwrites an existing credential",
  ignore: NEEDS_KEYRING,
  async fn() {
    const name = uniqueName("cli-over");
    await airlock(["secret", "set", name], { stdin: "first" });
    await airlock(["secret", "set", name], { stdin: "second" });
    assert.equal(await lookup(name), "second");
    const list = await airlock(["secret", "list", "--json"]);
    assert.equal((JSON.parse(list.stdout) as string[]).filter((n) => n === name).length, 1);
    await airlock(["secret", "rm", name]);
  },
});

Deno.test({
  name: "secret rm removes the item, then exits 1 naming the missing item",
  ignore: NEEDS_KEYRING,
  async fn() {
    const name = uniqueName("cli-rm");
    await secretTool(["store", "--label=x", "service", "airlock", "account", name], "v");
    const first = await airlock(["secret", "rm", name]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `Removed credential "${name}" from secret-service\n`);
    assert.equal(await lookup(name), "");
    const second = await airlock(["secret", "rm", name]);
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `airlock: Cannot remove credential "${name}": no such item\n`);
  },
});

Deno.test({
  name: "secret list --json prints a sorted JSON array of names",
  ignore: NEEDS_KEYRING,
  async fn() {
    const names = [uniqueName("cli-list-b"), uniqueName("cli-list-a")];
    for (const name of names) await airlock(["secret", "set", name], { stdin: "v" });
    const result = await airlock(["secret", "list", "--json"]);
    const listed = JSON.parse(result.stdout) as string[];
    assert.ok(names.every((n) => listed.includes(n)));
    assert.deepEqual(listed, [...listed].sort());
    for (const name of names) await airlock(["secret", "rm", name]);
  },
});

Deno.test("secret set refuses a value on the command line without echoing it", async () => {
  const value = randomSecret();
  const result = await airlock(["secret", "set", "openai", value], { stdin: "" });
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /Cannot store credential "openai": a value on the command line is refused\n {2}hint: /,
  );
  assert.ok(!(result.stdout + result.stderr).includes(value));
});

Deno.test("secret set refuses an empty value", async () => {
  for (const stdin of ["", "\n"]) {
    const result = await airlock(["secret", "set", "openai"], { stdin });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /Cannot store credential "openai": the value is empty/);
  }
});

Deno.test("secret set refuses input larger than 1 MiB", async () => {
  const result = await airlock(["secret", "set", "huge"], {
    stdin: new Uint8Array(1024 * 1024 + 2).fill(97),
  });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Cannot read the secret: it is larger than 1 MiB/);
});

Deno.test("secret set and rm refuse an invalid name without echoing it", async () => {
  for (const args of [["set", "sk proj 123"], ["rm", "sk/proj/123"]]) {
    const result = await airlock(["secret", ...args], { stdin: "v" });
    assert.equal(result.code, 2);
    assert.match(
      result.stderr,
      /credential: the name is not valid\n {2}hint: Use 1 to 128 characters/,
    );
    assert.ok(!result.stderr.includes("proj"));
  }
});

Deno.test("secret check exits 1 with a JSON report when a reference does not resolve", async () => {
  const result = await airlock(["secret", "check", "env:AIRLOCK_CLI_UNSET", "--json"], {
    unset: ["AIRLOCK_CLI_UNSET"],
  });
  assert.equal(result.code, 1);
  assert.deepEqual(JSON.parse(result.stdout), {
    ref: "env:AIRLOCK_CLI_UNSET",
    resolved: false,
    error: 'Cannot resolve credential "env:AIRLOCK_CLI_UNSET": the variable is not set',
    hint: "Export AIRLOCK_CLI_UNSET in the shell that runs airlock",
  });
});

Deno.test("secret check reports an unknown scheme with the list of schemes", async () => {
  const result = await airlock(["secret", "check", "vault:x", "--json"]);
  assert.equal(result.code, 1);
  const report = JSON.parse(result.stdout);
  assert.equal(report.ref, null);
  assert.match(report.hint, /keyring:NAME .*env:VAR, file:PATH or cmd:COMMAND/);
});

Deno.test("secret check --timeout limits a cmd: helper", async () => {
  const result = await airlock(["secret", "check", "cmd:sleep 30", "--timeout", "0.2"]);
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /Cannot resolve credential "cmd:sleep …": the helper "sleep" did not finish within 200 ms/,
  );
  const bad = await airlock(["secret", "check", "cmd:true", "--timeout", "soon"]);
  assert.equal(bad.code, 2);
});

Deno.test("secret check passes a helper's stderr through and counts its stdout", async () => {
  const result = await airlock([
    "secret",
    "check",
    `cmd:sh -c "echo helper-note >&2; printf abcd"`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "cmd:sh …: resolved (4 bytes)\n");
  assert.equal(result.stderr, "helper-note\n");
});

/** Runs `airlock secret set NAME` on a pseudo-terminal and types `keys` after the prompt. */
async function typeAtPrompt(name: string, keys: string): Promise<string> {
  const command = `'${Deno.execPath()}' run -A --no-check '${ROOT}main.ts' secret set ${name}`;
  const child = new Deno.Command("script", {
    args: ["-qfec", command, "/dev/null"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.getReader();
  let output = "";
  const decoder = new TextDecoder();
  while (!output.includes("(input hidden): ")) {
    const { done, value } = await reader.read();
    if (done) break;
    output += decoder.decode(value, { stream: true });
  }
  await writer.write(new TextEncoder().encode(keys));
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    output += decoder.decode(value, { stream: true });
  }
  await child.status;
  await writer.close().catch(() => {});
  await child.stderr.cancel();
  return output;
}

Deno.test({
  name: "secret set prompts on a terminal without echo, honouring backspace",
  ignore: NEEDS_KEYRING,
  async fn() {
    const name = uniqueName("cli-tty");
    const typed = "sk-typed-value";
    const output = await typeAtPrompt(name, `${typed}Z\x7f\r`);
    assert.ok(output.includes(`Secret for "${name}" (input hidden): `), output);
    assert.ok(output.includes(`Stored credential "${name}" in secret-service (14 bytes)`), output);
    assert.ok(!output.includes("typed"), output);
    assert.equal(await lookup(name), typed);
    await airlock(["secret", "rm", name]);
  },
});

Deno.test({
  name: "secret set on a terminal stores nothing when the prompt is cancelled with Ctrl-C",
  ignore: NEEDS_KEYRING,
  async fn() {
    const name = uniqueName("cli-tty-cancel");
    const output = await typeAtPrompt(name, "partial\x03");
    assert.match(output, /Cannot read the secret: the prompt was cancelled/);
    assert.ok(!output.includes("partial"));
    assert.equal(await lookup(name), "");
  },
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) out.push(...filesUnder(path));
    else if (entry.isFile) out.push(path);
  }
  return out;
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

Deno.test({
  name: "no secret subcommand writes the secret to stdout, stderr or any file",
  ignore: NEEDS_KEYRING,
  async fn() {
    const secret = randomSecret();
    const needle = new TextEncoder().encode(secret);
    const name = uniqueName("cli-leak");
    const home = Deno.makeTempDirSync({ prefix: "airlock-leak-home-" });
    const outside = Deno.makeTempDirSync({ prefix: "airlock-leak-src-" });
    const secretPath = `${outside}/key`;
    Deno.writeTextFileSync(secretPath, `${secret}\n`);
    Deno.chmodSync(secretPath, 0o600);
    const env = {
      HOME: home,
      XDG_STATE_HOME: `${home}/state`,
      XDG_CONFIG_HOME: `${home}/config`,
      XDG_CACHE_HOME: `${home}/cache`,
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      AIRLOCK_LEAK_TEST: secret,
    };
    const runs: Array<[string, Run]> = [];
    const step = async (args: string[], stdin?: string) =>
      runs.push([
        args.join(" "),
        await airlock(args, stdin === undefined ? { env } : { env, stdin }),
      ]);

    await step(["secret", "set", name], `${secret}\n`);
    await step(["secret", "set", name], secret); // overwrite
    await step(["secret", "set", name, secret]); // refused: value as an argument
    await step(["secret", "list"]);
    await step(["secret", "list", "--json"]);
    await step(["secret", "check", name]);
    await step(["secret", "check", `keyring:${name}`, "--json"]);
    await step(["secret", "check", "env:AIRLOCK_LEAK_TEST", "--json"]);
    await step(["secret", "check", `file:${secretPath}`]);
    await step(["secret", "check", `cmd:cat ${secretPath}`, "--json"]);
    await step(["secret", "check", `cmd:sh -c "cat ${secretPath}; exit 4"`]); // fails after printing
    Deno.chmodSync(secretPath, 0o644);
    await step(["secret", "check", `file:${secretPath}`, "--json"]); // refused: mode
    await step(["secret", "rm", name]);
    await step(["secret", "rm", name]); // missing
    await step(["secret", "check", name]); // missing

    assert.equal(runs[0]![1].code, 0, runs[0]![1].stderr);
    assert.equal(runs[5]![1].code, 0, runs[5]![1].stderr);
    assert.equal(runs.length, 15);
    for (const [what, result] of runs) {
      assert.ok(!contains(result.stdoutBytes, needle), `stdout of "${what}" holds the secret`);
      assert.ok(!contains(result.stderrBytes, needle), `stderr of "${what}" holds the secret`);
    }
    for (const file of filesUnder(home)) {
      assert.ok(!contains(Deno.readFileSync(file), needle), `${file} holds the secret`);
    }
    Deno.removeSync(home, { recursive: true });
    Deno.removeSync(outside, { recursive: true });
  },
});
