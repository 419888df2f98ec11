/** `<binding>-<event id>`: one run per binding and event, ever. */
export function boundWorkflowId(binding: string, eventId: string): string {
  return `${binding}-${eventId}`;
}
