// The webview's side of the contract: one wrapper around acquireVsCodeApi that numbers requests,
// matches answers to them, and gives up on any request the host does not answer in time.
import type { FromWebview, ToWebview, WebviewRequest } from '../extension/protocol';

interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): State;
}

declare global {
  function acquireVsCodeApi<State = unknown>(): VsCodeApi<State>;
}

/** A request's answer: a result message of the expected type. */
type AnswerTo<T extends WebviewRequest['type']> = T extends 'getRows'
  ? Extract<ToWebview, { type: 'rows' }>
  : T extends 'getFindingRows'
    ? Extract<ToWebview, { type: 'findingRows' }>
    : T extends 'findRow'
    ? Extract<ToWebview, { type: 'rowIndex' }>
    : T extends 'getDetail'
      ? Extract<ToWebview, { type: 'detail' }>
      : T extends 'getAnnotationDraft'
        ? Extract<ToWebview, { type: 'annotationDraft' }>
        : Extract<ToWebview, { type: 'done' }>;
type Notification = Exclude<ToWebview, { requestId: number }>;
type Distribute<T> = T extends unknown ? Omit<T, 'requestId'> : never;

interface Pending {
  resolve(message: ToWebview): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
}

export class HostApi<State extends object> {
  private readonly vscode: VsCodeApi<State>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly onNotification: (message: Notification) => void,
    private readonly timeoutMs = 15_000,
  ) {
    this.vscode = acquireVsCodeApi<State>();
    window.addEventListener('message', (event: MessageEvent<unknown>) => this.receive(event.data));
  }

  /** Fire-and-forget message (e.g. `ready`, whose answer arrives as a notification). */
  send(message: Exclude<FromWebview, WebviewRequest>): void {
    this.vscode.postMessage(message);
  }

  /** Send a request and wait for the answer carrying its id; rejects on `error` or timeout. */
  request<T extends WebviewRequest['type']>(message: Distribute<Extract<WebviewRequest, { type: T }>> & { type: T }): Promise<AnswerTo<T>> {
    const requestId = this.nextId++;
    return new Promise<AnswerTo<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RequestTimeoutError(`LeakLens did not answer ${message.type} within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(requestId, { resolve: (m) => resolve(m as AnswerTo<T>), reject, timer });
      this.vscode.postMessage({ ...message, requestId });
    });
  }

  getState(): State | undefined {
    return this.vscode.getState();
  }

  setState(state: State): void {
    this.vscode.setState(state);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'object' || data === null || typeof (data as { type?: unknown }).type !== 'string') return;
    const message = data as ToWebview;
    const requestId = 'requestId' in message ? message.requestId : undefined;
    if (typeof requestId === 'number') {
      const pending = this.pending.get(requestId);
      if (!pending) return; // timed out already, or not ours
      this.pending.delete(requestId);
      clearTimeout(pending.timer);
      if (message.type === 'error') pending.reject(new Error(message.message));
      else pending.resolve(message);
      return;
    }
    this.onNotification(message as Notification);
  }
}
