import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveTrace, numbers, readTrace, testFrames, traceCases } from '../../_test/event-frames.ts';
import type { SignedFrame } from '../frame.ts';
import { deriveEvents } from './derive-events.ts';
import { type DerivedEvent, DerivedEventSchema, eventIdOf, toEventSourceFrames } from './derived-event.ts';
import {
  createEventRegistry,
  defaultEventRegistry,
  eventFunctionDefinitions,
  eventFunctionKey,
} from './event-registry.ts';
import { reexecuteEvent } from './reexecute-event.ts';

const allTraceEvents = traceCases.map(({ trace }) => ({
  trace,
  frames: readTrace(trace).frames,
  ...deriveTrace(trace),
}));

describe('reexecuteEvent on the traces', () => {
  it('accepts every honest event, given the whole trace or only its source frames', () => {
    let count = 0;
    for (const { frames, events } of allTraceEvents) {
      const byId = new Map(toEventSourceFrames('intl', frames).map((source, index) => [source.id, frames[index]]));
      for (const event of events) {
        expect(DerivedEventSchema.parse(event)).toEqual(event);
        expect(reexecuteEvent(defaultEventRegistry, event, frames)).toEqual({ ok: true });
        const named = event.sourceFrameIds.map((id) => byId.get(id) as SignedFrame);
        expect(reexecuteEvent(defaultEventRegistry, event, named)).toEqual({ ok: true });
        count++;
      }
    }
    expect(count).toBe(35);
  });

  it('catches a tampered event: 20 000 kg out reported as 2 000 kg, id recomputed to match', () => {
    const { frames, events } = allTraceEvents[0] as (typeof allTraceEvents)[number];
    const honest = events[3] as DerivedEvent;
    const { eventId: _id, ...content } = { ...honest, payload: { ...honest.payload, weightKg: 2000 } };
    const tampered = { ...content, eventId: eventIdOf(content) };
    const verdict = reexecuteEvent(defaultEventRegistry, tampered, frames);
    expect(verdict).toMatchObject({ ok: false, code: 'event_mismatch', expected: honest, got: tampered });
  });

  it('names the reason when the function is unknown or a frame is missing', () => {
    const { frames, events } = allTraceEvents[5] as (typeof allTraceEvents)[number];
    const honest = events[0] as DerivedEvent;
    const newer = { ...honest, function: { name: honest.function.name, version: 99 } };
    expect(reexecuteEvent(defaultEventRegistry, newer, frames)).toMatchObject({
      ok: false,
      code: 'event_function_unknown',
    });
    const withoutDetector = createEventRegistry(
      eventFunctionDefinitions.filter((d) => d.name !== honest.function.name),
    );
    expect(reexecuteEvent(withoutDetector, honest, frames)).toMatchObject({
      ok: false,
      code: 'event_function_unknown',
    });
    expect(reexecuteEvent(defaultEventRegistry, honest, frames.slice(0, 50))).toMatchObject({
      ok: false,
      code: 'event_frames_missing',
    });
  });

  it('rejects an event whose recorded parameters were trimmed to the ones given', () => {
    const { frames, events } = allTraceEvents[0] as (typeof allTraceEvents)[number];
    const honest = events[0] as DerivedEvent;
    const { eventId: _id, ...content } = { ...honest, parameters: { noiseBandKg: 100 } };
    expect(reexecuteEvent(defaultEventRegistry, { ...content, eventId: eventIdOf(content) }, frames)).toMatchObject({
      ok: false,
      code: 'event_mismatch',
    });
  });
});

/** Change one field of an event to a different value of a plausible kind. */
function alter(event: DerivedEvent, field: keyof DerivedEvent, pick: number): unknown {
  const changed: Record<string, unknown> = { ...event };
  switch (field) {
    case 'eventId':
      changed.eventId = event.eventId.replace(/^./, (digit) => (digit === '0' ? '1' : '0'));
      break;
    case 'suite':
      changed.suite = event.suite === 'intl' ? 'sm' : 'intl';
      break;
    case 'function':
      changed.function = { ...event.function, version: event.function.version + 1 };
      break;
    case 'parameters': {
      const keys = Object.keys(event.parameters);
      const key = keys[pick % keys.length] as string;
      const value = event.parameters[key];
      changed.parameters = { ...event.parameters, [key]: typeof value === 'number' ? value + 1 : [value] };
      break;
    }
    case 'deviceId':
      changed.deviceId = `${event.deviceId}x`;
      break;
    case 'sourceFrameIds': {
      const ids = [...event.sourceFrameIds];
      if (ids.length > 1 && pick % 2 === 0) ids.splice(pick % ids.length, 1);
      else ids.reverse().push(ids[0] as string);
      changed.sourceFrameIds = ids;
      break;
    }
    case 'startTimeMs':
    case 'endTimeMs':
      changed[field] = event[field] + 1 + (pick % 1000);
      break;
    case 'type':
      changed.type = `${event.type}x`;
      break;
    case 'payload': {
      const keys = Object.keys(event.payload);
      const key = keys[pick % keys.length] as string;
      const value = event.payload[key];
      changed.payload = {
        ...event.payload,
        [key]: typeof value === 'number' ? value + 0.1 : typeof value === 'boolean' ? !value : `${String(value)}x`,
      };
      break;
    }
  }
  return changed;
}

const fields: (keyof DerivedEvent)[] = [
  'eventId',
  'suite',
  'function',
  'parameters',
  'deviceId',
  'sourceFrameIds',
  'startTimeMs',
  'endTimeMs',
  'type',
  'payload',
];

describe('re-execution properties (fast-check)', () => {
  const honestEvents = allTraceEvents.flatMap(({ frames, events }) => events.map((event) => ({ frames, event })));

  it('rejects any single altered field, with the event id left or recomputed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: honestEvents.length - 1 }),
        fc.constantFrom(...fields),
        fc.nat(),
        fc.boolean(),
        (index, field, pick, recomputeId) => {
          const { frames, event } = honestEvents[index] as (typeof honestEvents)[number];
          const altered = alter(event, field, pick) as DerivedEvent;
          const claim =
            recomputeId && field !== 'eventId' ? { ...altered, eventId: eventIdOf(altered) } : (altered as unknown);
          const verdict = reexecuteEvent(defaultEventRegistry, claim, frames);
          if (field === 'parameters' && recomputeId && verdict.ok) {
            // Parameters are part of the claim: a change that does not change the outcome (a
            // minimum step of 401 kg instead of 400 for a 1 500 kg movement) leaves an event that is
            // honest under its own parameters. Whether those are the parameters configured for the
            // device is a policy check for the cloud, not re-execution's. Show it really is honest:
            const definition = defaultEventRegistry.get(eventFunctionKey(event.function.name, event.function.version));
            const rederived = deriveEvents({
              definition: definition as NonNullable<typeof definition>,
              parameters: (claim as DerivedEvent).parameters,
              suite: 'intl',
              deviceId: event.deviceId,
              frames: toEventSourceFrames('intl', frames),
            }).events;
            expect(rederived).toContainEqual(claim);
            return;
          }
          expect(verdict.ok).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('every function is deterministic: twice, or on the frames re-serialized and shuffled, the same events', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: allTraceEvents.length - 1 }),
        fc.integer({ min: 0, max: 150 }),
        fc.integer({ min: 20, max: 150 }),
        fc.infiniteStream(fc.nat()),
        (caseIndex, start, length, randomness) => {
          const { trace, frames } = allTraceEvents[caseIndex] as (typeof allTraceEvents)[number];
          const found = traceCases.find((entry) => entry.trace === trace) as (typeof traceCases)[number];
          const definition = defaultEventRegistry.get(eventFunctionKey(found.name, 1));
          if (!definition) throw new Error('unregistered');
          const window = frames.slice(start, start + length);
          const run = (signed: SignedFrame[]) =>
            deriveEvents({
              definition,
              parameters: definition.parametersSchema.parse(found.parameters),
              suite: 'intl',
              deviceId: (window[0] as SignedFrame).frame.deviceId,
              frames: toEventSourceFrames('intl', signed),
            }).events;
          const first = run(window);
          const copy = JSON.parse(JSON.stringify(window)) as SignedFrame[];
          const keys = [...copy.keys()].map((index) => ({ index, key: randomness.next().value }));
          keys.sort((a, b) => a.key - b.key);
          const shuffled = keys.map(({ index }) => copy[index] as SignedFrame);
          expect(run(window)).toEqual(first);
          expect(run(shuffled)).toEqual(first);
          // Locality: every event of any window re-executes on its own source frames.
          for (const event of first) expect(reexecuteEvent(defaultEventRegistry, event, window)).toEqual({ ok: true });
        },
      ),
      { numRuns: 120 },
    );
  });

  it('random load-cell staircases: every derived movement re-executes, every window of it too', () => {
    const definition = defaultEventRegistry.get('derive-stock-movements@1');
    if (!definition) throw new Error('unregistered');
    const parameters = definition.parametersSchema.parse({});
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ stepKg: fc.integer({ min: -3000, max: 3000 }), noiseKg: fc.integer({ min: -40, max: 40 }) }),
          {
            minLength: 5,
            maxLength: 80,
          },
        ),
        (steps) => {
          let levelKg = 50_000;
          const weights = steps.map(({ stepKg, noiseKg }, index) => {
            if (index % 4 === 0) levelKg += stepKg;
            return levelKg + noiseKg;
          });
          const { signed, sources } = testFrames('cell-p', numbers('weight', weights, 'kg'));
          const { events } = deriveEvents({
            definition,
            parameters,
            suite: 'intl',
            deviceId: 'cell-p',
            frames: sources,
          });
          for (const event of events) expect(reexecuteEvent(defaultEventRegistry, event, signed)).toEqual({ ok: true });
        },
      ),
      { numRuns: 200 },
    );
  });
});
