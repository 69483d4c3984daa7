import { equal, ok, throws } from "node:assert/strict";
import { ProfileError } from "../../src/errors.ts";
import { pathVars } from "../../src/policy/paths.ts";
import { checkProtected, PROTECTED_PATHS, protectedPaths } from "../../src/policy/protected.ts";

const HOME = "/home/ada";
const LIST = [
  { path: `${HOME}/.ssh`, real: null, group: "SSH keys" },
  { path: `${HOME}/.bashrc`, real: "/dotfiles/bashrc", group: "shell start-up files" },
];

function grant(path: string, real = path) {
  return { path, real, origin: "--allow" };
}

Deno.test("PROTECTED_PATHS covers the required groups", () => {
  const all = PROTECTED_PATHS.flatMap((g) => g.paths);
  for (
    const p of [
      "~/.ssh",
      "~/.gnupg",
      "~/.aws",
      "~/.azure",
      "~/.config/gcloud",
      "~/.kube",
      "~/.docker",
      "~/.git-credentials",
      "~/.netrc",
      "~/.npmrc",
      "~/.pypirc",
      "~/.password-store",
      "~/.local/share/keyrings",
      "~/.mozilla",
      "~/.config/google-chrome",
      "~/.config/chromium",
      "~/.config/BraveSoftware",
      "~/.config/microsoft-edge",
      "~/snap/firefox",
      "~/Library/Application Support/Google/Chrome",
      "~/Library/Application Support/Firefox",
      "~/.bash_history",
      "~/.zsh_history",
      "~/.local/share/fish/fish_history",
      "~/.python_history",
      "~/.node_repl_history",
      "~/.psql_history",
      "~/.mysql_history",
      "~/.lesshst",
      "~/.bashrc",
      "~/.bash_profile",
      "~/.bash_login",
      "~/.bash_logout",
      "~/.profile",
      "~/.zshrc",
      "~/.zshenv",
      "~/.zprofile",
      "~/.zlogin",
      "~/.config/fish",
    ]
  ) ok(all.includes(p), p);
});

Deno.test("protectedPaths() expands every entry under HOME", async () => {
  const list = await protectedPaths(pathVars({ HOME: "/nonexistent-home" }, "/"));
  ok(list.every((p) => p.path.startsWith("/nonexistent-home/")));
  ok(list.some((p) => p.path === "/nonexistent-home/.config/airlock"));
});

Deno.test("checkProtected() refuses containing, equal and inner grants", () => {
  const cases: [string, ReturnType<typeof grant>, string][] = [
    [
      "contains",
      grant(HOME),
      'Cannot grant "/home/ada" (--allow): it contains the protected path "/home/ada/.ssh" (SSH keys)',
    ],
    ["root", grant("/"), 'it contains the protected path "/home/ada/.ssh"'],
    ["equal", grant(`${HOME}/.ssh`), "it is the protected path"],
    ["inside", grant(`${HOME}/.ssh/id_ed25519`), "it lies inside the protected path"],
    [
      "via real path of protected",
      grant("/dotfiles"),
      'it contains the protected path "/home/ada/.bashrc"',
    ],
    [
      "via real path of grant",
      grant("/data/link", `${HOME}/.ssh/keys`),
      'Cannot grant "/data/link" (--allow): it lies inside',
    ],
  ];
  for (const [label, g, part] of cases) {
    const err = (() => {
      try {
        checkProtected(g, LIST, []);
      } catch (e) {
        return e;
      }
      return null;
    })();
    ok(err instanceof ProfileError, label);
    ok(err.message.includes(part), `${label}: ${err.message}`);
    ok((err.hint ?? "").includes("--bypass-protection /home/ada/"), label);
  }
});

Deno.test("checkProtected() allows unrelated grants and bypassed protected paths", () => {
  checkProtected(grant(`${HOME}/projects`), LIST, []);
  checkProtected(grant(`${HOME}/.sshx`), LIST, []);
  checkProtected(grant(HOME), LIST, [`${HOME}/.ssh`, `${HOME}/.bashrc`]);
  checkProtected(grant(HOME), LIST, [HOME, "/dotfiles"]);
  throws(() => checkProtected(grant(HOME), LIST, [`${HOME}/.ssh`]), /\.bashrc/);
  equal(LIST.length, 2);
});
