import type { AnchorScope, AnchorStore, CloudStore } from '../../storage/cloud-store.ts';

export type {
  AnchorRow,
  AnchorScope,
  AnchorState,
  AnchorStore,
  PendingAnchorInsert,
  StoredCheckpoint,
} from '../../storage/cloud-store.ts';

/**
 * The anchor rows of one chain, contract and log, in the cloud store (SQLite or PostgreSQL; the
 * `anchor` table is in the store's first migration). One row per checkpoint size per chain,
 * contract and log. `pending`: the anchor transaction is signed and stored (and maybe sent) but
 * not yet confirmed deep enough; `final`: mined with the configured confirmations; `superseded`:
 * the chain holds a larger size of this log that this process did not anchor, so this size can
 * never be anchored (the contract refuses to shrink). At most one row per log is pending (a unique
 * partial index): anchors go out one at a time, in size order, so a lost transaction can never let
 * a larger size overtake a smaller one. Every write is one statement, atomic and durable.
 */
export function openAnchorStore(store: Pick<CloudStore, 'anchors'>, scope: AnchorScope): AnchorStore {
  return store.anchors(scope);
}
