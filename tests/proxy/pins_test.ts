import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { ProxyError } from "../../src/errors.ts";
import { parsePins } from "../../src/proxy/pins.ts";

Deno.test("parsePins() reads curl's HOST:PORT:ADDR with several addresses and IPv6", () => {
  const pins = parsePins(["API.openai.com:443:127.0.0.1,127.0.0.2", "x.test:8443:[::1]"]);
  assertEquals(pins.get("api.openai.com:443"), ["127.0.0.1", "127.0.0.2"]);
  assertEquals(pins.get("x.test:8443"), ["::1"]);
});

const BAD: [string, RegExp][] = [
  ["api.openai.com", /expected HOST:PORT:ADDR/],
  ["api.openai.com:443", /expected HOST:PORT:ADDR/],
  [":443:127.0.0.1", /expected HOST:PORT:ADDR/],
  ["h:0:127.0.0.1", /port must be 1 to 65535/],
  ["h:x:127.0.0.1", /port must be 1 to 65535/],
  ["h:443:not-an-ip", /is not an IP address/],
  ["+h:443:127.0.0.1", /is not a host name/],
  ["*:443:127.0.0.1", /is not a host name/],
];

for (const [entry, message] of BAD) {
  Deno.test(`parsePins() rejects "${entry}" naming the entry`, () => {
    throws(() => parsePins([entry]), (err: Error) => {
      return err instanceof ProxyError && message.test(err.message) &&
        err.message.includes(`"${entry}"`);
    });
  });
}
