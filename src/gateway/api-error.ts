/** An error an operator-API handler throws to answer with a status, a clear message and, where one applies, a stable code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}
