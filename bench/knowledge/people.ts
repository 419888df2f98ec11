/**
 * Customers of both businesses: unique full names, with deliberately confusable neighbours (Kowalski and
 * Kowalczyk, Marian and Marion) so a question about one person has look-alikes to resist.
 */
import { Dice } from './random';

const FIRST = [
  'Marian',
  'Marion',
  'Jon',
  'John',
  'Katherine',
  'Kathryn',
  'Sean',
  'Shaun',
  'Aileen',
  'Eileen',
  'Stephen',
  'Steven',
  'Priya',
  'Rahul',
  'Mei',
  'Lin',
  'Carlos',
  'Carla',
  'Fatima',
  'Omar',
  'Grace',
  'Gracie',
  'Tomas',
  'Thomas',
  'Ingrid',
  'Astrid',
  'Dmitri',
  'Daria',
  'Kwame',
  'Ama',
  'Lucia',
  'Luca',
  'Hannah',
  'Anna',
  'Noah',
  'Nora',
  'Ethan',
  'Evan',
  'Sofia',
  'Sophie',
  'Mateo',
  'Matteo',
  'Aisha',
  'Ayesha',
  'Yusuf',
  'Joseph',
  'Rosa',
  'Rose',
  'Declan',
  'Deirdre',
  'Wei',
  'Hui',
  'Bridget',
  'Brigitte',
  'Oscar',
  'Olga',
  'Pedro',
  'Paula',
  'Ruth',
  'Rita',
];

const LAST = [
  'Kowalski',
  'Kowalczyk',
  'Anderson',
  'Andersen',
  'Thompson',
  'Thomson',
  'McCarthy',
  'MacCarthy',
  'Petersen',
  'Peterson',
  'Schmidt',
  'Schmitt',
  'Nguyen',
  'Ngo',
  'Okafor',
  'Okafur',
  'Haddad',
  'Hadad',
  'Fischer',
  'Fisher',
  'Lindqvist',
  'Lindquist',
  'Romero',
  'Romeo',
  'Delgado',
  'Salgado',
  'Brennan',
  'Brannan',
  'Whitfield',
  'Whitford',
  'Ashworth',
  'Ashford',
  'Patel',
  'Patil',
  'Chen',
  'Cheng',
  'Moreau',
  'Moreno',
  'Castellano',
  'Castellanos',
  'Oduya',
  'Oduye',
  'Halvorsen',
  'Halverson',
  'Greenberg',
  'Greenburg',
  'Yamamoto',
  'Yamada',
  'Ivanova',
  'Ivanovic',
];

const STREETS = [
  'Elm Street',
  'Alder Avenue',
  'Burnside Road',
  'Hawthorne Boulevard',
  'Maple Court',
  'Division Street',
  'Fremont Place',
  'Killingsworth Street',
  'Sandy Boulevard',
  'Belmont Street',
  'Mississippi Avenue',
  'Vista Drive',
  'Lakeview Terrace',
  'Orchard Lane',
  'Cedar Hills Road',
];

const CITIES = ['Portland', 'Beaverton', 'Gresham', 'Vancouver', 'Seattle', 'Tacoma', 'Boise', 'Salem', 'Eugene'];

export interface Person {
  id: string;
  first: string;
  last: string;
  phone: string;
  street: string;
  city: string;
}

export function fullName(person: Person): string {
  return `${person.first} ${person.last}`;
}

/** `count` people with unique full names and unique phone numbers. */
export function buildPeople(dice: Dice, count: number, idPrefix: string, areaCode: string): Person[] {
  const seenNames = new Set<string>();
  const seenPhones = new Set<string>();
  const people: Person[] = [];
  while (people.length < count) {
    const first = dice.pick(FIRST);
    const last = dice.pick(LAST);
    const phoneTail = String(dice.int(1000, 9999));
    const phone = `+1${areaCode}555${phoneTail}`;
    if (seenNames.has(`${first} ${last}`) || seenPhones.has(phone)) continue;
    seenNames.add(`${first} ${last}`);
    seenPhones.add(phone);
    people.push({
      id: `${idPrefix}-${String(people.length + 1).padStart(4, '0')}`,
      first,
      last,
      phone,
      street: `${dice.int(12, 9800)} ${dice.pick(STREETS)}`,
      city: dice.pick(CITIES),
    });
  }
  return people;
}

/** Whether another person's name differs from this one's by one confusable part (same first or same last name). */
export function hasLookAlike(person: Person, people: readonly Person[]): boolean {
  return people.some((other) => other !== person && (other.first === person.first || other.last === person.last));
}

export function spokenPhone(phone: string): string {
  const digits = phone.slice(2);
  return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
}
