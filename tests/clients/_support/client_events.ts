/**
 * Reads the JSON-lines protocol of the SDK client scripts (`tests/clients/*.mjs`): each
 * stdout line that starts with `{` is one event (`{"event": "chunk", …}`); everything the
 * process printed is kept raw so tests can scan it for secret bytes.
 *
 * @module
 */

import { TextLineStream } from "./lines.ts";

/** A finished client process. */
export interface ClientRun {
  /** Its exit code. */
  code: number;
  /** Its events, in order. */
  events: Record<string, unknown>[];
  /** Its whole stdout and stderr. */
  raw: string;
}

/**
 * Collects a started client's events until it exits; kills it after `timeoutMs`.
 *
 * @param child The client, started with piped stdout and stderr.
 * @param onEvent Called for each event as it arrives (e.g. to release the next chunk).
 * @param timeoutMs When to give up and SIGKILL it.
 * @returns Exit code, events and raw output.
 */
export async function collectClientEvents(
  child: Deno.ChildProcess,
  onEvent: (ev: Record<string, unknown>) => void = () => {},
  timeoutMs = 60_000,
): Promise<ClientRun> {
  const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const stderr = new Response(child.stderr).text();
  const events: Record<string, unknown>[] = [];
  let raw = "";
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
    new TextLineStream(),
  );
  for await (const line of lines) {
    raw += line + "\n";
    if (!line.startsWith("{")) continue;
    const ev = JSON.parse(line) as Record<string, unknown>;
    events.push(ev);
    onEvent(ev);
  }
  const status = await child.status;
  clearTimeout(killer);
  raw += await stderr;
  return { code: status.code, events, raw };
}
