/**
 * A line splitter for text streams (std's TextLineStream is not available offline).
 *
 * @module
 */

/** Splits a text stream into lines (without the line ends). */
export class TextLineStream extends TransformStream<string, string> {
  constructor() {
    let rest = "";
    super({
      transform(chunk, controller) {
        rest += chunk;
        const parts = rest.split("\n");
        rest = parts.pop() ?? "";
        for (const p of parts) controller.enqueue(p.replace(/\r$/, ""));
      },
      flush(controller) {
        if (rest) controller.enqueue(rest);
      },
    });
  }
}
