/**
 * A small reader for the CSV files this tool writes (RFC 4180: fields quoted with " when they
 * hold a comma, quote or newline; "" inside quotes). `classes merge` needs it to find where each
 * record of a shard's injections.csv starts and ends, keeping the record's exact bytes.
 */

export interface CsvRecord {
  fields: string[];
  /** The record's text including its line ending, byte-for-byte as in the file. */
  raw: string;
}

/** Reads records one at a time from a string. */
export class CsvReader {
  private pos = 0;
  constructor(private readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  next(): CsvRecord | null {
    const t = this.text;
    if (this.pos >= t.length) return null;
    const start = this.pos;
    const fields: string[] = [];
    let field = '';
    let i = this.pos;
    for (;;) {
      if (t[i] === '"') {
        i++;
        for (;;) {
          if (i >= t.length) throw new Error('unterminated quoted field');
          if (t[i] === '"') {
            if (t[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          field += t[i++];
        }
      }
      while (i < t.length && t[i] !== ',' && t[i] !== '\n' && t[i] !== '\r') field += t[i++];
      fields.push(field);
      field = '';
      if (i >= t.length) break;
      if (t[i] === ',') {
        i++;
        continue;
      }
      if (t[i] === '\r' && t[i + 1] === '\n') i += 2;
      else i++;
      break;
    }
    this.pos = i;
    return { fields, raw: t.slice(start, i) };
  }
}

/** Every record of a CSV text. */
export function parseCsv(text: string): string[][] {
  const r = new CsvReader(text);
  const out: string[][] = [];
  for (let rec = r.next(); rec; rec = r.next()) out.push(rec.fields);
  return out;
}
