// Ledger: the log's size, its latest checkpoint and whether it is final, the witnesses and their
// cosignature lines, and the log's growth over this session.
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { LogSizeChart, type LogSizeSample } from '../components/log-size-chart.tsx';
import { useI18n } from '../i18n.tsx';

/** Most samples the chart keeps: about an hour at the refetch interval. */
const logSizeSamplesMax = 1_200;

/** A signature line of a signed note (c2sp.org/signed-note): `— <name> <base64>`. */
export interface NoteSignatureLine {
  /** The key name. */
  name: string;
  /** The whole line, as in the note. */
  line: string;
}

/** The signature lines of a signed note: those after the blank line that ends its body. */
export function noteSignatureLines(note: string): NoteSignatureLine[] {
  const end = note.indexOf('\n\n');
  if (end < 0) return [];
  return note
    .slice(end + 2)
    .split('\n')
    .filter((line) => line.startsWith('\u2014 '))
    .map((line) => ({ name: line.slice(2).split(' ')[0] ?? '', line }));
}

/** The Ledger tab. */
export function LedgerPage() {
  const api = useApi();
  const { t } = useI18n();
  const status = useQuery({ queryKey: ['status'], queryFn: api.status, refetchInterval: refetchIntervalMs });
  const trust = useQuery({ queryKey: ['trust'], queryFn: api.trust, refetchInterval: refetchIntervalMs });
  const note = useQuery({
    queryKey: ['checkpoint', 'cosigned'],
    queryFn: api.cosignedCheckpoint,
    refetchInterval: refetchIntervalMs,
  });
  const [samples, setSamples] = useState<LogSizeSample[]>([]);
  useEffect(() => {
    if (!status.data) return;
    const sample = { timeMs: status.dataUpdatedAt, logSize: status.data.logSize };
    setSamples((previous) => [...previous, sample].slice(-logSizeSamplesMax));
  }, [status.data, status.dataUpdatedAt]);

  if (status.isPending) return <p>{t('loading')}</p>;
  if (status.isError) return <p role="alert">{`${t('loadFailed')}: ${status.error.message}`}</p>;
  const data = status.data;
  const isFinal = data.checkpointSize > 0 && data.finalCheckpointSize === data.checkpointSize;
  const witnessKeys = trust.data?.witnesses ?? {};
  const cosignedBy = new Map(data.witnesses.map((witness) => [witness.name, witness.cosignedSize]));
  const lines = note.data ? noteSignatureLines(note.data) : [];
  const cosignatureLines = lines.filter((line) => line.name in witnessKeys);

  return (
    <div className="page">
      <dl className="figures">
        <div>
          <dt>{t('logSize')}</dt>
          <dd data-testid="log-size">{data.logSize}</dd>
        </div>
        <div>
          <dt>{t('checkpointSize')}</dt>
          <dd>{data.checkpointSize}</dd>
        </div>
        <div>
          <dt>{t('finalCheckpointSize')}</dt>
          <dd>{data.finalCheckpointSize}</dd>
        </div>
        <div>
          <dt>{t('checkpointFinal')}</dt>
          <dd data-testid="checkpoint-final">{isFinal ? `✓ ${t('yes')}` : `✗ ${t('no')}`}</dd>
        </div>
      </dl>

      <section aria-labelledby="witnesses-heading">
        <h2 id="witnesses-heading">{t('witnesses')}</h2>
        {Object.keys(witnessKeys).length === 0 ? (
          <p>{t('witnessNone')}</p>
        ) : (
          <>
            <p>
              {t('witnessThreshold')}: {trust.data?.witnessThreshold ?? data.witnessThreshold} /{' '}
              {Object.keys(witnessKeys).length}
            </p>
            <table data-testid="witnesses">
              <thead>
                <tr>
                  <th scope="col">{t('witnessName')}</th>
                  <th scope="col">{t('witnessKey')}</th>
                  <th scope="col">{t('witnessCosigned')}</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(witnessKeys).map(([name, key]) => (
                  <tr key={name}>
                    <th scope="row">{name}</th>
                    <td className="mono">{key.publicKey}</td>
                    <td>{cosignedBy.get(name) ?? 0}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>

      <section aria-labelledby="note-heading">
        <h2 id="note-heading">{t('checkpointNote')}</h2>
        {note.data ? (
          <>
            <pre className="mono note">{note.data}</pre>
            <h3>{t('cosignatureLines')}</h3>
            <ul data-testid="cosignature-lines" className="mono">
              {cosignatureLines.map((line) => (
                <li key={line.line}>{line.line}</li>
              ))}
            </ul>
          </>
        ) : (
          <p>{note.isPending ? t('loading') : t('noCheckpoint')}</p>
        )}
      </section>

      <section aria-labelledby="chart-heading">
        <h2 id="chart-heading">{t('logSizeChart')}</h2>
        <LogSizeChart samples={samples} label={t('logSizeChart')} seriesName={t('logSize')} />
      </section>
    </div>
  );
}
