/** What the box shows for the query typed so far. */
export type TypeaheadState<T> =
  | { status: 'idle'; query: '' }
  | { status: 'loading'; query: string; results: T | undefined }
  | { status: 'done'; query: string; results: T }
  | { status: 'error'; query: string; error: unknown };

/**
 * Results as you type: a query is asked for once typing pauses for `delayMs`, and a new query
 * aborts the one in flight, so only the latest query's answer ever reaches `onChange`. While a
 * new query loads, the previous results stay on show (no flicker between keystrokes).
 */
export class Typeahead<T> {
  private state: TypeaheadState<T> = { status: 'idle', query: '' };
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;

  constructor(
    private readonly options: {
      delayMs: number;
      fetch: (query: string, signal: AbortSignal) => Promise<T>;
      onChange: (state: TypeaheadState<T>) => void;
    },
  ) {}

  get current(): TypeaheadState<T> {
    return this.state;
  }

  /** The box now holds `text`. */
  type(text: string) {
    const query = text.trim();
    if (query === this.state.query && this.state.status !== 'error') return;
    this.stop();
    if (query === '') return this.emit({ status: 'idle', query: '' });
    const shown =
      this.state.status === 'done' || this.state.status === 'loading' ? this.state.results : undefined;
    this.emit({ status: 'loading', query, results: shown });
    this.timer = setTimeout(() => void this.ask(query), this.options.delayMs);
  }

  /** Stops waiting and aborts what is in flight (the box went away). */
  dispose() {
    this.stop();
  }

  private stop() {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.inFlight?.abort();
    this.inFlight = undefined;
  }

  private async ask(query: string) {
    this.timer = undefined;
    const controller = new AbortController();
    this.inFlight = controller;
    try {
      const results = await this.options.fetch(query, controller.signal);
      if (!controller.signal.aborted) this.emit({ status: 'done', query, results });
    } catch (error) {
      if (!controller.signal.aborted) this.emit({ status: 'error', query, error });
    } finally {
      if (this.inFlight === controller) this.inFlight = undefined;
    }
  }

  private emit(state: TypeaheadState<T>) {
    this.state = state;
    this.options.onChange(state);
  }
}
