/**
 * The retailer's products and their manuals. Manuals of one category share a template, so each manual
 * section has near-identical siblings that differ only in the product and its figures: the near-miss case.
 */
import { Dice, fill } from './random';

type ProductCategory = 'kettle' | 'blender' | 'coffee' | 'sofa' | 'table' | 'mattress' | 'lamp' | 'heater';

export interface Product {
  name: string;
  category: ProductCategory;
  price: number;
  colours: string[];
}

const NAMES: Record<ProductCategory, string[]> = {
  kettle: ['Aurora kettle', 'Solstice kettle', 'Brook kettle', 'Pebble kettle'],
  blender: ['Vortex blender', 'Cyclone blender', 'Tempest blender'],
  coffee: ['Barista One coffee machine', 'Morning Ritual coffee maker', 'Cafe Duo espresso machine'],
  sofa: ['Linden sofa', 'Willow sofa', 'Alder corner sofa', 'Hazel loveseat'],
  table: ['Cedar dining table', 'Maple extending table', 'Birch coffee table'],
  mattress: ['Harbor Hybrid mattress', 'Driftwood memory foam mattress', 'Coastline pocket spring mattress'],
  lamp: ['Luma floor lamp', 'Halo pendant light', 'Beacon desk lamp'],
  heater: ['Glow oil-filled radiator', 'Drift fan heater', 'Hearthside panel heater'],
};

const COLOURS: Record<ProductCategory, string[]> = {
  kettle: ['brushed steel', 'matte black', 'sage green', 'cream'],
  blender: ['graphite', 'white', 'red'],
  coffee: ['black', 'silver'],
  sofa: ['slate blue', 'oatmeal', 'forest green', 'charcoal', 'terracotta'],
  table: ['natural oak', 'smoked oak', 'white oak'],
  mattress: ['white'],
  lamp: ['brass', 'black', 'white'],
  heater: ['white', 'grey'],
};

const PRICE: Record<ProductCategory, [number, number]> = {
  kettle: [39, 89],
  blender: [59, 179],
  coffee: [89, 449],
  sofa: [899, 2499],
  table: [249, 1199],
  mattress: [499, 1399],
  lamp: [49, 229],
  heater: [45, 149],
};

export function buildProducts(dice: Dice): Product[] {
  return (Object.keys(NAMES) as ProductCategory[]).flatMap((category) =>
    NAMES[category].map((name) => ({
      name,
      category,
      price: dice.int(PRICE[category][0], PRICE[category][1]) + 0.99,
      colours: dice.shuffle(COLOURS[category]).slice(0, Math.min(3, COLOURS[category].length)),
    })),
  );
}

interface ManualSectionTemplate {
  heading: string;
  text: string;
  /** A question singling out this product's section among its siblings. */
  question: string;
}

/** Per category: section templates with `{name}` and figures drawn per product. */
const MANUALS: Record<ProductCategory, ManualSectionTemplate[]> = {
  kettle: [
    {
      heading: 'Before first use',
      text: 'Fill the {name} to the MAX line, boil and discard the water twice before the first use. The {name} holds {litres} litres; never fill it below the MIN mark of {minCups} cups.',
      question: 'What is the most water the {name} can hold?',
    },
    {
      heading: 'Descaling',
      text: 'In hard water areas descale the {name} every {weeks} weeks: half fill with equal parts white vinegar and water, boil, leave for an hour, then rinse and boil fresh water twice.',
      question: 'How often should limescale be removed from the {name}?',
    },
    {
      heading: 'Troubleshooting',
      text: 'If the {name} switches off before boiling, it is probably scaled up or the lid is not fully closed. If the power light does not come on, check the base is dry and the plug fuse is a {fuse} amp fuse.',
      question: 'The {name} turns itself off before the water boils, why?',
    },
  ],
  blender: [
    {
      heading: 'Assembling the jar',
      text: 'Place the blade assembly in the {name} jar, twist clockwise until it clicks, and lock the jar onto the motor base. The {name} will not start unless the lid’s safety tab is engaged. The jar holds {litres} litres.',
      question: 'Why won’t the {name} start even though it is plugged in?',
    },
    {
      heading: 'Cleaning',
      text: 'The {name} jar and lid are dishwasher safe on the top rack. For a quick clean, blend warm water with a drop of washing-up liquid for {seconds} seconds. Never immerse the motor base.',
      question: 'Can the {name} jug go in the dishwasher?',
    },
    {
      heading: 'Overheating protection',
      text: 'If the {name} motor overheats it stops automatically. Unplug it and let it cool for {minutes} minutes before using it again. Do not run it continuously for more than {runMinutes} minutes with thick mixtures.',
      question: 'How long must the {name} rest after it cuts out from overheating?',
    },
  ],
  coffee: [
    {
      heading: 'Daily care',
      text: 'Empty the drip tray and used grounds container of the {name} every day, and rinse the water tank. Replace the water filter every {weeks} weeks or after {cups} cups.',
      question: 'When does the filter in the {name} need changing?',
    },
    {
      heading: 'Descaling programme',
      text: 'When the descale light flashes, run the {name} descaling programme: pour one sachet of descaler into {millilitres} ml of water in the tank and hold the steam and hot water buttons together for {holdSeconds} seconds.',
      question: 'How do I start the cleaning cycle on the {name}?',
    },
  ],
  sofa: [
    {
      heading: 'Fabric care',
      text: 'The {name} has a cleaning code of {code}. Vacuum weekly with a soft brush and blot spills immediately with a clean white cloth. Do not machine wash the cushion covers; professional cleaning is recommended every {months} months.',
      question: 'Can I put the cushion covers of the {name} in the washing machine?',
    },
    {
      heading: 'Assembly',
      text: 'The {name} arrives in {boxes} boxes. Screw the {legs} legs in by hand, then slide the back section onto the two metal brackets until it clicks. No tools are needed.',
      question: 'How many parcels does the {name} come in?',
    },
  ],
  table: [
    {
      heading: 'Caring for the wood',
      text: 'The {name} has an oiled finish. Wipe it with a damp cloth and dry it straight away; re-oil the surface every {months} months with the maintenance kit. Use coasters and mats: heat and water leave white rings.',
      question: 'How often should I oil the top of the {name}?',
    },
    {
      heading: 'Seating and dimensions',
      text: 'The {name} measures {length} cm by {width} cm and seats {seats} people comfortably. Leave at least 90 cm of space around it for chairs.',
      question: 'How many people fit around the {name}?',
    },
  ],
  mattress: [
    {
      heading: 'Unpacking',
      text: 'The {name} is rolled and vacuum packed. Unroll it on the bed base, cut the plastic carefully and allow {hours} hours for it to reach full shape. A slight smell is normal and fades within a few days.',
      question: 'How long does the {name} take to expand after unboxing?',
    },
    {
      heading: 'Turning and rotating',
      text: 'Rotate the {name} head to toe every {weeks} weeks for the first three months, then every three months. The {name} is one-sided: do not flip it over.',
      question: 'Should I flip the {name} over?',
    },
  ],
  lamp: [
    {
      heading: 'Bulbs',
      text: 'The {name} takes an {socket} LED bulb of up to {watts} watts. It is compatible with most trailing-edge dimmers. Never use a halogen bulb in the {name}.',
      question: 'What kind of bulb goes in the {name}?',
    },
  ],
  heater: [
    {
      heading: 'Safety',
      text: 'Keep the {name} at least {clearance} cm from curtains and furniture. The {name} switches off automatically if it tips over or overheats; wait {minutes} minutes before switching it back on.',
      question: 'How far from the curtains does the {name} need to be?',
    },
    {
      heading: 'Thermostat and timer',
      text: 'The {name} thermostat has settings from 1 to {maxSetting}. The 24-hour timer switches the heater on and off in 15-minute segments; push down the pins for the times you want heat.',
      question: 'How do I programme the {name} to come on in the morning?',
    },
  ],
};

export interface ManualSection {
  product: Product;
  heading: string;
  text: string;
  question: string;
}

export function buildManuals(products: Product[], dice: Dice): ManualSection[] {
  return products.flatMap((product) =>
    MANUALS[product.category].map((template) => {
      const slots = {
        name: product.name,
        litres: dice.pick(['1.2', '1.5', '1.7', '2.0']),
        minCups: dice.int(1, 3),
        weeks: dice.pick([2, 4, 6, 8, 12]),
        fuse: dice.pick([3, 5, 13]),
        seconds: dice.pick([20, 30, 45]),
        minutes: dice.pick([15, 20, 30, 45]),
        runMinutes: dice.pick([1, 2, 3]),
        cups: dice.pick([60, 100, 150]),
        millilitres: dice.pick([500, 750, 1000]),
        holdSeconds: dice.pick([3, 5]),
        code: dice.pick(['W', 'S', 'WS']),
        months: dice.pick([6, 12, 18]),
        boxes: dice.int(2, 4),
        legs: dice.pick([4, 6, 8]),
        length: dice.pick([140, 160, 180, 200, 220]),
        width: dice.pick([80, 90, 100]),
        seats: dice.pick([4, 6, 8]),
        hours: dice.pick([24, 48, 72]),
        socket: dice.pick(['E26', 'E12', 'GU10']),
        watts: dice.pick([8, 10, 12, 15]),
        clearance: dice.pick([50, 90, 100]),
        maxSetting: dice.pick([5, 6, 9]),
      };
      return {
        product,
        heading: template.heading,
        text: fill(template.text, slots),
        question: fill(template.question, slots),
      };
    }),
  );
}
