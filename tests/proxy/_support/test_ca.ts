/**
 * A throw-away test CA and a leaf certificate for the fake upstreams, made with the
 * `openssl` CLI (ECDSA P-256) in a temporary directory.
 *
 * @module
 */

/** PEM files of a test CA and one server certificate. */
export interface TestCa {
  /** Directory holding the files. */
  dir: string;
  /** Path of the CA certificate (for `--upstream-ca`). */
  caFile: string;
  /** CA certificate PEM. */
  caPem: string;
  /** Leaf certificate PEM. */
  certPem: string;
  /** Leaf private key PEM. */
  keyPem: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const out = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** The names every test leaf certificate covers. */
export const TEST_NAMES = [
  "api.openai.com",
  "api.anthropic.com",
  "generativelanguage.googleapis.com",
  "allowed.test",
  "refused.test",
  "custom.test",
  "localhost",
  "api.github.com",
  "github.com",
  "registry.corp.test",
  "pypi.corp.test",
];

/**
 * Creates a CA and a leaf for {@linkcode TEST_NAMES} (plus IP 127.0.0.1).
 *
 * @returns The PEMs and paths.
 */
export async function createTestCa(): Promise<TestCa> {
  const dir = await Deno.makeTempDir({ prefix: "airlock-ca-" });
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "2",
    "-subj",
    "/CN=airlock test CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ], dir);
  await openssl([
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "leaf.key",
    "-out",
    "leaf.csr",
    "-subj",
    "/CN=fake upstream",
  ], dir);
  const san = [...TEST_NAMES.map((n) => `DNS:${n}`), "IP:127.0.0.1"].join(",");
  await Deno.writeTextFile(
    `${dir}/ext.cnf`,
    `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "leaf.pem",
    "-days",
    "2",
    "-extfile",
    "ext.cnf",
  ], dir);
  return {
    dir,
    caFile: `${dir}/ca.pem`,
    caPem: await Deno.readTextFile(`${dir}/ca.pem`),
    certPem: await Deno.readTextFile(`${dir}/leaf.pem`),
    keyPem: await Deno.readTextFile(`${dir}/leaf.key`),
  };
}
