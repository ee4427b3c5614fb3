import {
  CollateralError,
  type CollateralStore,
  findPledgeConflicts,
  type PledgeConflict,
  type PledgedLot,
  type ReleaseOrder,
} from '@fieldproof/finance';
import { type Kysely, sql, type Transaction } from 'kysely';
import { decodeDocument, encodeDocument } from './finance-codec.ts';
import type { FinanceDatabase, FinanceStoreDialect } from './finance-database.ts';

/** Whether an error is a unique-constraint violation on either backend. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Pledged lots that share the candidate's site, a monitoring device or a receipt number. */
async function nearbyPledgedLots(db: Kysely<FinanceDatabase>, lot: PledgedLot): Promise<PledgedLot[]> {
  const found = new Map<string, PledgedLot>();
  const add = (rows: { document: unknown }[]) => {
    for (const row of rows) {
      const other = decodeDocument<PledgedLot>(row.document);
      found.set(other.lotId, other);
    }
  };
  add(
    await db
      .selectFrom('finance_lot')
      .select('document')
      .where('site_id', '=', lot.siteId)
      .where('status', '=', 'pledged')
      .execute(),
  );
  const devices = [...new Set(lot.monitoringDeviceIds)];
  if (devices.length > 0) {
    add(
      await db
        .selectFrom('finance_lot_device')
        .innerJoin('finance_lot', 'finance_lot.lot_id', 'finance_lot_device.lot_id')
        .select('finance_lot.document')
        .where('finance_lot_device.device_id', 'in', devices)
        .execute(),
    );
  }
  const receipts = [...new Set(lot.receiptNumbers)];
  if (receipts.length > 0) {
    add(
      await db
        .selectFrom('finance_lot_receipt')
        .innerJoin('finance_lot', 'finance_lot.lot_id', 'finance_lot_receipt.lot_id')
        .select('finance_lot.document')
        .where('finance_lot_receipt.receipt_number', 'in', receipts)
        .execute(),
    );
  }
  return [...found.values()].filter((other) => other.status === 'pledged');
}

function alreadyPledged(lot: PledgedLot, conflict: PledgeConflict): CollateralError {
  return new CollateralError(
    'collateral_already_pledged',
    `these goods are already pledged as lot ${conflict.lotId} (${conflict.reasons.join(', ')})`,
    {
      lotId: lot.lotId,
      conflictingLotId: conflict.lotId,
      reasons: conflict.reasons,
      sharedDeviceIds: conflict.sharedDeviceIds,
      sharedReceiptNumbers: conflict.sharedReceiptNumbers,
    },
  );
}

function sameLotId(lot: PledgedLot): CollateralError {
  return new CollateralError('collateral_already_pledged', `lot ${lot.lotId} is already registered`, {
    lotId: lot.lotId,
    conflictingLotId: lot.lotId,
    reasons: ['same_lot_id'],
  });
}

/**
 * The lot registry, release orders and applied stock-movement events in the cloud store.
 *
 * `putLot` is the registry's atomic check-and-insert: in one transaction it re-checks a pledged lot
 * against the pledged lots that share its site, a device or a receipt (findPledgeConflicts, the
 * rule pledgeCollateral applies) and writes it, so two pledges of the same goods racing past
 * pledgeCollateral's own check cannot both be stored: the second is refused CollateralError
 * `collateral_already_pledged`. PostgreSQL: a per-site advisory transaction lock makes pledges at one
 * site take turns; pledges at different sites that share a device or receipt are stopped by the
 * unique keys (a device, a receipt, a site's goods identity each belong to at most one pledged lot),
 * whose violation is reported with the same code. SQLite: transactions already run one at a time.
 * A lot id is registered once: writing a lot whose stored `pledgeDecisionId` differs is refused too.
 * Finders return pledged lots only, in lotId order.
 */
export function createKyselyCollateralStore(
  db: Kysely<FinanceDatabase>,
  dialect: FinanceStoreDialect,
): CollateralStore {
  const writeLot = async (tx: Transaction<FinanceDatabase>, lot: PledgedLot): Promise<void> => {
    if (dialect === 'postgres') {
      await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`fieldproof-pledge-site:${lot.siteId}`}, 0))`.execute(
        tx,
      );
    }
    if (lot.status === 'pledged') {
      const conflict = findPledgeConflicts({ candidate: lot, existingLots: await nearbyPledgedLots(tx, lot) })[0];
      if (conflict) throw alreadyPledged(lot, conflict);
    }
    const row = {
      lot_id: lot.lotId,
      site_id: lot.siteId,
      goods_identity: lot.goodsIdentity,
      status: lot.status,
      pledge_decision_id: lot.pledgeDecisionId,
      pledgor_id: lot.pledgorId,
      pledgee_id: lot.pledgeeId,
      loan_id: lot.loanId,
      document: encodeDocument(lot),
    };
    const { lot_id: _id, ...changes } = row;
    const written = await tx
      .insertInto('finance_lot')
      .values(row)
      .onConflict((conflict) =>
        conflict
          .column('lot_id')
          .doUpdateSet(changes)
          .where('finance_lot.pledge_decision_id', '=', lot.pledgeDecisionId),
      )
      .executeTakeFirst();
    if (Number(written.numInsertedOrUpdatedRows ?? 0) !== 1) throw sameLotId(lot);
    await tx.deleteFrom('finance_lot_device').where('lot_id', '=', lot.lotId).execute();
    await tx.deleteFrom('finance_lot_receipt').where('lot_id', '=', lot.lotId).execute();
    if (lot.status !== 'pledged') return;
    const devices = [...new Set(lot.monitoringDeviceIds)];
    if (devices.length > 0) {
      await tx
        .insertInto('finance_lot_device')
        .values(devices.map((deviceId) => ({ device_id: deviceId, lot_id: lot.lotId })))
        .execute();
    }
    const receipts = [...new Set(lot.receiptNumbers)];
    if (receipts.length > 0) {
      await tx
        .insertInto('finance_lot_receipt')
        .values(receipts.map((receiptNumber) => ({ receipt_number: receiptNumber, lot_id: lot.lotId })))
        .execute();
    }
  };
  const pledgedLots = (rows: { document: unknown }[]) =>
    rows.map((row) => decodeDocument<PledgedLot>(row.document)).filter((lot) => lot.status === 'pledged');
  return {
    async getLot(lotId) {
      const row = await db.selectFrom('finance_lot').select('document').where('lot_id', '=', lotId).executeTakeFirst();
      return row && decodeDocument<PledgedLot>(row.document);
    },
    async findActiveLotsAtSite(siteId) {
      return pledgedLots(
        await db
          .selectFrom('finance_lot')
          .select('document')
          .where('site_id', '=', siteId)
          .where('status', '=', 'pledged')
          .orderBy('lot_id')
          .execute(),
      );
    },
    async findActiveLotsByDevice(deviceId) {
      return pledgedLots(
        await db
          .selectFrom('finance_lot_device')
          .innerJoin('finance_lot', 'finance_lot.lot_id', 'finance_lot_device.lot_id')
          .select('finance_lot.document')
          .where('finance_lot_device.device_id', '=', deviceId)
          .orderBy('finance_lot.lot_id')
          .execute(),
      );
    },
    async findActiveLotsByReceipt(receiptNumber) {
      return pledgedLots(
        await db
          .selectFrom('finance_lot_receipt')
          .innerJoin('finance_lot', 'finance_lot.lot_id', 'finance_lot_receipt.lot_id')
          .select('finance_lot.document')
          .where('finance_lot_receipt.receipt_number', '=', receiptNumber)
          .orderBy('finance_lot.lot_id')
          .execute(),
      );
    },
    async putLot(lot) {
      try {
        await db.transaction().execute((tx) => writeLot(tx, lot));
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        // A pledge at another site committed the same device or receipt first: name it if we can.
        const conflict = findPledgeConflicts({ candidate: lot, existingLots: await nearbyPledgedLots(db, lot) })[0];
        throw conflict
          ? alreadyPledged(lot, conflict)
          : new CollateralError('collateral_already_pledged', `the goods of lot ${lot.lotId} were pledged meanwhile`, {
              lotId: lot.lotId,
            });
      }
    },
    async getReleaseOrder(releaseOrderId) {
      const row = await db
        .selectFrom('finance_release_order')
        .select('document')
        .where('release_order_id', '=', releaseOrderId)
        .executeTakeFirst();
      return row && decodeDocument<ReleaseOrder>(row.document);
    },
    async findReleaseOrders(lotId) {
      const rows = await db
        .selectFrom('finance_release_order')
        .select('document')
        .where('lot_id', '=', lotId)
        .orderBy('release_order_id')
        .execute();
      return rows.map((row) => decodeDocument<ReleaseOrder>(row.document));
    },
    async putReleaseOrder(order) {
      const row = { release_order_id: order.releaseOrderId, lot_id: order.lotId, document: encodeDocument(order) };
      const { release_order_id: _id, ...changes } = row;
      await db
        .insertInto('finance_release_order')
        .values(row)
        .onConflict((conflict) => conflict.column('release_order_id').doUpdateSet(changes))
        .execute();
    },
    async hasAppliedEvent(eventId) {
      const row = await db
        .selectFrom('finance_applied_event')
        .select('event_id')
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      return row !== undefined;
    },
    async recordAppliedEvent(eventId, lotId) {
      await db
        .insertInto('finance_applied_event')
        .values({ event_id: eventId, lot_id: lotId })
        .onConflict((conflict) => conflict.column('event_id').doUpdateSet({ lot_id: lotId }))
        .execute();
    },
  };
}
