/**
 * Finds secrets in text: each secret as written, URL-encoded, JSON-escaped, and base64/base64url
 * encoded at any of the three byte alignments (so a secret inside a longer encoded value, such as a
 * `Basic` credential `base64("user:" + token)`, is found too). For the secret-leak test (issue 6).
 */

/** One place a secret was found. */
export interface Leak {
  readonly secret: string;
  readonly form: string;
  readonly where: string;
  /** Up to 40 characters either side, the secret itself masked. */
  readonly context: string;
}

/** The encoded forms of `value` worth looking for, by name. */
export function secretForms(value: string): Map<string, string> {
  const forms = new Map<string, string>([
    ['raw', value],
    ['url-encoded', encodeURIComponent(value)],
    ['json', JSON.stringify(value).slice(1, -1)],
  ]);
  const bytes = Buffer.from(value, 'utf8');
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    // Characters of whole 3-byte groups that lie inside the secret: the same wherever it sits.
    const stable = encoded.slice(shift === 0 ? 0 : 4, encoded.length - 4);
    if (stable.length >= 12) {
      forms.set(`base64@${shift}`, stable);
      forms.set(`base64url@${shift}`, stable.replaceAll('+', '-').replaceAll('/', '_'));
    }
  }
  return forms;
}

/** Every occurrence of every form of every secret (`secrets`: name → value) in `text`. */
export function findLeaks(text: string, where: string, secrets: Readonly<Record<string, string>>): Leak[] {
  const leaks: Leak[] = [];
  for (const [name, value] of Object.entries(secrets)) {
    const seen = new Set<string>();
    for (const [form, needle] of secretForms(value)) {
      if (seen.has(needle)) continue;
      seen.add(needle);
      for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) {
        const context = `${text.slice(Math.max(0, at - 40), at)}<${name}>${text.slice(at + needle.length, at + needle.length + 40)}`;
        leaks.push({ secret: name, form, where, context });
      }
    }
  }
  return leaks;
}
