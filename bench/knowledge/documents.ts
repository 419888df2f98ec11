/**
 * Hand-written knowledge-base documents of the two fictional businesses, one section per chunk, each with
 * questions a customer would ask in their own words (sharing as few words with the section as is natural).
 */

interface SectionSpec {
  heading: string;
  text: string;
  /** Paraphrased questions this section answers. */
  questions: string[];
}

export interface DocumentSpec {
  documentId: string;
  title: string;
  sections: SectionSpec[];
}

export const HOME_POLICIES: DocumentSpec = {
  documentId: 'doc-hh-policies',
  title: 'Hearth & Harbor customer policies',
  sections: [
    {
      heading: 'Returns',
      text: 'Most items can be returned within 30 days of delivery in their original packaging. Upholstered furniture and custom-order pieces can only be returned if they arrive faulty. Returned items are inspected at our warehouse before the refund is approved; items that show signs of use may be refused.',
      questions: [
        'I changed my mind about something I bought three weeks ago, can I still send it back?',
        'Can a made-to-measure couch be sent back if I simply do not like it?',
      ],
    },
    {
      heading: 'Refunds',
      text: 'Once a return passes inspection we refund the original payment method. Card refunds appear within 5 to 10 business days depending on your bank; gift card purchases are refunded as store credit. Delivery charges are only refunded when the item was faulty or we made a mistake.',
      questions: [
        'How long until the money shows up on my card after you get the item back?',
        'Do I get the shipping fee back too?',
      ],
    },
    {
      heading: 'Mattress comfort trial',
      text: 'Every mattress comes with a 100-night comfort trial. If it is not right for you, call us between night 30 and night 100 and we will collect it free of charge and exchange or refund it. Mattresses must be used with a protector during the trial; one trial per household per year.',
      questions: [
        'If I sleep badly on the new bed can I swap it after a couple of months?',
        'Is there a minimum time I need to try the new mattress before giving up on it?',
      ],
    },
    {
      heading: 'Damaged or missing items',
      text: 'Please check your delivery straight away. Report any breakage, scratches or missing parts within 48 hours, with photos of the item and the box, by phone or message. We will send a replacement part or arrange a collection at no cost to you.',
      questions: [
        'How soon do I have to let you know that something came broken?',
        'What do you need from me to prove the table arrived cracked?',
      ],
    },
    {
      heading: 'Delivery options',
      text: 'Standard delivery of small parcels takes 2 to 4 working days and costs $6.95, free over $75. Large furniture is delivered by our two-person team on a booked day; room-of-choice delivery is $49 and includes unpacking and taking the packaging away. Deliveries run Monday to Saturday between 7am and 7pm.',
      questions: [
        'Will the people bringing the wardrobe carry it upstairs and take the cardboard away?',
        'How much does it cost to get a small order brought to my house?',
      ],
    },
    {
      heading: 'Where we deliver',
      text: 'We deliver to the whole of the mainland United States. We cannot currently deliver to Alaska, Hawaii, Puerto Rico, PO boxes or military APO addresses. Rural addresses may need an extra day.',
      questions: ['Can you ship to my place in Honolulu?', 'Do you send things to a post office box?'],
    },
    {
      heading: 'Assembly service',
      text: 'Our assembly technicians can build furniture on the day of delivery or at a later appointment. Assembly costs $39 for a single item and $89 for a whole room. Beds and wardrobes must be assembled in the room where they will stay.',
      questions: [
        'Can someone put the bed together for me, and what would that set me back?',
        'I am not handy, will you build the bookcase when it comes?',
      ],
    },
    {
      heading: 'Price match promise',
      text: 'If you find the identical product cheaper at another national retailer within 14 days of buying it from us, we will refund the difference. Clearance, marketplace sellers and membership-only prices are excluded.',
      questions: ['I saw the same lamp for less somewhere else last week, will you pay me the difference?'],
    },
    {
      heading: 'Cancelling an order',
      text: 'Orders can be cancelled free of charge until they leave our warehouse. After dispatch, please refuse the delivery or return the item under our returns policy. Made-to-order furniture can be cancelled within 48 hours of ordering; after that a 20% fee applies because production has started.',
      questions: ['I ordered a sofa in a special fabric yesterday, can I still call it off without paying anything?'],
    },
    {
      heading: 'Old appliance and furniture removal',
      text: 'When we deliver a large appliance or a mattress we can take your old one away for recycling for $25. The old item must be disconnected, emptied and ready to carry at the time of delivery.',
      questions: ['Will you haul away my old fridge when the new one arrives?'],
    },
    {
      heading: 'Paying in instalments',
      text: 'Orders over $300 can be spread over 6, 12 or 18 months with our financing partner. Six-month plans are interest free; longer plans carry an APR of 9.9%. Approval is subject to a soft credit check that does not affect your score.',
      questions: ['Can I pay for the dining set a bit at a time instead of all at once?'],
    },
    {
      heading: 'Gift cards',
      text: 'Gift cards are available from $10 to $500 and never expire. They can be used online, by phone and in any of our stores, but cannot be exchanged for cash or used to buy other gift cards.',
      questions: ['Does the voucher my aunt gave me run out at some point?'],
    },
    {
      heading: 'Harbor Rewards loyalty program',
      text: 'Harbor Rewards members earn one point per dollar spent and receive a $10 reward for every 250 points. Members also get early access to seasonal sales and free standard delivery on every order.',
      questions: ['What do I get for signing up to your members scheme?'],
    },
    {
      heading: 'Product warranty',
      text: 'All furniture carries a 2-year warranty against manufacturing defects, and frames of sofas and beds are covered for 10 years. Small kitchen appliances carry the manufacturer warranty stated in their manual. The warranty does not cover wear and tear, misuse or accidental damage.',
      questions: ['The frame of my settee cracked after four years, is that still covered?'],
    },
  ],
};

export const HOME_STORES: DocumentSpec = {
  documentId: 'doc-hh-stores',
  title: 'Hearth & Harbor stores and opening hours',
  sections: [
    {
      heading: 'Portland Pearl District store',
      text: 'Our Pearl District showroom at 1120 NW Glisan Street, Portland is open Monday to Friday 10am to 8pm, Saturday 9am to 6pm and Sunday 11am to 5pm. Customer parking is in the garage on 12th Avenue, with two hours free.',
      questions: [],
    },
    {
      heading: 'Seattle Ballard store',
      text: 'Our Ballard showroom at 5400 Leary Avenue NW, Seattle is open Monday to Friday 9am to 7pm, Saturday 9am to 5pm and closed on Sundays. Street parking only; the store has a loading bay for collections.',
      questions: [],
    },
    {
      heading: 'Boise Warehouse outlet',
      text: 'The Boise warehouse outlet at 88 Industrial Way sells ex-display and clearance items. It is open Thursday to Sunday, 10am to 4pm. All outlet sales are final except for faulty items.',
      questions: [],
    },
    {
      heading: 'Holiday opening',
      text: 'All stores are closed on Thanksgiving Day, Christmas Day and New Year’s Day. On Christmas Eve and New Year’s Eve stores close at 3pm. Phone lines follow the same holiday hours.',
      questions: ['Can I come in to shop on the afternoon of December 24th?'],
    },
  ],
};

export const CLINIC_POLICIES: DocumentSpec = {
  documentId: 'doc-rfc-policies',
  title: 'Riverside Family Clinic patient guide',
  sections: [
    {
      heading: 'Cancelling or rescheduling appointments',
      text: 'Please give us at least 24 hours notice if you cannot make your appointment. Missed appointments or cancellations with less notice are charged a $40 fee, which insurance does not cover. You can cancel by phone, text or the patient portal.',
      questions: [
        'What happens if I do not turn up for my slot with the doctor?',
        'How far ahead do I have to tell you that I can’t come in?',
      ],
    },
    {
      heading: 'Registering as a new patient',
      text: 'New patients should complete the registration form online before their first visit and bring photo identification, their insurance card and a list of current medications. Please arrive 15 minutes early for your first appointment.',
      questions: ['It is my first time at your practice, what should I bring along?'],
    },
    {
      heading: 'Insurance we accept',
      text: 'We are in network with Blue Cross, Aetna, Cigna, UnitedHealthcare and Medicare. We also see uninsured patients at a self-pay rate of $95 for a standard consultation. Please check with your insurer whether you need a referral for specialist services.',
      questions: [
        'I do not have any health cover, how much would a regular visit cost me?',
        'Are you part of the Aetna network?',
      ],
    },
    {
      heading: 'Bills and payment plans',
      text: 'Statements are sent after your insurer has processed the claim. Balances are due within 30 days. If you cannot pay the full amount, our billing team can set up an interest-free payment plan over up to 6 months; call the billing line before the due date.',
      questions: ['I can’t afford the whole invoice at once, can I split it up?'],
    },
    {
      heading: 'Prescription refills',
      text: 'Request repeat prescriptions through the patient portal or by calling the refill line. Allow 72 hours for your doctor to review the request; it is then sent electronically to your pharmacy. Controlled medications require an appointment.',
      questions: ['How long before my repeat medicine is ready at the chemist?'],
    },
    {
      heading: 'Test results',
      text: 'Most laboratory results are available within 5 business days and are released to the patient portal once your clinician has reviewed them. If a result needs follow-up, the clinic will contact you directly. Imaging reports can take up to 10 days.',
      questions: [
        'When will I find out what my blood work showed?',
        'How long does it take to hear back about an X-ray?',
      ],
    },
    {
      heading: 'Medical records requests',
      text: 'To get a copy of your records, or to have them sent to another provider, fill in the records release form and sign it. Electronic copies are free; paper copies cost $0.25 per page. Requests are completed within 15 days.',
      questions: ['I am moving to a new doctor in another town, how do I get my file sent over?'],
    },
    {
      heading: 'Video appointments',
      text: 'Telehealth visits are available for follow-ups, prescription reviews and minor concerns. You will receive a secure link by text 10 minutes before the appointment. Use a device with a camera in a quiet, private place.',
      questions: ['Can I talk to the doctor from home on my laptop instead of coming in?'],
    },
    {
      heading: 'Vaccinations',
      text: 'We offer seasonal flu vaccines from September, COVID-19 boosters, and travel vaccines including hepatitis A, typhoid and yellow fever. Children’s routine immunisations follow the CDC schedule. Walk-in flu shots are available on Wednesdays from 8am to noon.',
      questions: [
        'Can I just drop in for my winter jab without booking?',
        'I am going on a trip to Africa, can you give me the injections I need?',
      ],
    },
    {
      heading: 'Physiotherapy',
      text: 'Our physiotherapists treat back and neck pain, sports injuries and recovery after surgery. A first assessment lasts 45 minutes; follow-up sessions last 30 minutes. Wear loose, comfortable clothing. Many insurance plans cover a set number of sessions a year.',
      questions: ['I hurt my knee playing football, do you have someone who can help me rehab it?'],
    },
    {
      heading: 'Dermatology',
      text: 'Our dermatology service sees adults and children for eczema, acne, psoriasis and mole checks. A referral from your primary care physician is needed for most insurance plans. Photographs of changing moles can be uploaded to the portal before your visit.',
      questions: ['Who should I see about a mole that has been getting darker?'],
    },
    {
      heading: 'Before a blood test',
      text: 'For a fasting blood test, do not eat or drink anything except water for 10 to 12 hours beforehand. Keep taking your usual medicines unless your doctor told you otherwise. Morning appointments are best for fasting tests.',
      questions: ['Am I allowed breakfast before they take my blood tomorrow?'],
    },
    {
      heading: 'Urgent care and after-hours advice',
      text: 'Outside opening hours, call our after-hours nurse line at 503-555-0199 for advice. In an emergency, such as chest pain or difficulty breathing, call 911 or go to the nearest emergency room.',
      questions: ['Who can I ring at night if my child has a high fever and you are closed?'],
    },
    {
      heading: 'Interpreters and accessibility',
      text: 'Free interpreters are available in person or by phone for over 200 languages, including sign language. All our sites have step-free access and accessible restrooms. Let us know when booking if you need extra time or help.',
      questions: ['My mother only speaks Vietnamese, can someone translate during her visit?'],
    },
  ],
};

export const CLINIC_LOCATIONS: DocumentSpec = {
  documentId: 'doc-rfc-locations',
  title: 'Riverside Family Clinic locations and hours',
  sections: [
    {
      heading: 'Riverside main clinic',
      text: 'The Riverside main clinic at 200 River Road is open Monday to Friday 7:30am to 6pm and Saturday 8am to noon. It has the laboratory, X-ray and the pharmacy. Free parking is available in the lot behind the building.',
      questions: [],
    },
    {
      heading: 'Eastside clinic',
      text: 'The Eastside clinic at 4410 SE Division Street is open Monday to Thursday 8am to 7pm and Friday 8am to 5pm, closed at weekends. It offers primary care, pediatrics and physiotherapy. Paid street parking only.',
      questions: [],
    },
    {
      heading: 'Northgate clinic',
      text: 'The Northgate clinic at 15 Northgate Plaza is open Tuesday to Saturday 9am to 5pm. It offers primary care, dermatology and vaccinations. Parking is free in the plaza garage for 3 hours.',
      questions: [],
    },
  ],
};

/** Questions that single out one branch or store among near-identical sections (near-miss distractors). */
export const BRANCH_QUESTIONS: Array<{ documentId: string; heading: string; text: string }> = [
  {
    documentId: 'doc-hh-stores',
    heading: 'Seattle Ballard store',
    text: 'Is the Ballard shop open on Sunday?',
  },
  {
    documentId: 'doc-hh-stores',
    heading: 'Portland Pearl District store',
    text: 'Where do I park when visiting the Portland showroom?',
  },
  {
    documentId: 'doc-hh-stores',
    heading: 'Boise Warehouse outlet',
    text: 'Which days can I go to the clearance outlet in Boise?',
  },
  {
    documentId: 'doc-rfc-locations',
    heading: 'Eastside clinic',
    text: 'What time does the Eastside clinic close on a Friday?',
  },
  {
    documentId: 'doc-rfc-locations',
    heading: 'Northgate clinic',
    text: 'Is the Northgate site open on Saturday morning?',
  },
  {
    documentId: 'doc-rfc-locations',
    heading: 'Riverside main clinic',
    text: 'Which of your sites can do an X-ray?',
  },
];
