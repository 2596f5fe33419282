// A Server-Sent Events parser (WHATWG rules: `event`, `data`, `id`, `retry`, comments, CR/LF/CRLF
// line ends). Browser-safe, so the renderer and Node share it.

export interface SseMessage {
  event: string;
  data: string;
  id: string;
}

export interface SseHandlers {
  message(m: SseMessage): void;
  retry?(ms: number): void;
  comment?(text: string): void;
}

export class SseParser {
  private buf = '';
  private event = '';
  private data: string[] = [];
  private id = '';
  private sawCR = false;

  constructor(private readonly h: SseHandlers) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.sawCR && text.startsWith('\n')) text = text.slice(1);
    this.sawCR = text.endsWith('\r');
    this.buf += text;
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.buf.slice(start, i));
      if (c === '\r' && this.buf[i + 1] === '\n') i++;
      start = i + 1;
    }
    this.buf = this.buf.slice(start);
  }

  private line(l: string): void {
    if (l === '') {
      if (this.data.length > 0) this.h.message({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      this.event = '';
      this.data = [];
      return;
    }
    if (l.startsWith(':')) {
      this.h.comment?.(l.slice(1).trim());
      return;
    }
    const colon = l.indexOf(':');
    const field = colon >= 0 ? l.slice(0, colon) : l;
    let value = colon >= 0 ? l.slice(colon + 1) : '';
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.h.retry?.(Number(value));
        break;
    }
  }
}
