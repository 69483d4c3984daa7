/**
 * The Homebrew formula generator: the checksum for each OS and architecture is the one in
 * SHA256SUMS for that archive (checked by evaluating the formula in Ruby with a stand-in
 * `Formula` DSL per platform), `ruby -c` accepts it, and a missing archive or a malformed
 * line is refused.
 */

import { deepStrictEqual as equal, match, throws } from "node:assert/strict";
import { formula, parseSums } from "../../scripts/homebrew_formula.ts";
import { runProcess } from "../_process.ts";

const TARGETS = ["x86_64-linux", "aarch64-linux", "x86_64-macos", "aarch64-macos"];

function sums(version: string): string {
  return TARGETS.map((t, i) => `${String(i + 1).repeat(64)}  airlock-${version}-${t}.tar.gz\n`)
    .join("");
}

/** Ruby stand-in for Homebrew's DSL: prints the url and sha256 one platform selects. */
const DSL = `
$os, $arch = ARGV
class Formula
  %i[desc homepage version].each { |m| define_singleton_method(m) { |*| } }
  def self.on_macos; yield if $os == "macos"; end
  def self.on_linux; yield if $os == "linux"; end
  def self.on_arm; yield if $arch == "aarch64"; end
  def self.on_intel; yield if $arch == "x86_64"; end
  def self.url(u); puts "url #{u}"; end
  def self.sha256(s); puts "sha256 #{s}"; end
  def self.test; end
end
`;

Deno.test("formula() gives each platform its archive's URL and SHA256SUMS checksum", async () => {
  const text = sums("1.2.3");
  const rb = formula(parseSums(text), "1.2.3", "https://example.test/releases");
  const dir = await Deno.makeTempDir({ prefix: "airlock-brew-" });
  try {
    await Deno.writeTextFile(`${dir}/airlock.rb`, rb);
    await Deno.writeTextFile(`${dir}/dsl.rb`, `${DSL}\nload "${dir}/airlock.rb"\n`);
    const check = await runProcess("ruby", ["-c", `${dir}/airlock.rb`]);
    equal(check.stdout.trim(), "Syntax OK", check.stderr);
    for (const target of TARGETS) {
      const [arch, os] = target.split("-");
      const r = await runProcess("ruby", [`${dir}/dsl.rb`, os!, arch!]);
      equal(r.code, 0, r.stderr);
      const line = text.split("\n").find((l) => l.endsWith(`-${target}.tar.gz`))!;
      const [sha, file] = line.split("  ");
      equal(r.stdout, `url https://example.test/releases/download/v1.2.3/${file}\nsha256 ${sha}\n`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  match(rb, /assert_match "airlock #\{version\}", shell_output\("#\{bin\}\/airlock --version"\)/);
  match(rb, /generate_completions_from_executable\(bin\/"airlock", "completions"\)/);
  match(rb, /return unless OS\.linux\?[\s\S]*Landlock[\s\S]*bubblewrap/);
});

Deno.test("formula() refuses SHA256SUMS without an archive for every platform", () => {
  const partial = sums("1.2.3").split("\n").slice(1).join("\n");
  throws(
    () => formula(parseSums(partial), "1.2.3"),
    /SHA256SUMS has no airlock-1\.2\.3-x86_64-linux/,
  );
  throws(() => formula(parseSums(sums("1.2.3")), "1.2.4"), /has no airlock-1\.2\.4-/);
});

Deno.test("parseSums() refuses a line that is not <64 hex>  <file>", () => {
  throws(() => parseSums("<html>error</html>\n"), /malformed line "<html>error<\/html>"/);
  throws(() => parseSums(`${"a".repeat(63)}  x.tar.gz\n`), /malformed line/);
});
