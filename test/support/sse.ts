/** Test helper: reads an SSE response into parsed messages ({event, id, data}). */
/** `at`: performance.now() when the message was parsed. */
export interface SseMessage { event: string; id?: string; data: any; at: number }

export class SseReader {
  readonly messages: SseMessage[] = [];
  private buffer = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private done = false;

  constructor(res: Response) { this.reader = res.body!.getReader(); }

  /** Reads until `pred` holds for the messages so far (or `timeoutMs` passes). */
  async until(pred: (msgs: SseMessage[]) => boolean, timeoutMs = 10_000): Promise<SseMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.messages)) {
      if (this.done) throw new Error(`stream ended; got ${JSON.stringify(this.messages.map((m) => m.event))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => m.event))}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const r = await Promise.race([
        this.reader.read(),
        new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), left); }),
      ]);
      clearTimeout(timer);
      if (r === 'timeout') continue;
      if (r.done) { this.done = true; continue; }
      this.buffer += this.decoder.decode(r.value, { stream: true });
      let sep: number;
      while ((sep = this.buffer.indexOf('\n\n')) >= 0) {
        const frame = this.buffer.slice(0, sep);
        this.buffer = this.buffer.slice(sep + 2);
        const msg: SseMessage = { event: 'message', data: '', at: performance.now() };
        const data: string[] = [];
        for (const line of frame.split('\n')) {
          const i = line.indexOf(':');
          const [k, v] = i < 0 ? [line, ''] : [line.slice(0, i), line.slice(i + 1).replace(/^ /, '')];
          if (k === 'event') msg.event = v;
          else if (k === 'id') msg.id = v;
          else if (k === 'data') data.push(v);
        }
        const text = data.join('\n');
        try { msg.data = JSON.parse(text); } catch { msg.data = text; }
        this.messages.push(msg);
      }
    }
    return this.messages;
  }

  of(event: string): SseMessage[] { return this.messages.filter((m) => m.event === event); }
  /** Sample items received so far. */
  samples(): any[] { return this.of('samples').flatMap((m) => m.data.items); }
  async close(): Promise<void> { await this.reader.cancel().catch(() => {}); }
}
