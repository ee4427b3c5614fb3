import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openCloudFieldCipher, rotateDataKeys, rotateMasterKey } from '@fieldproof/cloud';
import { storeFromOption } from './serve.ts';

const usage = `usage: fieldproof keys list   [--data-dir ./data/cloud] [--store sqlite|sqlite:<path>|postgres://…[?schema=name]]
       fieldproof keys rotate [--data-dir ./data/cloud] [--store …] [--data-keys] [--page-rows 200]
  rotate: a new master key becomes current and every data key is re-wrapped under it (no value is
          re-encrypted; the old master key stays for unwrapping). --data-keys also makes a new data
          key per purpose and re-encrypts every sealed value under it, in pages, with progress.`;

/**
 * \`fieldproof keys\`: list the master and data keys of a cloud (ids and dates, never key bytes), or
 * rotate them (docs/encryption-at-rest.md). Runs beside a live cloud too: a value a cloud writes
 * meanwhile is left as it sealed it, and the cloud unwraps under the new master key on its own.
 */
export async function runKeys(args: string[], write: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      'data-dir': { type: 'string' },
      store: { type: 'string' },
      'data-keys': { type: 'boolean' },
      'page-rows': { type: 'string' },
    },
  });
  const action = positionals[0];
  if ((action !== 'list' && action !== 'rotate') || positionals.length !== 1) {
    write(usage);
    return 2;
  }
  const pageRows = values['page-rows'] === undefined ? undefined : Number(values['page-rows']);
  if (pageRows !== undefined && !Number.isInteger(pageRows)) {
    write(`--page-rows must be an integer, got ${values['page-rows']}`);
    return 2;
  }
  const opened = await openCloudFieldCipher({
    dataDir: resolve(values['data-dir'] ?? './data/cloud'),
    store: storeFromOption(values.store),
  });
  try {
    const { cipher, store } = opened;
    if (action === 'rotate') {
      const master = await rotateMasterKey({ cipher });
      write(`master key ${master.masterKeyId} is current; ${master.rewrapped} data keys re-wrapped under it`);
      if (values['data-keys']) {
        const rotated = await rotateDataKeys(
          { store, cipher },
          {
            ...(pageRows === undefined ? {} : { pageRows }),
            onProgress: (progress) =>
              write(`re-encrypting ${progress.table}: ${progress.rowsResealed} of ${progress.rowsSeen} rows so far`),
          },
        );
        for (const [purpose, dataKeyId] of Object.entries(rotated.dataKeyIds)) {
          write(`data key ${dataKeyId} is current for ${purpose}`);
        }
        for (const [table, count] of Object.entries(rotated.resealedByTable)) {
          write(`${table}: ${count} values re-encrypted`);
        }
      }
    }
    for (const key of await cipher.keys.listKeys()) {
      write(`master ${key.keyId} created ${new Date(key.createdAtMs).toISOString()}${key.current ? ' (current)' : ''}`);
    }
    for (const key of await cipher.dataKeys.list()) {
      write(
        `data   ${key.dataKeyId} ${key.purpose} ${key.suite} created ${new Date(key.createdAtMs).toISOString()} wrapped by ${key.masterKeyId}`,
      );
    }
    return 0;
  } finally {
    await opened.close();
  }
}
