// A message with the official @anthropic-ai/sdk (reads ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY).
// Usage: node anthropic_message.mjs [--stream]
import Anthropic from "@anthropic-ai/sdk";
import { emit, run } from "./_out.mjs";

await run(async () => {
  const client = new Anthropic({ maxRetries: 0 });
  const params = {
    model: "claude-fake",
    max_tokens: 16,
    messages: [{ role: "user", content: "hi" }],
  };
  if (process.argv.includes("--stream")) {
    const stream = client.messages.stream(params);
    stream.on("text", (text) => emit("chunk", { text }));
    await stream.finalMessage();
  } else {
    const res = await client.messages.create(params);
    emit("text", { text: res.content[0].text });
  }
});
