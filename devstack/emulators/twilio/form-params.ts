/** Form-encoded params with Twilio's repeated keys (MediaUrl, StatusCallbackEvent) preserved. */
export class FormParams {
  private readonly search: URLSearchParams;

  constructor(encoded: string) {
    this.search = new URLSearchParams(encoded);
  }

  get(name: string): string | undefined {
    return this.search.get(name) ?? undefined;
  }

  getAll(name: string): string[] {
    return [...this.search.getAll(name)]; // a local array: Node core's fails `instanceof Array` under jest
  }

  has(name: string): boolean {
    return this.search.has(name);
  }

  /** Single values as strings, repeated keys as arrays: the shape twilio.validateRequest expects. */
  toRecord(): Record<string, string | string[]> {
    const record: Record<string, string | string[]> = {};
    for (const key of new Set(this.search.keys())) {
      const values = this.getAll(key);
      record[key] = values.length === 1 ? (values[0] ?? '') : values;
    }
    return record;
  }
}
