/**
 * Which variable names the command may inherit: the built-in allowlist of conventional,
 * non-secret names, the names left out on purpose (with the reason), and the shapes of
 * names that look like credentials. Data and two predicates; the decisions are made in
 * `env_filter.ts`.
 *
 * Every allowed name carries a location, a preference or a switch — never an identity
 * handle or a key. The command can learn most of them anyway (`getcwd`, `/etc/passwd`,
 * `uname`); what it must not get is a way to act as the user (an agent socket, the
 * display, a key), so those stay out even though they are "just paths".
 *
 * @module
 */

/** Exact names passed by default, grouped by what they are; the reason is in the comment. */
export const ALLOWED_NAMES: readonly string[] = [
  // Who and where: the account, its shell and directories (the command can read them from
  // /etc/passwd and getcwd anyway).
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "PATH",
  "PWD",
  "SHLVL",
  "HOSTNAME",
  "TMPDIR",
  // Language, time and formatting preferences (LC_* below).
  "LANG",
  "LANGUAGE",
  "TZ",
  // The command's own terminal: type, size and colour preferences (other terminals are
  // unreachable; these only describe the one it was given).
  "TERM",
  "COLORTERM",
  "TERMINFO",
  "TERMINFO_DIRS",
  "TERM_PROGRAM",
  "TERM_PROGRAM_VERSION",
  "COLUMNS",
  "LINES",
  "NO_COLOR",
  "FORCE_COLOR",
  "CLICOLOR",
  "CLICOLOR_FORCE",
  "LS_COLORS",
  // Programs the agent may start for the user.
  "EDITOR",
  "VISUAL",
  "PAGER",
  "LESS",
  "MANPAGER",
  // XDG base directory lists (the *_HOME ones match the pattern below). Not
  // XDG_RUNTIME_DIR: see EXCLUDED_NAMES.
  "XDG_CONFIG_DIRS",
  "XDG_DATA_DIRS",
  // Trust roots: paths of CA bundles, needed behind TLS-inspecting networks. A path only;
  // the file is readable only where a grant allows.
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "NODE_EXTRA_CA_CERTS",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "DENO_CERT",
  // Toolchain roots, caches and diagnostics switches (directories and flags).
  "GOPATH",
  "GOROOT",
  "GOBIN",
  "GOCACHE",
  "GOMODCACHE",
  "NVM_DIR",
  "NVM_BIN",
  "NVM_INC",
  "SDKMAN_DIR",
  "DENO_DIR",
  "DENO_INSTALL",
  "BUN_INSTALL",
  "CARGO_TARGET_DIR",
  "RUSTUP_TOOLCHAIN",
  "RUST_BACKTRACE",
  "RUST_LOG",
  "VIRTUAL_ENV",
  "CONDA_PREFIX",
  "CONDA_DEFAULT_ENV",
  "GEM_PATH",
  // Tools switch to non-interactive output when they see it.
  "CI",
];

/**
 * Name patterns passed by default (`*` = any run). A name they match that also looks like
 * a credential ({@linkcode looksLikeCredentialName}) is still removed.
 */
export const ALLOWED_PATTERNS: readonly string[] = [
  // Locale categories: LC_ALL, LC_CTYPE, …
  "LC_*",
  // Toolchain and tool roots: JAVA_HOME, CARGO_HOME, RUSTUP_HOME, GEM_HOME, PNPM_HOME,
  // VOLTA_HOME, GRADLE_USER_HOME, CODEX_HOME, XDG_CONFIG_HOME, …
  "*_HOME",
  // PYENV_ROOT, RBENV_ROOT, NODENV_ROOT, ANDROID_SDK_ROOT, DENO_INSTALL_ROOT, …
  "*_ROOT",
];

/**
 * Names left out on purpose although they are "just" paths or settings, with the reason
 * shown by `why --env` and `--dry-run`. `--env NAME` passes one when it is really needed.
 */
export const EXCLUDED_NAMES: Readonly<Record<string, string>> = {
  DISPLAY: "the X11 display, where a client can read and inject keystrokes in every window",
  WAYLAND_DISPLAY: "the Wayland display socket of the desktop session",
  XAUTHORITY: "the X11 authorisation cookie file",
  XDG_RUNTIME_DIR:
    "the directory of the session's sockets (D-Bus, keyring, agents, Wayland, audio)",
  SSH_AUTH_SOCK: "the ssh-agent socket, which signs as the user",
  GPG_AGENT_INFO: "the gpg-agent socket, which signs and decrypts as the user",
  DBUS_SESSION_BUS_ADDRESS: "the session D-Bus, which reaches the keyring and the desktop",
  KRB5CCNAME: "the Kerberos ticket cache",
  SSH_CONNECTION: "the remote client's address",
  SSH_CLIENT: "the remote client's address",
  SSH_TTY: "the remote login's terminal",
  HISTFILE: "the shell history file",
};

/**
 * Name shapes that look like credentials (case-insensitive), as one expression: a part
 * (between `_`) such as TOKEN, KEY, PAT, PWD, DSN or SESSION, or anywhere SECRET,
 * PASSWORD, PASSPHRASE, APIKEY, AUTHTOKEN, PRIVATE_KEY or CREDENTIAL, or a connection URL
 * that usually embeds a password (DATABASE_URL, REDIS_URL, …). `TOKENS` (a count) is not
 * TOKEN.
 */
const CREDENTIAL_NAME = new RegExp(
  [
    "SECRET",
    "PASS(?:WORD|WD|PHRASE)",
    "API_?KEY",
    "AUTH_?TOKEN",
    "PRIVATE_?KEY",
    "CREDENTIAL",
    "TOKEN$",
    "(?:^|_)(?:TOKEN|KEY|KEYS|PAT|PASS|AUTH|DSN|SESSION|COOKIE|WEBHOOK|JWT|BEARER|SIG|SIGNATURE)(?:_|$)",
    "_PWD(?:_|$)", // MYSQL_PWD, not PWD
    "(?:^|_)(?:DATABASE|DB|REDIS|MONGO|MONGODB|AMQP|RABBITMQ|BROKER|CELERY_BROKER)_UR[LI]$",
  ].join("|"),
  "i",
);

/**
 * Whether a name looks like a credential.
 *
 * @param name The variable name.
 * @returns True for names such as `GITHUB_PAT`, `MYSQL_PWD`, `BW_SESSION`, `SENTRY_DSN`.
 * @example
 * ```ts
 * import { looksLikeCredentialName } from "./env_names.ts";
 * console.assert(looksLikeCredentialName("GITHUB_PAT") && looksLikeCredentialName("OP_SESSION_my"));
 * console.assert(!looksLikeCredentialName("MAX_THINKING_TOKENS") && !looksLikeCredentialName("KEYBOARD"));
 * ```
 */
export function looksLikeCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** The allowed patterns as one anchored expression, compiled once. */
const ALLOWED_PATTERN_RE = new RegExp(
  `^(?:${ALLOWED_PATTERNS.map((g) => g.replaceAll("*", "[A-Za-z0-9_]*")).join("|")})$`,
);

const ALLOWED_SET: ReadonlySet<string> = new Set(ALLOWED_NAMES);

/**
 * Which built-in rule lets a name pass: the exact list or a pattern.
 *
 * @param name The variable name (case-sensitive, as the kernel stores it).
 * @returns `"name"` for an exact entry, the matching pattern (`"*_HOME"`), or null.
 * @example
 * ```ts
 * import { builtinAllow } from "./env_names.ts";
 * console.assert(builtinAllow("PATH") === "name" && builtinAllow("JAVA_HOME") === "*_HOME");
 * console.assert(builtinAllow("SSH_AUTH_SOCK") === null);
 * ```
 */
export function builtinAllow(name: string): string | null {
  if (ALLOWED_SET.has(name)) return "name";
  if (!ALLOWED_PATTERN_RE.test(name)) return null;
  for (const glob of ALLOWED_PATTERNS) {
    const body = glob.replace("*", "");
    if (glob.startsWith("*") ? name.endsWith(body) : name.startsWith(body)) return glob;
  }
  return null;
}
