/** API 2010-04-01 renders dates as RFC 2822: `Wed, 18 Aug 2021 20:01:15 +0000`. */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** Conversations v1 renders ISO 8601 without milliseconds: `2021-08-18T20:01:15Z`. */
export function iso8601(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
