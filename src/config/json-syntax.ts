/**
 * Locates the first JSON syntax error in a text (RFC 8259). Node's `JSON.parse` does not always say where
 * it failed; this scanner does, so input errors can name line:column. It only validates, it builds nothing.
 */

/** The first syntax error: 0-based character offset and what was expected there. */
export interface JsonSyntaxError {
  readonly offset: number;
  readonly message: string;
}

class JsonScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/** Returns the first syntax error of `text` as JSON, or undefined when `text` is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  const scanner = new JsonScanner(text);
  try {
    scanner.document();
    return undefined;
  } catch (error) {
    if (error instanceof JsonScanError) return { offset: error.offset, message: error.message };
    throw error;
  }
}

class JsonScanner {
  private index = 0;

  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.space();
    if (this.index < this.text.length) this.fail('unexpected text after the JSON value');
  }

  private value(): void {
    this.space();
    const char = this.text[this.index];
    if (char === '{') return this.object();
    if (char === '[') return this.array();
    if (char === '"') return this.string();
    if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) return this.match(NUMBER, 'a number');
    if (char === 't' || char === 'f' || char === 'n') return this.match(LITERAL, 'true, false or null');
    if (char === undefined) this.fail('unexpected end of input; expected a value');
    if (char === "'") this.fail('strings must use double quotes');
    this.fail(`unexpected ${JSON.stringify(char)}; expected a value`);
  }

  private object(): void {
    this.index++;
    this.space();
    if (this.peek() === '}') return void this.index++;
    for (;;) {
      this.space();
      if (this.peek() !== '"') this.fail(this.peek() === '}' ? 'trailing comma before }' : 'expected a double-quoted property name');
      this.string();
      this.space();
      if (this.peek() !== ':') this.fail("expected ':' after the property name");
      this.index++;
      this.value();
      this.space();
      if (this.peek() === '}') return void this.index++;
      if (this.peek() !== ',') this.fail("expected ',' or '}' after the property value");
      this.index++;
    }
  }

  private array(): void {
    this.index++;
    this.space();
    if (this.peek() === ']') return void this.index++;
    for (;;) {
      this.space();
      if (this.peek() === ']') this.fail('trailing comma before ]');
      this.value();
      this.space();
      if (this.peek() === ']') return void this.index++;
      if (this.peek() !== ',') this.fail("expected ',' or ']' after the array element");
      this.index++;
    }
  }

  private string(): void {
    this.index++;
    for (;;) {
      const char = this.text[this.index];
      if (char === undefined) this.fail('unterminated string');
      if (char === '"') return void this.index++;
      if (char < ' ') this.fail('control characters must be escaped inside strings');
      if (char === '\\') this.escape();
      else this.index++;
    }
  }

  private escape(): void {
    const next = this.text[this.index + 1] ?? '';
    if ('"\\/bfnrt'.includes(next) && next !== '') this.index += 2;
    else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.index + 2, this.index + 6))) this.index += 6;
    else this.fail('invalid escape sequence');
  }

  private match(pattern: RegExp, what: string): void {
    pattern.lastIndex = this.index;
    if (!pattern.test(this.text)) this.fail(`expected ${what}`);
    this.index = pattern.lastIndex;
  }

  private space(): void {
    for (;;) {
      const char = this.text[this.index];
      if (char === ' ' || char === '\t' || char === '\n' || char === '\r') this.index++;
      else if (char === '/' && (this.text[this.index + 1] === '/' || this.text[this.index + 1] === '*')) {
        this.fail('comments are not allowed in JSON');
      } else return;
    }
  }

  private peek(): string | undefined {
    return this.text[this.index];
  }

  private fail(message: string): never {
    throw new JsonScanError(this.index, message);
  }
}
