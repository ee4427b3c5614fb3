import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { verifyFrameBundle } from '@fieldproof/ledger';
import {
  type DerivedEvent,
  defaultEventRegistry,
  reexecuteEvent,
  type SignedFrame,
  type TrustFile,
  TrustFileSchema,
} from '@fieldproof/protocol';

const usage =
  'usage: fieldproof reexecute --cloud <URL> --trust <keys.json> (--event <ID> | --device <ID>) [--token <session token | API key>, or FIELDPROOF_TOKEN] [--proof-wait-ms 10000]';

/** Most events `--device` re-executes in one run. */
export const reexecuteEventsMax = 10_000;

/** An event as GET /v1/events shows it. */
interface EventView {
  event: DerivedEvent;
  edgeId: string;
  check: { status: string };
}

/** What GET /v1/events/:id/frames answers. */
interface EventFrames {
  frames: { id: string; seq: number }[];
  missingFrameIds: string[];
}

class CloudAnswerError extends Error {}

async function getJson<T>(url: URL, token: string | undefined, proofWaitMs = 0): Promise<T> {
  const deadline = Date.now() + proofWaitMs;
  for (;;) {
    // Event and frame reads need credentials (docs/access-control.md): a session token or API key.
    const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const text = await response.text();
    if (response.ok) return JSON.parse(text) as T;
    // A frame logged a moment ago has no checkpoint yet: wait for one, as long as allowed.
    if (response.status === 409 && text.includes('proof_not_ready') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      continue;
    }
    throw new CloudAnswerError(`GET ${url.pathname}: ${response.status} ${text.slice(0, 300)}`);
  }
}

/** The outcome for one event. */
interface EventOutcome {
  ok: boolean;
  line: string;
}

async function reexecuteOne(
  cloud: URL,
  token: string | undefined,
  trust: TrustFile,
  view: EventView,
  proofWaitMs: number,
): Promise<EventOutcome> {
  const { event } = view;
  const label = `${event.eventId} ${event.type} ${event.deviceId} ${event.function.name}@${event.function.version}`;
  const cloudSays = `(cloud says ${view.check.status})`;
  const listing = await getJson<EventFrames>(new URL(`/v1/events/${event.eventId}/frames`, cloud), token);
  if (listing.missingFrameIds.length > 0) {
    return {
      ok: false,
      line: `FAIL ${label} event_frames_missing: ${listing.missingFrameIds.length} source frames are not logged, first ${listing.missingFrameIds[0]} ${cloudSays}`,
    };
  }
  const frames: SignedFrame[] = [];
  for (const item of listing.frames) {
    const bundle = await getJson<{ frame: SignedFrame }>(
      new URL(`/v1/frames/${item.id}/proof`, cloud),
      token,
      proofWaitMs,
    );
    const verified = verifyFrameBundle(bundle, trust);
    if (!verified.ok) {
      const failed = verified.steps.find((step) => !step.ok);
      return {
        ok: false,
        line: `FAIL ${label} frame_unverified: frame ${item.id} (seq ${item.seq}) failed ${failed?.step}: ${failed?.code} ${failed?.message} ${cloudSays}`,
      };
    }
    frames.push(bundle.frame);
  }
  const result = reexecuteEvent(defaultEventRegistry, event, frames);
  // A seq of the range with no logged frame: a device gap, or a frame the cloud did not list.
  const seqs = listing.frames.map((item) => item.seq);
  const gaps = seqs.length === 0 ? 0 : Math.max(...seqs) - Math.min(...seqs) + 1 - seqs.length;
  const gapNote = gaps > 0 ? `, ${gaps} seqs of the range not logged` : '';
  if (result.ok) {
    return { ok: true, line: `ok   ${label} matched on ${frames.length} verified frames${gapNote} ${cloudSays}` };
  }
  const expected = result.expected ? JSON.stringify(result.expected.payload) : 'no event';
  return {
    ok: false,
    line: `FAIL ${label} ${result.code}: ${result.message}; expected ${expected}, got ${JSON.stringify(event.payload)} ${cloudSays}`,
  };
}

/**
 * `fieldproof reexecute --cloud <URL> --trust <keys.json> (--event <ID> | --device <ID>)`: re-run
 * derived events on their frames independently of the cloud's own verdict. For each event it
 * fetches the ids of the logged frames of the device in the event's seq range
 * (GET /v1/events/:id/frames), fetches each frame's proof bundle and verifies it offline against
 * the trust file (so the frames are the logged ones, signed by their devices), then runs the
 * event's function with reexecuteEvent. Prints one line per event; resolves with 0 when every
 * event matched, 1 when one did not (mismatch, unknown function, missing or unverified frames),
 * 2 for bad arguments, an unreadable trust file or a cloud that does not answer.
 */
export async function runReexecute(argv: string[], write: (line: string) => void): Promise<number> {
  let values: {
    cloud?: string;
    trust?: string;
    event?: string;
    device?: string;
    token?: string;
    'proof-wait-ms'?: string;
  };
  try {
    values = parseArgs({
      args: argv,
      options: {
        cloud: { type: 'string' },
        trust: { type: 'string' },
        event: { type: 'string' },
        device: { type: 'string' },
        token: { type: 'string' },
        'proof-wait-ms': { type: 'string' },
      },
    }).values;
  } catch (error) {
    write(`${(error as Error).message}\n${usage}`);
    return 2;
  }
  if (!values.cloud || !values.trust || (values.event === undefined) === (values.device === undefined)) {
    write(usage);
    return 2;
  }
  const proofWaitMs = Number(values['proof-wait-ms'] ?? 10_000);
  if (!Number.isSafeInteger(proofWaitMs) || proofWaitMs < 0) {
    write(`--proof-wait-ms must be a non-negative integer\n${usage}`);
    return 2;
  }
  let trust: TrustFile;
  try {
    const parsed = TrustFileSchema.safeParse(JSON.parse(readFileSync(values.trust, 'utf8')));
    if (!parsed.success) {
      write(`trust file ${values.trust} is not valid: ${parsed.error.issues[0]?.message}`);
      return 2;
    }
    trust = parsed.data;
  } catch (error) {
    write(`cannot read trust file ${values.trust}: ${(error as Error).message}`);
    return 2;
  }
  const cloud = new URL(values.cloud);
  const token = values.token ?? process.env.FIELDPROOF_TOKEN;
  try {
    const views: EventView[] = [];
    if (values.event !== undefined) {
      views.push(await getJson<EventView>(new URL(`/v1/events/${encodeURIComponent(values.event)}`, cloud), token));
    } else {
      let cursor: string | undefined;
      do {
        const url = new URL('/v1/events', cloud);
        url.searchParams.set('deviceId', values.device as string);
        url.searchParams.set('limit', '1000');
        if (cursor !== undefined) url.searchParams.set('cursor', cursor);
        const page = await getJson<{ items: EventView[]; nextCursor?: string }>(url, token);
        views.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== undefined && views.length < reexecuteEventsMax);
    }
    let failed = 0;
    for (const view of views.slice(0, reexecuteEventsMax)) {
      const outcome = await reexecuteOne(cloud, token, trust, view, proofWaitMs);
      write(outcome.line);
      if (!outcome.ok) failed++;
    }
    write(
      failed === 0
        ? `re-executed ${views.length} events: every one matched`
        : `re-executed ${views.length} events: ${failed} did NOT match`,
    );
    return failed === 0 ? 0 : 1;
  } catch (error) {
    write(`cannot re-execute: ${(error as Error).message}`);
    return 2;
  }
}
