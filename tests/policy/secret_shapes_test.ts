import { equal } from "node:assert/strict";
import { secretShape } from "../../src/policy/secret_shapes.ts";

// Fake keys are assembled at run time so that no file holds a string a secret scanner
// would flag; each has its provider's prefix, length and alphabet.
const ALNUM = (n: number) => "a1B2c3D4e5".repeat(Math.ceil(n / 10)).slice(0, n);
const HEX = (n: number) => "0f1e2d3c4b5a6978".repeat(Math.ceil(n / 16)).slice(0, n);
const JWT = ["eyJhbGciOiJIUzI1NiJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "dozjgNryP4J3jVmNHl0w5N_XgL0"]
  .join(".");

/** [description, value, expected kind]: each must be found. */
const SECRETS: [string, string, string][] = [
  ["PEM RSA key", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow==", "a PEM private key"],
  ["PEM PKCS#8 key", "-----BEGIN PRIVATE KEY-----", "a PEM private key"],
  ["OpenSSH key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl", "a PEM private key"],
  ["encrypted PEM key", "-----BEGIN ENCRYPTED PRIVATE KEY-----", "a PEM private key"],
  ["PGP key block", "-----BEGIN PGP PRIVATE KEY BLOCK-----", "a PEM private key"],
  ["PuTTY key", "PuTTY-User-Key-File-3: ssh-ed25519", "a PuTTY private key"],
  ["age key", `AGE-SECRET-KEY-1${"QZ7".repeat(20).slice(0, 58)}`, "an age secret key"],
  ["JWT", JWT, "a JSON Web Token"],
  ["JWT after Bearer", `Bearer ${JWT}`, "a JSON Web Token"],
  ["GitHub classic PAT", `ghp_${ALNUM(36)}`, "a GitHub token"],
  ["GitHub OAuth token", `gho_${ALNUM(36)}`, "a GitHub token"],
  ["GitHub user-to-server token", `ghu_${ALNUM(36)}`, "a GitHub token"],
  ["GitHub server-to-server token", `ghs_${ALNUM(36)}`, "a GitHub token"],
  ["GitHub refresh token", `ghr_${ALNUM(36)}`, "a GitHub token"],
  ["GitHub fine-grained PAT", `github_pat_${ALNUM(22)}_${ALNUM(59)}`, "a GitHub token"],
  ["GitHub token in a header", `Authorization: token ghp_${ALNUM(36)}`, "a GitHub token"],
  ["GitLab PAT", `glpat-${ALNUM(20)}`, "a GitLab token"],
  ["GitLab deploy token", `gldt-${ALNUM(20)}`, "a GitLab token"],
  ["Slack bot token", `xoxb-1234567890-1234567890-${ALNUM(24)}`, "a Slack token"],
  ["Slack user token", `xoxp-1234567890-1234567890-${ALNUM(24)}`, "a Slack token"],
  ["Slack app token", `xapp-1-A0123ABCD-1234567890-${HEX(32)}`, "a Slack token"],
  [
    "Slack webhook URL",
    `https://hooks.slack.com/services/T00000000/B00000000/${ALNUM(24)}`,
    "a Slack webhook URL",
  ],
  [
    "Discord webhook URL",
    `https://discord.com/api/webhooks/123456789012345678/${ALNUM(40)}`,
    "a Discord webhook URL",
  ],
  ["Stripe live key", `sk_live_${ALNUM(24)}`, "a Stripe secret key"],
  ["Stripe test key", `sk_test_${ALNUM(24)}`, "a Stripe secret key"],
  ["Stripe restricted key", `rk_live_${ALNUM(24)}`, "a Stripe secret key"],
  ["Stripe webhook secret", `whsec_${ALNUM(32)}`, "a Stripe webhook secret"],
  ["AWS access key id", "AKIA" + "IOSFODNN7EXAMPLE", "an AWS access key id"],
  ["AWS temporary key id", "ASIA" + "Y34FZKBOKMUTVV7A", "an AWS access key id"],
  ["AWS key in an export line", `export K=AKIA${"Q".repeat(16)}`, "an AWS access key id"],
  ["Google API key", `AIza${ALNUM(35)}`, "a Google API key"],
  ["Google OAuth access token", `ya29.${ALNUM(40)}`, "a Google OAuth token"],
  ["Google OAuth client secret", `GOCSPX-${ALNUM(28)}`, "a Google OAuth client secret"],
  ["Hugging Face token", `hf_${ALNUM(34)}`, "a Hugging Face token"],
  ["npm token", `npm_${ALNUM(36)}`, "an npm token"],
  ["PyPI token", `pypi-AgEIcHlwaS5vcmc${ALNUM(60)}`, "a PyPI token"],
  ["Docker Hub PAT", `dckr_pat_${ALNUM(27)}`, "a Docker Hub token"],
  ["DigitalOcean token", `dop_v1_${HEX(64)}`, "a DigitalOcean token"],
  ["OpenAI project key", `sk-proj-${ALNUM(48)}`, "an API key (sk-…)"],
  ["OpenAI legacy key", `sk-${ALNUM(48)}`, "an API key (sk-…)"],
  ["Anthropic key", `sk-ant-api03-${ALNUM(90)}-${ALNUM(6)}AA`, "an API key (sk-…)"],
  ["Anthropic OAuth token", `sk-ant-oat01-${ALNUM(90)}`, "an API key (sk-…)"],
  ["DeepSeek key (hex)", `sk-${HEX(32)}`, "an API key (sk-…)"],
  ["key inside JSON", `{"apiKey":"sk-or-v1-${HEX(64)}"}`, "an API key (sk-…)"],
  ["Groq key", `gsk_${ALNUM(52)}`, "a Groq API key"],
  ["xAI key", `xai-${ALNUM(80)}`, "an xAI API key"],
  ["Replicate token", `r8_${ALNUM(37)}`, "a Replicate token"],
  ["SendGrid key", `SG.${ALNUM(22)}.${ALNUM(43)}`, "a SendGrid API key"],
  ["Shopify token", `shpat_${HEX(32)}`, "a Shopify token"],
  ["Vault token", `hvs.${ALNUM(90)}`, "a Vault token"],
  ["Doppler token", `dp.pt.${ALNUM(43)}`, "a Doppler token"],
  ["Sentry user token", `sntryu_${HEX(64)}`, "a Sentry token"],
  ["Supabase token", `sbp_${HEX(40)}`, "a Supabase token"],
  ["Tailscale key", `tskey-auth-${ALNUM(30)}`, "a Tailscale key"],
  ["Linear key", `lin_api_${ALNUM(40)}`, "a Linear API key"],
  ["Databricks token", `dapi${HEX(32)}`, "a Databricks token"],
  ["Grafana service account token", `glsa_${ALNUM(32)}_${HEX(8)}`, "a Grafana token"],
  ["New Relic key", `NRAK-${"A1B2C3".repeat(5).slice(0, 27)}`, "a New Relic key"],
  ["Twilio API key", `SK${HEX(32)}`, "a Twilio API key"],
  ["PostgreSQL URL", "postgres://app:hunter2@db.internal:5432/app", "a URL with a password"],
  ["Redis URL without user", "redis://:s3cr3t@cache:6379/0", "a URL with a password"],
  ["MySQL URL", "mysql://root:pw@localhost/db", "a URL with a password"],
  ["AMQP URL", "amqp://guest:guest@rabbit:5672/", "a URL with a password"],
  ["MongoDB SRV URL", "mongodb+srv://u:p4ss@cluster0.example.net/db", "a URL with a password"],
  [
    "git URL with a token",
    "https://x-access-token:abc123def@github.com/o/r.git",
    "a URL with a password",
  ],
  [
    "Sentry DSN",
    `https://${HEX(32)}@o123456.ingest.sentry.io/4504`,
    "a URL with a token as its user",
  ],
  [
    "query api_key",
    "https://api.example.com/v1/data?api_key=abcdef123456",
    "a URL with a secret query parameter",
  ],
  [
    "presigned S3 URL",
    `https://b.s3.amazonaws.com/o?X-Amz-Date=1&X-Amz-Signature=${HEX(64)}`,
    "a URL with a secret query parameter",
  ],
  [
    "Bitwarden session key",
    "5PBYGU+5yt3RHcCjoeJKx/wByU34vokGRZjXpSH7Ylo8w==",
    "a random-looking key",
  ],
  [
    "1Password session token",
    "Hkj3nd8-hhsieTBpEWu2Z03GV81WoqPzXyLm4aB7cDe",
    "a random-looking key",
  ],
  ["random base64 secret", "Zq3rT8vLm2Xp9Wk4Bn7Yc1Hd6Jf0Gs5Qa8Re3Ut", "a random-looking key"],
];

/** [description, value]: ordinary values that must pass. */
const ORDINARY: [string, string][] = [
  ["system PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
  [
    "PATH with tool directories",
    "/home/me/.local/bin:/home/me/.cargo/bin:/home/me/.nvm/versions/node/v22.11.0/bin:/opt/sk-tools/bin",
  ],
  ["path with desk-", "/home/me/projects/desk-app-2024-AbCdEfGhIjKlMnOpQr/node_modules/.bin"],
  ["JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"],
  ["nix store path", "/nix/store/0c0i5sv2zqrjlsjgx7a7cgpi0sps3bnl-bash-5.2/bin"],
  ["git SHA", "3f786850e387550fdab836ed7e6dc881de23001b"],
  ["sha256 digest", `sha256:${HEX(64)}`],
  ["hex without prefix", HEX(64)],
  ["UUID", "123e4567-e89b-12d3-a456-426614174000"],
  ["plain URL", "https://example.com/path"],
  ["registry URL with port and scope", "https://registry.npmjs.org:443/@scope/pkg"],
  ["URL with a port", "http://127.0.0.1:8080/callback?code=1"],
  ["ssh URL with a user", "ssh://git@github.com/org/repo.git"],
  ["scp-style git remote", "git@github.com:org/repo.git"],
  ["URL with a short user", "https://deploy@example.com/"],
  ["URL with an empty password", "https://user:@example.com/"],
  ["mail address", "mailto:someone@example.com"],
  ["a non-Slack hooks URL", "https://hooks.example.com/services/x"],
  ["locale", "en_US.UTF-8"],
  ["terminal", "xterm-256color"],
  ["LS_COLORS", "rs=0:di=01;34:ln=01;36:mh=00:pi=40;33:so=01;35:*.tar=01;31"],
  ["model name", "claude-sonnet-4-5-20250929"],
  ["Bedrock model id", "us.anthropic.claude-3-7-sonnet-20250219-v1:0"],
  ["sk- word", "sk-learn"],
  ["sk- words", "sk-learn-project-experiments"],
  ["task- prefix", "task-abcdefghijklmnopqrstuvwxyz0123456789ABC"],
  ["risk- in a name", "risk-Assessment-Report-2024-Final-Version"],
  ["AKIA inside a longer word", `XAKIA${"Q".repeat(16)}`],
  ["JWT header alone", "eyJhbGciOiJIUzI1NiJ9"],
  ["CamelCase words with a digit", "CamelCaseProjectNameVersion2Release"],
  ["configuration name", "MyApplicationServiceConfiguration2024"],
  ["short", "on"],
  ["number", "1234567890123456789012345678901234567890"],
  ["sentence", "Please review the following changes carefully"],
  ["key=value outside a URL", "api_key=abc"],
  ["PEM certificate (public)", "-----BEGIN CERTIFICATE-----\nMIIB"],
  ["PEM public key", "-----BEGIN PUBLIC KEY-----"],
];

for (const [what, value, kind] of SECRETS) {
  Deno.test(`secretShape() finds ${what}`, () => {
    equal(secretShape(value), kind);
  });
}

for (const [what, value] of ORDINARY) {
  Deno.test(`secretShape() passes ${what}`, () => {
    equal(secretShape(value), null);
  });
}

Deno.test("secretShape() never returns the value or part of it", () => {
  for (const [, value] of SECRETS) {
    const kind = secretShape(value) ?? "";
    equal(kind.includes(value.slice(0, 12)), false, kind);
  }
});
