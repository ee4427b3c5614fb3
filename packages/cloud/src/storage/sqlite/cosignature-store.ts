import type Database from 'better-sqlite3';

/**
 * Witness cosignatures, one line per checkpoint size per witness, as each witness answered
 * add-checkpoint (verified before storing), and per witness the size it last cosigned for us: the
 * `old` size of the next add-checkpoint request.
 */
const cosignatureSchema = `
CREATE TABLE IF NOT EXISTS cosignature (
  size INTEGER NOT NULL,
  witness TEXT NOT NULL,
  line TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  PRIMARY KEY (size, witness)
);
CREATE TABLE IF NOT EXISTS witness_state (
  witness TEXT PRIMARY KEY,
  size INTEGER NOT NULL
);
`;

/** Most sizes looked at when searching for the latest final checkpoint. */
export const finalCandidatesMax = 64;

/**
 * Open the cosignature tables in the cloud's SQLite database (created if missing). Each write is
 * one statement or one transaction, so a crash leaves either the old or the new state.
 */
export function openCosignatureStore(db: Database.Database) {
  db.exec(cosignatureSchema);
  const s = {
    insert: db.prepare<[number, string, string, number]>(
      'INSERT OR IGNORE INTO cosignature (size, witness, line, created_at_ms) VALUES (?, ?, ?, ?)',
    ),
    setWitnessSize: db.prepare<[string, number]>(
      'INSERT INTO witness_state (witness, size) VALUES (?, ?) ON CONFLICT (witness) DO UPDATE SET size = excluded.size',
    ),
    witnessSize: db.prepare<[string]>('SELECT size FROM witness_state WHERE witness = ?'),
    linesAt: db.prepare<[number]>('SELECT witness, line FROM cosignature WHERE size = ? ORDER BY witness'),
    has: db.prepare<[number, string]>('SELECT 1 AS found FROM cosignature WHERE size = ? AND witness = ?'),
    sizesWithCount: db.prepare<[number, number, number]>(
      'SELECT size FROM cosignature WHERE size <= ? GROUP BY size HAVING count(*) >= ? ORDER BY size DESC LIMIT ?',
    ),
  };
  const record = db.transaction((size: number, witness: string, line: string, nowMs: number) => {
    s.insert.run(size, witness, line, nowMs);
    s.setWitnessSize.run(witness, size);
  });

  return {
    /** Store a verified cosignature of `size` by `witness` and make `size` the witness's last cosigned size. */
    recordCosignature(size: number, witness: string, line: string, nowMs: number): void {
      record(size, witness, line, nowMs);
    },
    /** Set the size a witness says it last cosigned (from a 409 answer). */
    setWitnessSize(witness: string, size: number): void {
      s.setWitnessSize.run(witness, size);
    },
    /** The size `witness` last cosigned for this log; 0 when it has cosigned nothing. */
    witnessSize(witness: string): number {
      return (s.witnessSize.get(witness) as { size: number } | undefined)?.size ?? 0;
    },
    /** Whether `witness` has a stored cosignature of `size`. */
    hasCosignature(size: number, witness: string): boolean {
      return s.has.get(size, witness) !== undefined;
    },
    /** The stored cosignature lines of `size`, by witness name. */
    cosignaturesAt(size: number): { witness: string; line: string }[] {
      return s.linesAt.all(size) as { witness: string; line: string }[];
    },
    /** Sizes up to `sizeMax` with at least `count` stored cosignatures, largest first, at most finalCandidatesMax. */
    sizesCosignedBy(count: number, sizeMax: number = Number.MAX_SAFE_INTEGER): number[] {
      return (s.sizesWithCount.all(sizeMax, count, finalCandidatesMax) as { size: number }[]).map((row) => row.size);
    },
  };
}

/** The cosignature tables of the cloud's database. */
export type CosignatureStore = ReturnType<typeof openCosignatureStore>;
