/**
 * What customers call about, per business: each scenario writes the turns of one call (several wordings per
 * turn) and the questions it can be asked about later, pointing at the turns that answer them. Customer
 * questions are worded the way a caller recalls a call, not the way it was said.
 */
import type { Person } from './people';
import { fullName } from './people';
import type { Product } from './products';
import { Dice, fill } from './random';

export interface Turn {
  speaker: 'caller' | 'agent';
  text: string;
}

/** Questions about one call, each answered by the turns at `turns` (indexes into the scenario's turns). */
interface ScenarioQuestion {
  kind: 'number' | 'name' | 'customer';
  text: string;
  turns: number[];
}

export interface ScenarioRun {
  turns: Turn[];
  questions: ScenarioQuestion[];
  /** Numbers (orders, invoices, claims) the call mentions, for near-miss bookkeeping. */
  numbers: string[];
}

export interface ScenarioContext {
  dice: Dice;
  person: Person;
  /** Spoken dates around the call ("Tuesday the 14th"). */
  date: () => string;
  /** A fresh number, sometimes a digit-swap of one already used elsewhere (near-miss). */
  orderNumber: () => string;
}

const DEPOTS = ['Tacoma', 'Salem', 'Spokane', 'Medford', 'Yakima'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const DAMAGE: Record<string, string[]> = {
  furniture: [
    'one of the legs is snapped clean off',
    'there is a long tear in the fabric along the armrest',
    'the top has a deep gouge right across the middle',
    'a corner of the frame is split and the wood is splintered',
  ],
  appliance: [
    'the glass is cracked all the way down one side',
    'the lid hinge is broken so it will not close',
    'it rattles inside as if something has come loose',
    'the base is dented and the plug is bent',
  ],
  mattress: ['the cover is ripped and the foam is showing', 'there is a big water stain on one side'],
};

const FAULT: Record<string, string[]> = {
  kettle: ['keeps clicking off before the water boils', 'has started leaking from underneath'],
  blender: ['makes a horrible grinding noise and smells of burning', 'stops after a couple of seconds'],
  coffee: ['only drips out lukewarm coffee now', 'shows a red warning light and will not brew'],
  heater: ['blows cold air even on the highest setting', 'trips the fuse box whenever I switch it on'],
  lamp: ['flickers constantly even with a new bulb', 'the switch has come loose and it will not turn on'],
};

const RETURN_REASON = [
  'the colour looks nothing like it did in the photos',
  'it is far too big for our living room',
  'we found one we prefer in another shop',
  'it is much louder than I expected',
  'my partner bought the same thing the same day',
];

const AVAILABILITY = [
  { said: 'I work nights, so anything before eleven in the morning is hopeless for me', slot: '1pm and 5pm' },
  { said: 'I am only home on {day} afternoons, after about three', slot: '3pm and 6pm' },
  { said: 'please do not come before nine, I do the school run', slot: '9am and 1pm' },
  { said: 'weekdays are impossible with my shifts, but Saturdays are fine', slot: '8am and noon' },
];

function category(product: Product): 'furniture' | 'appliance' | 'mattress' {
  if (product.category === 'mattress') return 'mattress';
  if (['sofa', 'table'].includes(product.category)) return 'furniture';
  return 'appliance';
}

function opening(ctx: ScenarioContext, said: string): { text: string; named: boolean } {
  const named = ctx.dice.chance(0.6);
  return {
    text: named ? `Hi, this is ${fullName(ctx.person)}. ${capitalise(said)}` : capitalise(said),
    named,
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Scenarios of the home-goods retailer. */
export function homeScenario(ctx: ScenarioContext, products: Product[]): ScenarioRun {
  const { dice } = ctx;
  const product = dice.pick(products);
  const order = ctx.orderNumber();
  const price = product.price.toFixed(2);
  const kind = dice.pick([
    'late',
    'damaged',
    'return',
    'address',
    'availability',
    'colour',
    'fault',
    'charged',
  ] as const);
  const name = fullName(ctx.person);
  switch (kind) {
    case 'late': {
      const promised = ctx.date();
      const newDate = ctx.date();
      const depot = dice.pick(DEPOTS);
      const open = opening(
        ctx,
        dice.pick([
          `I'm calling about order ${order}. It was meant to arrive on ${promised} and nothing has turned up.`,
          `my order number is ${order}, the ${product.name}, and the tracking has not moved since ${promised}.`,
          `order ${order} still hasn't come. I took ${promised} off work to wait in for it.`,
        ]),
      );
      const turns: Turn[] = [
        { speaker: 'caller', text: open.text },
        {
          speaker: 'agent',
          text: dice.pick([
            `I can see order ${order} for the ${product.name}. The carrier is holding it at the ${depot} depot after a missed scan; the new delivery date is ${newDate}.`,
            `Order ${order} is running late, the truck broke down outside ${depot}. I have rebooked it for ${newDate} and refunded your delivery charge.`,
          ]),
        },
      ];
      return {
        turns,
        numbers: [order],
        questions: [
          { kind: 'number', text: `What is going on with the delivery of order ${order}?`, turns: [0, 1] },
          {
            kind: 'customer',
            text: dice.pick(['What new day did you give me for my parcel?', 'Why is my shipment held up?']),
            turns: [1],
          },
          ...(open.named ? [{ kind: 'name' as const, text: `Which order was ${name} chasing?`, turns: [0] }] : []),
        ],
      };
    }
    case 'damaged': {
      const damage = dice.pick(DAMAGE[category(product)]!);
      const newDate = ctx.date();
      const open = opening(
        ctx,
        dice.pick([
          `the ${product.name} from order ${order} arrived this morning and ${damage}.`,
          `I unboxed the ${product.name} yesterday and ${damage}. The order number was ${order}.`,
        ]),
      );
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: dice.pick([
              `I am so sorry. I have arranged a collection on ${newDate} and a brand new ${product.name} will come on the same truck.`,
              `Apologies for that. A replacement part is on its way and should reach you by ${newDate}; you do not need to send anything back.`,
            ]),
          },
        ],
        numbers: [order],
        questions: [
          {
            kind: 'customer',
            text: dice.pick([
              'What did I tell you was broken when my delivery came?',
              'What state was my item in when it turned up?',
            ]),
            turns: [0],
          },
          { kind: 'customer', text: 'How are you sorting out the faulty thing you sent me?', turns: [1] },
          { kind: 'number', text: `What was wrong with the item in order ${order}?`, turns: [0] },
          ...(open.named ? [{ kind: 'name' as const, text: `What arrived damaged for ${name}?`, turns: [0] }] : []),
        ],
      };
    }
    case 'return': {
      const reason = dice.pick(RETURN_REASON);
      const last4 = String(dice.int(1000, 9999));
      const open = opening(ctx, `I'd like to send back the ${product.name} I bought, ${reason}.`);
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: `No problem. I have started the return for order ${order}; once it passes inspection you will get $${price} back on your card ending ${last4}.`,
          },
        ],
        numbers: [order],
        questions: [
          { kind: 'customer', text: 'What reason did I give for not wanting to keep it?', turns: [0] },
          { kind: 'number', text: `How much money is going back to the customer for order ${order}?`, turns: [1] },
          ...(open.named
            ? [{ kind: 'name' as const, text: `Why did ${name} want to return something?`, turns: [0] }]
            : []),
        ],
      };
    }
    case 'address': {
      const address = `${dice.int(10, 9900)} ${dice.pick(['Oak Street', 'Pine Avenue', 'Harbor Way', 'Summit Drive', 'Garden Road'])}, ${dice.pick(['Portland', 'Salem', 'Tacoma', 'Bend'])}`;
      const open = opening(
        ctx,
        dice.pick([
          `could you send order ${order} to my office instead? It is ${address}.`,
          `we are moving next week, so please deliver order ${order} to ${address}.`,
        ]),
      );
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          { speaker: 'agent', text: `Done, order ${order} will now go to ${address}, on the same delivery date.` },
        ],
        numbers: [order],
        questions: [
          { kind: 'customer', text: 'Where did I ask you to bring my stuff instead?', turns: [0, 1] },
          { kind: 'number', text: `Which address is order ${order} going to now?`, turns: [0, 1] },
        ],
      };
    }
    case 'availability': {
      const day = dice.pick(DAYS);
      const choice = dice.pick(AVAILABILITY);
      const open = opening(
        ctx,
        `I'm booking the delivery of the ${product.name}. ${capitalise(fill(choice.said, { day }))}.`,
      );
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: `I have booked the ${product.name} for ${day} between ${choice.slot}, and the driver will call thirty minutes before.`,
          },
        ],
        numbers: [],
        questions: [
          { kind: 'customer', text: 'What did I say about when I am around to receive things?', turns: [0] },
          { kind: 'customer', text: 'What time window did you give me for the drop-off?', turns: [1] },
        ],
      };
    }
    case 'colour': {
      const [wanted, ...others] = product.colours;
      const back = ctx.date();
      return {
        turns: [
          { speaker: 'caller', text: `Does the ${product.name} come in ${wanted ?? 'other colours'}?` },
          {
            speaker: 'agent',
            text: `The ${product.name} comes in ${product.colours.join(', ')}. ${capitalise(wanted ?? 'it')} is sold out at the moment but back in stock on ${back}${others.length ? `; ${others[0]!} is available now` : ''}.`,
          },
        ],
        numbers: [],
        questions: [
          { kind: 'customer', text: 'When did you say the shade I wanted would be available again?', turns: [1] },
        ],
      };
    }
    case 'fault': {
      const appliance = dice.pick(products.filter((p) => FAULT[p.category]));
      const fault = dice.pick(FAULT[appliance.category]!);
      const claim = `WC-${ctx.orderNumber()}`;
      const months = dice.int(2, 20);
      const open = opening(ctx, `my ${appliance.name} ${fault}. I bought it about ${months} months ago.`);
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: `That is covered by the warranty. I have opened claim ${claim}; a courier will collect the ${appliance.name} on ${ctx.date()}.`,
          },
        ],
        numbers: [claim],
        questions: [
          { kind: 'customer', text: 'What did I say my appliance was doing wrong?', turns: [0] },
          { kind: 'number', text: `When is the collection for warranty claim ${claim}?`, turns: [1] },
          ...(open.named ? [{ kind: 'name' as const, text: `What fault did ${name} report?`, turns: [0] }] : []),
        ],
      };
    }
    case 'charged': {
      const first = ctx.date();
      const again = ctx.date();
      return {
        turns: [
          {
            speaker: 'caller',
            text: `I have been charged twice for order ${order}: $${price} went out on ${first} and again on ${again}.`,
          },
          {
            speaker: 'agent',
            text: `You are right, the second payment was a duplicate. I have reversed $${price}; it will be back in your account in 3 to 5 days.`,
          },
        ],
        numbers: [order],
        questions: [
          { kind: 'customer', text: 'What was the problem I found on my bank statement?', turns: [0] },
          { kind: 'number', text: `Was the customer billed more than once for order ${order}?`, turns: [0, 1] },
        ],
      };
    }
  }
}

const COMPLAINTS = [
  { said: 'an itchy red rash on both forearms that will not go away', asked: 'What skin problem did I describe?' },
  { said: 'a cough that has hung on for three weeks now', asked: 'What was bothering my chest when I rang?' },
  { said: 'a sharp pain in my left knee when I climb stairs', asked: 'Which joint did I say was hurting?' },
  { said: 'really bad headaches most mornings', asked: 'What kind of pain did I mention waking up with?' },
  { said: 'trouble sleeping since I started a new job', asked: 'What did I say was keeping me up at night?' },
  {
    said: 'high blood pressure readings on my home monitor',
    asked: 'What did I tell you about the numbers on my cuff?',
  },
  { said: 'feeling dizzy whenever I stand up', asked: 'What happens to me when I get up quickly?' },
  { said: 'a mole on my back that has changed shape', asked: 'What did I say about the spot on my skin?' },
  { said: 'my son’s ear infections that keep coming back', asked: 'What is going on with my boy?' },
  { said: 'heartburn after almost every meal', asked: 'What stomach trouble did I bring up?' },
];

const DOCTORS = ['Dr. Okonkwo', 'Dr. Lindgren', 'Dr. Ramirez', 'Dr. Whitaker', 'Dr. Nakamura', 'Dr. Feldman'];
const BRANCHES = ['Riverside', 'Eastside', 'Northgate'];
const TIMES = ['8:15', '9:30', '10:45', '11:20', '1:40', '2:30', '3:50', '4:10'];
const MEDICATIONS = [
  'lisinopril 10 milligrams',
  'metformin 500 milligrams',
  'atorvastatin 20 milligrams',
  'levothyroxine 75 micrograms',
  'sertraline 50 milligrams',
  'salbutamol inhaler',
];
const PHARMACIES = ['the Walgreens on Burnside', 'the CVS in Beaverton', 'the Rite Aid on 82nd', 'our own pharmacy'];
const INSURERS = ['Blue Cross', 'Aetna', 'Cigna', 'UnitedHealthcare', 'Medicare'];
const RESCHEDULE_REASONS = [
  {
    said: 'my daughter has her school play that afternoon',
    asked: 'Why did I say I could not keep my original slot?',
  },
  { said: 'I have been called in to cover a shift at work', asked: 'What clashed with my first appointment?' },
  { said: 'my car is in the garage until Friday', asked: 'What stopped me getting to my appointment?' },
];

/** Scenarios of the family clinic. */
export function clinicScenario(ctx: ScenarioContext): ScenarioRun {
  const { dice } = ctx;
  const doctor = dice.pick(DOCTORS);
  const name = fullName(ctx.person);
  const kind = dice.pick(['book', 'reschedule', 'refill', 'bill', 'results'] as const);
  switch (kind) {
    case 'book': {
      const complaint = dice.pick(COMPLAINTS);
      const open = opening(ctx, `I would like to see a doctor about ${complaint.said}.`);
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: `${doctor} has an opening on ${ctx.date()} at ${dice.pick(TIMES)} at the ${dice.pick(BRANCHES)} clinic. I have booked that for you.`,
          },
        ],
        numbers: [],
        questions: [
          { kind: 'customer', text: complaint.asked, turns: [0] },
          { kind: 'customer', text: 'Which physician am I down to see, and where?', turns: [1] },
          ...(open.named ? [{ kind: 'name' as const, text: `What symptoms did ${name} describe?`, turns: [0] }] : []),
        ],
      };
    }
    case 'reschedule': {
      const reason = dice.pick(RESCHEDULE_REASONS);
      const open = opening(
        ctx,
        `I have an appointment with ${doctor} on ${ctx.date()} at ${dice.pick(TIMES)} but ${reason.said}.`,
      );
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: `That is fine, I have moved you to ${ctx.date()} at ${dice.pick(TIMES)} with ${doctor}.`,
          },
        ],
        numbers: [],
        questions: [
          { kind: 'customer', text: reason.asked, turns: [0] },
          { kind: 'customer', text: 'When is my appointment now that it has been moved?', turns: [1] },
          ...(open.named
            ? [{ kind: 'name' as const, text: `Why did ${name} need to change an appointment?`, turns: [0] }]
            : []),
        ],
      };
    }
    case 'refill': {
      const medication = dice.pick(MEDICATIONS);
      const pharmacy = dice.pick(PHARMACIES);
      const open = opening(ctx, `I am nearly out of my ${medication}. Could the refill go to ${pharmacy}?`);
      return {
        turns: [
          { speaker: 'caller', text: open.text },
          {
            speaker: 'agent',
            text: `I have sent the request to ${doctor}; it should be ready at ${pharmacy} within 72 hours.`,
          },
        ],
        numbers: [],
        questions: [
          { kind: 'customer', text: 'Which medicine did I ask you to renew?', turns: [0] },
          { kind: 'customer', text: 'Where will I pick up my tablets?', turns: [0, 1] },
          ...(open.named ? [{ kind: 'name' as const, text: `What prescription does ${name} take?`, turns: [0] }] : []),
        ],
      };
    }
    case 'bill': {
      const invoice = ctx.orderNumber();
      const insurer = dice.pick(INSURERS);
      const amount = `${dice.int(60, 480)}.00`;
      return {
        turns: [
          {
            speaker: 'caller',
            text: `I got a bill, invoice ${invoice}, for $${amount} for my visit on ${ctx.date()}, but ${insurer} should have covered that.`,
          },
          {
            speaker: 'agent',
            text: `I see invoice ${invoice}. It went out before ${insurer} processed the claim, so I have put it on hold and resubmitted it.`,
          },
        ],
        numbers: [invoice],
        questions: [
          { kind: 'number', text: `Why is invoice ${invoice} on hold?`, turns: [1] },
          { kind: 'customer', text: 'Which health plan did I say should be paying?', turns: [0] },
        ],
      };
    }
    case 'results': {
      const weeks = dice.int(2, 6);
      const finding = dice.pick([
        'your cholesterol is a little high',
        'your iron levels are low',
        'your thyroid levels are slightly off',
        'your blood sugar is borderline',
      ]);
      return {
        turns: [
          { speaker: 'caller', text: `I had blood tests on ${ctx.date()}. Have the results come back yet?` },
          {
            speaker: 'agent',
            text: `${doctor} has looked at them: ${finding}, and she would like to see you in ${weeks} weeks to talk it through.`,
          },
        ],
        numbers: [],
        questions: [{ kind: 'customer', text: 'What did the lab work show?', turns: [1] }],
      };
    }
  }
}
