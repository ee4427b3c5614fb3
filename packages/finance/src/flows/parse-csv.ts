/** One record of a CSV file. */
export interface CsvRow {
  /** 1-based record number in the file; the header is row 1. */
  rowNumber: number;
  /** The fields, unquoted. */
  fields: string[];
}

/** Result of {@link parseCsv}. */
export interface ParseCsvResult {
  /** Every complete record, in file order (blank lines skipped). */
  rows: CsvRow[];
  /** Set when the text ends inside a quoted field; rows before it are still returned. */
  unterminatedQuoteRowNumber: number | undefined;
}

/**
 * RFC 4180 CSV to records: comma separated, fields optionally in double quotes, `""` for a quote
 * inside quotes, CRLF or LF line ends, a leading UTF-8 byte-order mark ignored. Quoted fields may
 * span lines. Lines that are entirely empty are skipped (they are not rows). Pure: text in, records out.
 */
export function parseCsv(text: string): ParseCsvResult {
  const rows: CsvRow[] = [];
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let rowNumber = 1;
  let rowHasContent = false;
  const endRow = () => {
    fields.push(field);
    if (rowHasContent || fields.length > 1 || field !== '') {
      rows.push({ rowNumber, fields });
      rowNumber += 1;
    }
    fields = [];
    field = '';
    rowHasContent = false;
  };
  while (index < text.length) {
    const character = text[index] as string;
    if (inQuotes) {
      if (character === '"') {
        if (text[index + 1] === '"') {
          field += '"';
          index += 2;
          continue;
        }
        inQuotes = false;
        index += 1;
        continue;
      }
      field += character;
      index += 1;
      continue;
    }
    if (character === '"') {
      inQuotes = true;
      rowHasContent = true;
    } else if (character === ',') {
      fields.push(field);
      field = '';
      rowHasContent = true;
    } else if (character === '\r' && text[index + 1] === '\n') {
      endRow();
      index += 2;
      continue;
    } else if (character === '\n' || character === '\r') {
      endRow();
    } else {
      field += character;
    }
    index += 1;
  }
  if (inQuotes) return { rows, unterminatedQuoteRowNumber: rowNumber };
  if (field !== '' || fields.length > 0 || rowHasContent) endRow();
  return { rows, unterminatedQuoteRowNumber: undefined };
}
