import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { recordTraces } from '../../_test/record-traces.ts';

// The event functions are tested on traces recorded from these simulators and committed under
// packages/protocol/_test/traces/. Recording again must give the same frames, byte for byte; if a
// simulator change breaks this, re-record (npx tsx packages/device/_test/record-traces.ts) and
// re-check the expected events in packages/protocol/src/events/trace-events.test.ts by hand.
describe('recorded traces', () => {
  it('match what the simulators produce today', () => {
    for (const trace of recordTraces()) {
      const committed = JSON.parse(
        readFileSync(new URL(`../../../protocol/_test/traces/${trace.name}.json`, import.meta.url), 'utf8'),
      ) as { frames: unknown[]; publicKey: string };
      expect(committed.publicKey).toBe(trace.publicKey);
      // Through JSON, as the file holds them (a simulated −0 °C is written 0, as the device signs it).
      expect(committed.frames).toEqual(JSON.parse(JSON.stringify(trace.frames)));
    }
  });
});
