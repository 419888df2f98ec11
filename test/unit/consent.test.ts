import { consentKeyword } from '../../src/messaging/consent-keywords';
import { consentStateOf, type ConsentFact } from '../../src/messaging/consent-store';

describe('consent keywords', () => {
  it.each(['STOP', 'stop', ' Stop \n', 'STOPALL', 'unsubscribe', 'Cancel', 'END', 'quit', 'REVOKE', 'optout'])(
    '%j opts out',
    (body) => expect(consentKeyword(body, false)).toBe('opt_out'),
  );

  it.each(['START', 'start', 'Unstop'])('%j opts in', (body) => expect(consentKeyword(body, true)).toBe('opt_in'));

  it('reads YES as an opt-in only from an opted-out address; otherwise it is an answer for the agent', () => {
    expect(consentKeyword('yes', true)).toBe('opt_in');
    expect(consentKeyword('yes', false)).toBeUndefined();
  });

  it.each(['HELP', 'help', 'Info'])('%j asks for help', (body) => expect(consentKeyword(body, false)).toBe('help'));

  it.each(['stop please', 'please stop', 'STOP!', 'the end', '', 'started', 'helpful'])(
    '%j is an ordinary message (only the whole message counts)',
    (body) => expect(consentKeyword(body, true)).toBeUndefined(),
  );
});

describe('consent state from facts', () => {
  const fact = (action: ConsentFact['action'], minute: number): ConsentFact => ({
    accountSid: 'AC1',
    address: 'phone:+14155550100',
    to: '+15005550006',
    action,
    source: `SM${minute}`,
    at: new Date(Date.UTC(2026, 0, 1, 0, minute)),
  });

  it('is not opted out without facts', () => {
    expect(consentStateOf([])).toEqual({ optedOut: false, history: [] });
  });

  it('follows the latest fact, whatever order the facts are read in', () => {
    const facts = [fact('opt_out', 1), fact('opt_in', 2), fact('opt_out', 3)];
    for (const order of [facts, [...facts].reverse(), [facts[1]!, facts[2]!, facts[0]!]]) {
      const state = consentStateOf(order);
      expect(state.optedOut).toBe(true);
      expect(state.since).toEqual(facts[2]!.at);
      expect(state.history.map((f) => f.source)).toEqual(['SM1', 'SM2', 'SM3']);
    }
    expect(consentStateOf([fact('opt_in', 9), fact('opt_out', 4)]).optedOut).toBe(false);
  });

  it('resolves an opt-out and an opt-in at the same instant to opted out (the safe side)', () => {
    expect(consentStateOf([fact('opt_out', 5), fact('opt_in', 5)]).optedOut).toBe(true);
    expect(consentStateOf([fact('opt_in', 5), fact('opt_out', 5)]).optedOut).toBe(true);
  });
});
