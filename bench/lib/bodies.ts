/**
 * Signature bodies as real signers send them: varied names (accents, Arabic), a handful of mail
 * providers (some of which ignore dots or `+tags`, so canonicalisation matters), optional postcode
 * and comment. A share of requests reuse an address already sent in this run, sometimes spelled
 * differently (upper case, a `+tag`): those are the duplicates Chorus must not count twice.
 */

const FIRST = ['Ann', 'Léa', 'Amir', 'Fatima', 'João', 'Chloé', 'Kwame', 'Mei', 'Olu', 'Zoë', 'Yusuf', 'Ingrid', 'Nour', 'Pierre', 'Aisha', 'Tomás', 'سارة', 'محمد'];
const LAST = ['Lee', 'Martin', 'Haddad', 'Okafor', 'Silva', 'Nguyen', 'Dubois', 'Mensah', 'Kowalski', 'Brown', 'Benali', 'García', 'Schmidt', 'Diallo'];
const ASCII_FIRST = ['ann', 'lea', 'amir', 'fatima', 'joao', 'chloe', 'kwame', 'mei', 'olu', 'zoe', 'yusuf', 'ingrid', 'nour', 'pierre', 'aisha', 'tomas', 'sara', 'mohamed'];
const DOMAINS = ['example.org', 'gmail.com', 'outlook.com', 'proton.me', 'laposte.net', 'posteo.de', 'example.com'];
const PLUS_DOMAINS = new Set(['gmail.com', 'outlook.com', 'proton.me', 'posteo.de']);
const COUNTRIES = ['FR', 'GB', 'DE', 'US', 'MA', 'EG', 'SN', 'BE', 'CA', 'ES', 'NG', 'BR', 'IN', 'LB'];
const POSTCODES = ['75011', 'SW1A 1AA', '10115', '94110', '20250', 'H2X 1Y4', '1000', '08001'];
const COMMENTS = [
  'Our town depends on this decision. Please listen to the people who live with the consequences every day.',
  'I signed because my children deserve clean air and a future that is not for sale.',
  'Shareholders should know that customers are watching. Divest now.',
  'Je signe pour ma famille et pour mes voisins.',
  'من أجل مستقبل أفضل لأطفالنا',
];

export interface BodyFactory {
  /** The JSON body and the address it carries (as typed, before canonicalisation). */
  next(): { readonly body: string; readonly email: string; readonly duplicate: boolean };
}

/** `tag` keeps addresses of different runs apart; `dupRate` is the share of requests that reuse an address. */
export function createBodyFactory(tag: string, dupRate: number, random: () => number = Math.random): BodyFactory {
  const sent: string[] = [];
  let seq = 0;
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

  const fresh = (): string => {
    seq += 1;
    const domain = pick(DOMAINS);
    // The letter before the sequence number keeps every address distinct even where dots are ignored.
    return `${pick(ASCII_FIRST)}.${pick(ASCII_FIRST)}.${tag}x${seq}@${domain}`;
  };

  const again = (): string => {
    const email = sent[Math.floor(random() * sent.length)] as string;
    const r = random();
    if (r < 0.25) return email.toUpperCase();
    const at = email.lastIndexOf('@');
    if (r < 0.5 && PLUS_DOMAINS.has(email.slice(at + 1))) return `${email.slice(0, at)}+again@${email.slice(at + 1)}`;
    return email;
  };

  return {
    next() {
      const duplicate = sent.length > 0 && random() < dupRate;
      const email = duplicate ? again() : fresh();
      if (!duplicate) sent.push(email);
      const fields: Record<string, unknown> = {
        name: `${pick(FIRST)} ${pick(LAST)}`,
        email,
        country: pick(COUNTRIES),
        optIn: random() < 0.4,
      };
      if (random() < 0.5) fields.postcode = pick(POSTCODES);
      if (random() < 0.15) fields.comment = pick(COMMENTS);
      return { body: JSON.stringify(fields), email, duplicate };
    },
  };
}
