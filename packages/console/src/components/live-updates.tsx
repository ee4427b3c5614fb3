// Live updates over GET /v1/stream (server-sent events, read with fetch so the bearer token goes
// with it): the log size as it grows, and each new or changed alert, which also refreshes the
// pages that show alerts. Reconnects after a pause when the stream drops.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { StreamEvent } from '../api/types.ts';
import { useApi } from '../api/use-api.ts';

/** Wait before reconnecting a dropped stream, ms. */
export const streamReconnectMs = 3_000;

/** What the live stream has told the console. */
export interface LiveState {
  /** Whether the stream is open. */
  connected: boolean;
  /** The log size last pushed. */
  logSize?: number;
  /** The last alert pushed. */
  lastAlert?: Extract<StreamEvent, { type: 'alert' }>['data'];
}

/** Keep a stream open while `enabled`; returns what it has pushed. */
export function useLiveUpdates(enabled: boolean): LiveState {
  const api = useApi();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>({ connected: false });
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      setState((previous) => ({ ...previous, connected: true }));
      api
        .stream((event) => {
          if (event.type === 'status') {
            setState((previous) => ({ ...previous, connected: true, logSize: event.data.logSize }));
            void queryClient.invalidateQueries({ queryKey: ['status'] });
          } else if (event.type === 'alert') {
            setState((previous) => ({ ...previous, lastAlert: event.data }));
            void queryClient.invalidateQueries({ queryKey: ['alerts'] });
            void queryClient.invalidateQueries({ queryKey: ['portfolio'] });
          }
        }, controller.signal)
        .catch(() => undefined)
        .finally(() => {
          if (controller.signal.aborted) return;
          setState((previous) => ({ ...previous, connected: false }));
          timer = setTimeout(connect, streamReconnectMs);
        });
    };
    connect();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [api, enabled, queryClient]);
  return state;
}
