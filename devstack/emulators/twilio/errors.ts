/** Twilio's REST error envelope: `{code, message, more_info, status}` (+ optional `detail`). */
export interface TwilioErrorBody {
  code: number;
  message: string;
  more_info: string;
  status: number;
  detail?: string;
}

export function twilioErrorBody(status: number, code: number, message: string, detail?: string): TwilioErrorBody {
  const body: TwilioErrorBody = { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
  if (detail !== undefined) body.detail = detail;
  return body;
}

/** Thrown by resource handlers; the emulator turns it into the error envelope. */
export class TwilioApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }

  toBody(): TwilioErrorBody {
    return twilioErrorBody(this.status, this.code, this.message, this.detail);
  }
}

export const notFound = (path: string) =>
  new TwilioApiError(404, 20404, `The requested resource ${path} was not found`);

/** Codes seen on real Twilio; the emulator only raises them for clearly invalid input. */
export const invalidParam = (code: number, message: string) => new TwilioApiError(400, code, message);
