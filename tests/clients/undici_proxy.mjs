// Fetches URL with undici's EnvHttpProxyAgent (honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY).
// Usage: node undici_proxy.mjs URL [CA_FILE]
import { readFileSync } from "node:fs";
import { EnvHttpProxyAgent, fetch } from "undici";
import { emit, run } from "./_out.mjs";

await run(async () => {
  const [url, caFile] = process.argv.slice(2);
  const ca = caFile ? readFileSync(caFile, "utf8") : undefined;
  const dispatcher = new EnvHttpProxyAgent(ca ? { requestTls: { ca } } : {});
  const res = await fetch(url, { dispatcher });
  emit("response", { status: res.status, body: await res.text() });
});
