// generateContent with the official @google/genai SDK (reads GOOGLE_GEMINI_BASE_URL,
// GEMINI_API_KEY; the key goes in x-goog-api-key). With --query-key the same call is made
// with fetch and the key in `?key=`, as older Gemini clients do.
// Usage: node gemini_generate.mjs [--stream | --query-key]
import { GoogleGenAI } from "@google/genai";
import { emit, run } from "./_out.mjs";

await run(async () => {
  const model = "gemini-fake";
  const contents = "hello";
  if (process.argv.includes("--query-key")) {
    const base = process.env.GOOGLE_GEMINI_BASE_URL;
    const key = encodeURIComponent(process.env.GEMINI_API_KEY ?? "");
    const res = await fetch(
      `${base}/v1beta/models/${model}:generateContent?key=${key}`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          contents: [{ role: "user", parts: [{ text: contents }] }],
        }),
      },
    );
    const body = await res.json();
    if (!res.ok) {
      throw Object.assign(new Error(body?.error?.message ?? "failed"), {
        status: res.status,
      });
    }
    emit("text", { text: body.candidates[0].content.parts[0].text });
    return;
  }
  const ai = new GoogleGenAI({});
  if (process.argv.includes("--stream")) {
    const stream = await ai.models.generateContentStream({ model, contents });
    for await (const chunk of stream) emit("chunk", { text: chunk.text });
  } else {
    const res = await ai.models.generateContent({ model, contents });
    emit("text", { text: res.text });
  }
});
