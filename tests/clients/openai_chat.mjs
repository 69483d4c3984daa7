// A chat completion with the official openai SDK (reads OPENAI_BASE_URL, OPENAI_API_KEY).
// Usage: node openai_chat.mjs [--stream]
import OpenAI from "openai";
import { emit, run } from "./_out.mjs";

await run(async () => {
  const client = new OpenAI({ maxRetries: 0 });
  const messages = [{ role: "user", content: "hello" }];
  if (process.argv.includes("--stream")) {
    const stream = await client.chat.completions.create({
      model: "gpt-fake",
      messages,
      stream: true,
    });
    for await (const chunk of stream) {
      const text = chunk.choices[0]?.delta?.content;
      if (text) emit("chunk", { text });
    }
  } else {
    const res = await client.chat.completions.create({
      model: "gpt-fake",
      messages,
    });
    emit("text", { text: res.choices[0].message.content });
  }
});
