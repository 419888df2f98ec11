/** Seeded generators of hostile input for the fuzz test: the same seed gives the same cases. */
import { seededRandom } from '../../../devstack/emulators/shared/seeded-random';

export class Fuzz {
  private readonly random: () => number;

  constructor(readonly seed: number) {
    this.random = seededRandom(seed);
  }

  int(max: number): number {
    return Math.floor(this.random() * max);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.int(16).toString(16);
    return out;
  }

  sid(prefix: string): string {
    return prefix + this.hex(32);
  }

  /** A string meant to break parsers, validators, storage and logs. */
  oddString(): string {
    const pick = this.int(20);
    switch (pick) {
      case 0:
        return '';
      case 1:
        return ' \t\r\n ';
      case 2:
        return '9'.repeat(1 + this.int(500));
      case 3:
        return this.pick(['1e308', '-1e309', 'NaN', 'Infinity', '-0', '0x1F', '1_000', '9007199254740993']);
      case 4:
        return this.pick(['𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓', '\u202eevil', 'é\u0301', '你好，世界', '🙂👍🏽‍🔥', '\uFEFFbom', '\u0000nul']);
      case 5:
        return '\ud800'; // a lone surrogate
      case 6:
        return 'x'.repeat(1_000 + this.int(200_000));
      case 7:
        return this.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']);
      case 8:
        return this.pick(['{"a":1}', '[1,2', 'null', 'true', '{"__proto__":{"x":1}}']);
      case 9:
        return this.pick(['+1', '+', '+15005550006', '+999999999999999999', 'whatsapp:', 'whatsapp:+1', 'sms:+1555']);
      case 10:
        return this.pick(['AC', 'AC' + 'z'.repeat(32), this.sid('AC'), this.sid('CA'), this.sid('SM'), this.sid('RE')]);
      case 11:
        return this.pick(['http://', 'https://evil.example/x.jpg', 'file:///etc/passwd', 'javascript:alert(1)']);
      case 12:
        return this.pick(['%', '%00', '%E0%A4%A', '../../etc', '<Response/>', "'; DROP TABLE x; --", '${x}']);
      case 13:
        return this.pick(['-1', '0', '1', '2', '101', '-99999999999', '3.14']);
      case 14:
        return this.pick(['completed', 'in-progress', 'ringing', 'failed', 'delivered', 'undelivered', 'received']);
      case 15:
        return this.pick([
          'onMessageAdded',
          'onMessageAdd',
          'onConversationRemoved',
          'onParticipantAdded',
          'on',
          'onX',
        ]);
      default:
        return Array.from({ length: 1 + this.int(40) }, () => String.fromCharCode(this.int(0xffff))).join('');
    }
  }

  /** Any JSON value, nested a little. */
  json(depth = 0): unknown {
    const pick = this.int(depth > 2 ? 5 : 8);
    switch (pick) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1, Number.MIN_VALUE]);
      case 3:
      case 4:
        return this.oddString();
      case 5:
        return Array.from({ length: this.int(5) }, () => this.json(depth + 1));
      default: {
        const out: Record<string, unknown> = {};
        for (let i = this.int(6); i > 0; i--)
          out[this.chance(0.3) ? this.oddString() : this.pick(KEYS)] = this.json(depth + 1);
        return out;
      }
    }
  }
}

/** Field names the operator API reads somewhere, so random bodies reach past the first check. */
const KEYS = [
  'to',
  'from',
  'accountSid',
  'address',
  'agent',
  'agentId',
  'message',
  'body',
  'text',
  'name',
  'model',
  'tools',
  'voice',
  'identity',
  'friendlyName',
  'channel',
  'q',
  'limit',
  'status',
  'consent',
  'customerId',
];
