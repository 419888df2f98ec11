import { MediaServer } from '../../devstack/emulators/media-server';
import { png1x1 } from '../../test/media/fixtures';
import type { FaultStack } from '../../test/faults/harness/fault-stack';
import { customerNumbers, inboundSms } from '../../test/faults/harness/messaging';
import { eventually } from '../../test/faults/harness/wait';

/**
 * (e) An inbound MMS whose MediaUrl names a host that is not Twilio's (one we run): does it receive the account's
 * credentials? Counts requests to that host carrying an Authorization header.
 */
export async function foreignMediaHost(stack: FaultStack): Promise<string[]> {
  const host = new MediaServer();
  await host.start();
  try {
    const url = host.serve('/2010-04-01/Accounts/AC/Messages/MM1/Media/ME1', {
      contentType: 'image/png',
      body: png1x1([0, 128, 255, 255]),
    });
    const [from] = customerNumbers(1);
    const params = inboundSms(from!, 'media-0 see attached', {
      NumMedia: '1',
      MediaUrl0: url,
      MediaContentType0: 'image/png',
    });
    params.MessageSid = `MM${String(params.MessageSid).slice(2)}`;
    const accepted = (await stack.webhook('/twilio/messaging/inbound', params)).status;
    // Done once the customer has an answer (or after 60 s): the fetch, if any, happened before it.
    await eventually('a reply to the MMS', () => stack.twilio.sentMessages({ to: from }).length > 0, 60_000).catch(
      () => undefined,
    );
    const withCredentials = host.requests.filter((r) => r.hadAuthorization).length;
    return [
      `(e) inbound MMS whose MediaUrl is on a non-Twilio host (webhook HTTP ${accepted})`,
      `    requests to that host: ${host.requests.length}   carrying an Authorization header: ${withCredentials}`,
      `    the customer got a reply: ${stack.twilio.sentMessages({ to: from }).length > 0 ? 'yes' : 'no'}`,
    ];
  } finally {
    await host.stop();
  }
}
