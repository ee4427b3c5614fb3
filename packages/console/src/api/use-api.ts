// The API client shared by the pages, and how often they refetch.
import { createContext, useContext } from 'react';
import type { ApiClient } from './client.ts';

/** How often the pages refetch: live enough until the cloud pushes updates. */
export const refetchIntervalMs = 3_000;

/** Carries the console's ApiClient to the pages. */
export const ApiContext = createContext<ApiClient | undefined>(undefined);

/** The console's API client. Precondition: called under an ApiContext provider. */
export function useApi(): ApiClient {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi needs an ApiContext provider above it');
  return api;
}
