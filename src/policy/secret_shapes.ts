/**
 * Credential shapes in variable values: a value that would reach the command is checked
 * against provider key prefixes (`ghp_`, `sk-`, `AKIA`, …), JWTs, URLs carrying a
 * password or token, webhook URLs, PEM private keys and random-looking keys, and removed
 * when one matches, whatever the variable is called.
 *
 * The rules are written to miss ordinary values: a prefix counts only at the start of a
 * token (`desk-` is not `sk-`) and only with a body of the provider's length and
 * alphabet; a URL counts only with a password, a token-like user or a secret query
 * parameter; hex strings (git SHAs, digests, UUIDs) and paths are never "random keys".
 * Everything is compiled once; a value costs one scan of one expression, plus a counting
 * pass for long single-token values.
 *
 * @module
 */

/** One shape: what it is (for the reason) and the expression source. */
interface Shape {
  /** Shown as "the value looks like {kind}". */
  kind: string;
  /** Expression source; matched anywhere, after a token boundary. */
  source: string;
}

/** A token boundary: the match does not continue a word or a key. */
const B = "(?<![A-Za-z0-9_])";

/** The shapes, most specific first (the first that matches names the reason). */
const SHAPES: readonly Shape[] = [
  { kind: "a PEM private key", source: "-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----" },
  { kind: "a PuTTY private key", source: "PuTTY-User-Key-File-\\d" },
  { kind: "an age secret key", source: `${B}AGE-SECRET-KEY-1[0-9A-Z]{58}` },
  { kind: "a JSON Web Token", source: `${B}eyJ[\\w-]{10,}\\.eyJ[\\w-]{10,}\\.[\\w-]*` },
  { kind: "a GitHub token", source: `${B}gh[pousr]_[A-Za-z0-9]{36,}` },
  { kind: "a GitHub token", source: `${B}github_pat_\\w{40,}` },
  {
    kind: "a GitLab token",
    source: `${B}gl(?:pat|dt|rt|ptt|ft|imt|agent|soat|cbt)-[\\w-]{20,}`,
  },
  { kind: "a Slack token", source: `${B}xox[abposre]-[A-Za-z0-9-]{10,}` },
  { kind: "a Slack token", source: `${B}xapp-\\d-[A-Z0-9]+-\\d+-[a-z0-9]+` },
  {
    kind: "a Slack webhook URL",
    source: "https://hooks\\.slack\\.com/(?:services|workflows|triggers)/[\\w/-]+",
  },
  {
    kind: "a Discord webhook URL",
    source: "https://(?:[a-z]+\\.)?discord(?:app)?\\.com/api/webhooks/\\d+/[\\w-]+",
  },
  { kind: "a Stripe secret key", source: `${B}(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,}` },
  { kind: "a Stripe webhook secret", source: `${B}whsec_[A-Za-z0-9]{20,}` },
  {
    kind: "an AWS access key id",
    source: `${B}(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])`,
  },
  { kind: "a Google API key", source: `${B}AIza[\\w-]{35}` },
  { kind: "a Google OAuth token", source: `${B}ya29\\.[\\w-]{20,}` },
  { kind: "a Google OAuth client secret", source: `${B}GOCSPX-[\\w-]{20,}` },
  { kind: "a Hugging Face token", source: `${B}(?:hf_|api_org_)[A-Za-z0-9]{30,}` },
  { kind: "an npm token", source: `${B}npm_[A-Za-z0-9]{36,}` },
  { kind: "a PyPI token", source: `${B}pypi-AgEIcHlwaS5vcmc[\\w-]{50,}` },
  { kind: "a Docker Hub token", source: `${B}dckr_pat_[\\w-]{20,}` },
  { kind: "a DigitalOcean token", source: `${B}do[opr]_v1_[a-f0-9]{64}` },
  // sk-: OpenAI (sk-proj-…, sk-svcacct-…), Anthropic (sk-ant-…), OpenRouter (sk-or-v1-…),
  // DeepSeek (sk- and 32 hex). The body must look random: mixed case and digits, or hex.
  { kind: "an API key (sk-…)", source: `${B}sk-(?:ant-|proj-|svcacct-|admin-|or-v1-)[\\w-]{20,}` },
  {
    kind: "an API key (sk-…)",
    source: `${B}sk-(?=[\\w-]*[0-9])(?=[\\w-]*[A-Z])(?=[\\w-]*[a-z])[\\w-]{20,}`,
  },
  { kind: "an API key (sk-…)", source: `${B}sk-[0-9a-f]{32,}(?![\\w-])` },
  { kind: "a Groq API key", source: `${B}gsk_[A-Za-z0-9]{48,}` },
  { kind: "an xAI API key", source: `${B}xai-[A-Za-z0-9]{60,}` },
  { kind: "a Replicate token", source: `${B}r8_[A-Za-z0-9]{30,}` },
  { kind: "a Perplexity API key", source: `${B}pplx-[A-Za-z0-9]{40,}` },
  { kind: "a SendGrid API key", source: `${B}SG\\.[\\w-]{16,}\\.[\\w-]{30,}` },
  { kind: "a Shopify token", source: `${B}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}` },
  { kind: "a Vault token", source: `${B}hv[sbr]\\.[\\w-]{24,}` },
  { kind: "a Doppler token", source: `${B}dp\\.(?:pt|st|sa|ct|scim|audit)\\.[A-Za-z0-9]{40,}` },
  { kind: "a Sentry token", source: `${B}sntry[su]_[\\w=+/-]{40,}` },
  { kind: "a Supabase token", source: `${B}sbp_[a-f0-9]{40}` },
  { kind: "a Tailscale key", source: `${B}tskey-[\\w-]{20,}` },
  { kind: "a Linear API key", source: `${B}lin_api_[A-Za-z0-9]{40}` },
  { kind: "a Postman API key", source: `${B}PMAK-[a-f0-9]{24}-[a-f0-9]{34}` },
  { kind: "a Databricks token", source: `${B}dapi[a-f0-9]{32}(?![a-f0-9])` },
  {
    kind: "a Grafana token",
    source: `${B}(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[\\w+/]{32,})`,
  },
  { kind: "an Atlassian API token", source: `${B}ATATT3[\\w=-]{100,}` },
  { kind: "a New Relic key", source: `${B}NRAK-[A-Z0-9]{27}` },
  { kind: "a Notion token", source: `${B}(?:ntn_[A-Za-z0-9]{40,}|secret_[A-Za-z0-9]{43})` },
  { kind: "a Figma token", source: `${B}figd_[\\w-]{40,}` },
  { kind: "a Pulumi token", source: `${B}pul-[a-f0-9]{40}` },
  { kind: "a Twilio API key", source: `${B}SK[0-9a-fA-F]{32}(?![0-9a-fA-F])` },
  { kind: "a Mailgun API key", source: `${B}key-[0-9a-f]{32}(?![0-9a-f])` },
  // scheme://user:password@ (redis://:password@ too); the password may not hold / ? # @.
  { kind: "a URL with a password", source: "[A-Za-z][A-Za-z0-9+.-]*://[^\\s/?#@:]*:[^\\s/?#@]+@" },
  // scheme://TOKEN@ (Sentry DSN keys, https://ghp_…@github.com): a long user with a digit.
  {
    kind: "a URL with a token as its user",
    source: "[A-Za-z][A-Za-z0-9+.-]*://(?=[\\w-]*[0-9])[\\w-]{20,}@",
  },
  {
    kind: "a URL with a secret query parameter",
    source:
      "[?&](?:access_token|refresh_token|id_token|token|api_key|apikey|key|secret|client_secret|password|passwd|pwd|sig|signature|auth|X-Amz-Signature|X-Amz-Credential|X-Goog-Signature|X-Goog-Credential)=[^&#\\s]{6,}",
  },
];

/** All shapes as one expression: one scan per value. */
const ANY_SHAPE = new RegExp(SHAPES.map((s) => `(?:${s.source})`).join("|"));

/** Each shape alone, to name the one that matched (only after ANY_SHAPE matched). */
const EACH_SHAPE: readonly { kind: string; re: RegExp }[] = SHAPES.map((s) => ({
  kind: s.kind,
  re: new RegExp(s.source),
}));

/** A single token of a key alphabet (base64, base64url), long enough for a key. */
const KEY_TOKEN = /^[A-Za-z0-9+/=_-]{32,}$/;

/** 1 upper, 2 lower, 3 digit, 0 other. */
function charClass(code: number): number {
  if (code >= 65 && code <= 90) return 1;
  if (code >= 97 && code <= 122) return 2;
  if (code >= 48 && code <= 57) return 3;
  return 0;
}

/**
 * Whether a single-token value looks like a random key (a Bitwarden or 1Password session
 * key, an AWS secret access key): upper case, lower case and digits, switching between
 * them in at least 40% of adjacent letter/digit pairs. Words in CamelCase switch far less
 * (`MyApplicationConfiguration2024`: 22%); random base64 about 64%. Hex (git SHAs,
 * digests) has no upper case and paths start with `/`: neither counts.
 */
function looksRandom(value: string): boolean {
  if (value.charCodeAt(0) === 47 || !KEY_TOKEN.test(value)) return false;
  const seen = [false, false, false, false];
  let prev = 0;
  let pairs = 0;
  let switches = 0;
  for (let i = 0; i < value.length; i++) {
    const k = charClass(value.charCodeAt(i));
    if (k === 0) continue;
    seen[k] = true;
    if (prev !== 0) {
      pairs++;
      if (k !== prev) switches++;
    }
    prev = k;
  }
  return seen[1]! && seen[2]! && seen[3]! && switches >= 0.4 * pairs;
}

/**
 * What credential a value looks like, or null when it looks like none.
 *
 * @param value The variable's value.
 * @returns A short description ("a GitHub token", "a URL with a password"), never the value.
 * @example
 * ```ts
 * import { secretShape } from "./secret_shapes.ts";
 * console.assert(secretShape("postgres://app:hunter2@db:5432/app") === "a URL with a password");
 * console.assert(secretShape("ghp_" + "a1B2".repeat(9)) === "a GitHub token");
 * console.assert(secretShape("/usr/local/bin:/usr/bin") === null);
 * console.assert(secretShape("https://example.com/path") === null);
 * ```
 */
export function secretShape(value: string): string | null {
  if (value.length < 8) return null; // shorter than every shape (`a://:p@h`)
  if (ANY_SHAPE.test(value)) {
    for (const shape of EACH_SHAPE) if (shape.re.test(value)) return shape.kind;
  }
  return value.length >= 32 && looksRandom(value) ? "a random-looking key" : null;
}
