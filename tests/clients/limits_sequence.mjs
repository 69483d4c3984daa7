// Calls in sequence with the official SDKs and reports each call's status, for the token
// limits test. Usage: node limits_sequence.mjs openai:MODEL | anthropic-stream …
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";
import { emit, run } from "./_out.mjs";

await run(async () => {
  const openai = new OpenAI({ maxRetries: 0 });
  const anthropic = new Anthropic({ maxRetries: 0 });
  const messages = [{ role: "user", content: "hello" }];
  for (const call of process.argv.slice(2)) {
    try {
      if (call.startsWith("openai:")) {
        await openai.chat.completions.create({ model: call.slice(7), messages });
      } else {
        const stream = await anthropic.messages.create({
          model: "claude-fake",
          max_tokens: 64,
          messages,
          stream: true,
        });
        for await (const ev of stream) {
          if (ev.type === "content_block_delta") emit("chunk", { text: ev.delta.text });
        }
      }
      emit("call", { call, status: 200 });
    } catch (err) {
      emit("call", {
        call,
        status: err?.status ?? null,
        kind: err?.constructor?.name,
        message: String(err?.message ?? err),
      });
    }
  }
});
