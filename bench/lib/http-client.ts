import net from 'node:net';

/**
 * A deliberately small HTTP/1.1 client over one keep-alive socket, one request at a time. The load
 * generator shares a 2-core machine with the server it measures, so it must cost as little CPU per
 * request as possible: requests are pre-formatted bytes, and a response is parsed just enough to
 * know its status, its length and (when asked) its body.
 */
export interface HttpResponse {
  readonly status: number;
  readonly location: string | undefined;
  /** Only kept when the request asked for it. */
  readonly body: Buffer | undefined;
}

export interface RequestSpec {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly keepBody?: boolean;
}

const CRLF2 = Buffer.from('\r\n\r\n');

export function formatRequest(host: string, spec: RequestSpec): Buffer {
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'utf8');
  let head = `${spec.method} ${spec.path} HTTP/1.1\r\nHost: ${host}\r\n`;
  if (body) head += `Content-Type: ${spec.contentType ?? 'application/json'}\r\nContent-Length: ${body.length}\r\n`;
  head += '\r\n';
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}

interface Waiting {
  readonly keepBody: boolean;
  readonly resolve: (response: HttpResponse) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

export class HttpConnection {
  private socket: net.Socket | undefined;
  private connecting: Promise<void> | undefined;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: Waiting | undefined;
  /** Parsed head of the response being read: body length (-1: chunked), status, location, where the body starts. */
  private head: { status: number; location: string | undefined; length: number; bodyStart: number; close: boolean } | undefined;
  readonly hostHeader: string;

  constructor(
    readonly host: string,
    readonly port: number,
    private readonly timeoutMs = 60_000,
  ) {
    this.hostHeader = `${host}:${port}`;
  }

  get busy(): boolean {
    return this.waiting !== undefined;
  }

  connect(): Promise<void> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve();
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const fail = (error: Error) => {
        this.connecting = undefined;
        reject(error);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        socket.off('error', fail);
        // Handlers only act while this socket is the current one: an old socket may close late.
        socket.on('error', (error) => this.socket === socket && this.failPending(error));
        socket.on('close', () => this.socket === socket && this.failPending(new Error('connection closed')));
        socket.on('data', (chunk: Buffer) => this.socket === socket && this.onData(chunk));
        this.socket = socket;
        this.connecting = undefined;
        resolve();
      });
    });
    return this.connecting;
  }

  async send(bytes: Buffer, keepBody = false): Promise<HttpResponse> {
    if (this.waiting) throw new Error('one request at a time on a connection');
    if (!this.socket || this.socket.destroyed) await this.connect();
    const socket = this.socket;
    if (!socket) throw new Error('not connected');
    return new Promise<HttpResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.failPending(new Error('timeout'));
        socket.destroy();
      }, this.timeoutMs);
      this.waiting = { keepBody, resolve, reject, timer };
      this.chunks = [];
      this.buffered = 0;
      this.head = undefined;
      socket.write(bytes);
    });
  }

  close(): void {
    this.failPending(new Error('closed by the client'));
  }

  private failPending(error: Error): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    this.socket?.destroy();
    this.socket = undefined;
    if (waiting) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
  }

  private onData(chunk: Buffer): void {
    if (!this.waiting) return; // stray bytes after a timeout: the socket is being dropped anyway
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const data = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    if (this.chunks.length > 1) this.chunks = [data];
    if (!this.head) {
      const end = data.indexOf(CRLF2);
      if (end < 0) return;
      this.head = parseHead(data.toString('latin1', 0, end), end + 4);
    }
    const head = this.head;
    let body: Buffer | undefined;
    if (head.length >= 0) {
      if (data.length < head.bodyStart + head.length) return;
      body = data.subarray(head.bodyStart, head.bodyStart + head.length);
    } else {
      body = decodeChunked(data, head.bodyStart);
      if (!body) return;
    }
    const waiting = this.waiting;
    this.waiting = undefined;
    clearTimeout(waiting.timer);
    if (head.close) {
      this.socket?.end();
      this.socket = undefined;
    }
    waiting.resolve({ status: head.status, location: head.location, body: waiting.keepBody ? Buffer.from(body) : undefined });
  }
}

function parseHead(text: string, bodyStart: number) {
  const lines = text.split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  let length = 0;
  let chunked = false;
  let location: string | undefined;
  let close = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
    else if (name === 'location') location = value;
    else if (name === 'connection') close = value.toLowerCase() === 'close';
  }
  return { status, location, length: chunked ? -1 : length, bodyStart, close };
}

/** The body of a complete chunked message, or undefined while it is incomplete. */
function decodeChunked(data: Buffer, start: number): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size)) throw new Error('bad chunk size');
    const dataStart = lineEnd + 2;
    if (size === 0) {
      // Trailers are not used by the servers we measure: the message ends with one more CRLF.
      if (data.length < dataStart + 2) return undefined;
      return Buffer.concat(parts);
    }
    if (data.length < dataStart + size + 2) return undefined;
    parts.push(data.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}
