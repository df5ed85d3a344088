/**
 * Aggregates ingest warnings per kind so that a file with a million bad samples yields one readable
 * line (first 3 places plus a count) instead of a million, while nothing is dropped silently.
 */

const PLACES_SHOWN = 3;

interface WarningKind {
  readonly headline: string;
  readonly noun: string;
  count: number;
  readonly places: string[];
}

/** Collects warnings by kind; {@link WarningCollector.toStrings} renders one line per kind. */
export class WarningCollector {
  private readonly kinds = new Map<string, WarningKind>();

  /**
   * Records one occurrence of warning `kind`. `headline` and `noun` (singular, e.g. `sample`) are
   * taken from the first call for that kind; `place` says where (`file.om:12`, or a series).
   */
  add(kind: string, headline: string, noun: string, place: string): void {
    let entry = this.kinds.get(kind);
    if (entry === undefined) {
      entry = { headline, noun, count: 0, places: [] };
      this.kinds.set(kind, entry);
    }
    entry.count++;
    if (entry.places.length < PLACES_SHOWN) entry.places.push(place);
  }

  /** One line per kind, in the order kinds first occurred: `headline: N nouns: p1; p2; p3; and K more`. */
  toStrings(): string[] {
    return [...this.kinds.values()].map((k) => {
      const noun = k.count === 1 || k.noun.endsWith('s') ? k.noun : `${k.noun}s`;
      const more = k.count > k.places.length ? `; and ${k.count - k.places.length} more` : '';
      return `${k.headline}: ${k.count} ${noun}: ${k.places.join('; ')}${more}`;
    });
  }
}
