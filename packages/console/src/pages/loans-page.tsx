// Loans: the book, an application form, and each loan's next step (assess, approve under four
// eyes, disburse, repay) with the journal entries it posted. The checker must be another user
// than the maker: the cloud refuses an approval by the officer who entered the loan.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { LoanApplication, WireLoan } from '../api/types.ts';
import { refetchIntervalMs, useApi } from '../api/use-api.ts';
import { queryState } from '../components/query-state.tsx';
import { formatMinor, formatTime } from '../format.ts';
import { useI18n } from '../i18n.tsx';
import { isReadOnly, useSession } from '../session.tsx';
import { productLabel } from './portfolio-page.tsx';

/** A major-unit amount typed by a user ("1200.50") as minor units, or undefined if it is not one. */
export function majorToMinor(text: string): string | undefined {
  const match = /^(\d{1,28})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  return (BigInt(match[1] ?? '0') * 100n + BigInt((match[2] ?? '').padEnd(2, '0'))).toString();
}

const day = 86_400_000;

function LoanDetail(props: { loanId: string; actorId: string; readOnly: boolean }) {
  const api = useApi();
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const [repayment, setRepayment] = useState('');
  const view = useQuery({
    queryKey: ['loan', props.loanId],
    queryFn: () => api.loan(props.loanId),
    refetchInterval: refetchIntervalMs,
  });
  const step = useMutation({
    mutationFn: (input: { step: 'assess' | 'approve' | 'disburse' | 'repayments'; body: unknown }) =>
      api.loanStep(props.loanId, input.step, input.body),
    onSuccess: async () => {
      setRepayment('');
      await queryClient.invalidateQueries({ queryKey: ['loan', props.loanId] });
      await queryClient.invalidateQueries({ queryKey: ['loans'] });
      await queryClient.invalidateQueries({ queryKey: ['portfolio'] });
    },
  });
  const waiting = queryState(view, t('loading'));
  if (waiting) return waiting;
  if (!view.data) return null;
  const { loan, journalEntries } = view.data;
  const repaymentMinor = majorToMinor(repayment);
  return (
    <section aria-labelledby="loan-detail" data-testid="loan-detail">
      <h3 id="loan-detail">
        {t('loan')} {loan.loanId}
      </h3>
      <dl className="pairs">
        <dt>{t('borrower')}</dt>
        <dd>{loan.borrowerId}</dd>
        <dt>{t('product')}</dt>
        <dd>{t(productLabel[loan.product] ?? 'none')}</dd>
        <dt>{t('principal')}</dt>
        <dd>{formatMinor(loan.principalMinor, loan.currency, language)}</dd>
        <dt>{t('loanState')}</dt>
        <dd data-testid="loan-state">{loan.state}</dd>
        <dt>{t('maker')}</dt>
        <dd>{loan.enteredById}</dd>
        <dt>{t('checker')}</dt>
        <dd>{loan.approval?.approverId ?? t('none')}</dd>
      </dl>
      {!props.readOnly && (
        <div className="actions">
          {loan.state === 'applied' && (
            <button
              type="button"
              onClick={() =>
                step.mutate({ step: 'assess', body: { assessorId: props.actorId, recommendation: 'recommend' } })
              }
            >
              {t('assess')}
            </button>
          )}
          {loan.state === 'assessed' && (
            <button type="button" onClick={() => step.mutate({ step: 'approve', body: { approverId: props.actorId } })}>
              {t('approve')}
            </button>
          )}
          {loan.state === 'approved' && (
            <button
              type="button"
              onClick={() =>
                step.mutate({ step: 'disburse', body: { actorId: props.actorId, firstDueAtMs: Date.now() + 30 * day } })
              }
            >
              {t('disburse')}
            </button>
          )}
          {loan.state === 'disbursed' && (
            <>
              <label className="field inline-field">
                {`${t('repaymentAmount')} (${loan.currency})`}
                <input value={repayment} inputMode="decimal" onChange={(event) => setRepayment(event.target.value)} />
              </label>
              <button
                type="button"
                disabled={repaymentMinor === undefined}
                onClick={() =>
                  step.mutate({
                    step: 'repayments',
                    body: { repaymentId: `rp-${Date.now()}`, amountMinor: repaymentMinor },
                  })
                }
              >
                {t('repay')}
              </button>
            </>
          )}
          {step.isError && <p role="alert">{`${t('actionFailed')}: ${step.error.message}`}</p>}
        </div>
      )}
      <table data-testid="journal-entries">
        <caption>{t('journalEntries')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('transfer')}</th>
            <th scope="col">{t('debit')}</th>
            <th scope="col">{t('credit')}</th>
            <th scope="col">{t('amount')}</th>
            <th scope="col">{t('time')}</th>
          </tr>
        </thead>
        <tbody>
          {journalEntries.map((entry) => (
            <tr key={entry.transferId}>
              <td className="mono">{entry.transferId}</td>
              <td className="mono">{entry.debitAccountId}</td>
              <td className="mono">{entry.creditAccountId}</td>
              <td>{formatMinor(entry.amountMinor, entry.currency, language)}</td>
              <td>{entry.createdAtMs === undefined ? t('none') : formatTime(entry.createdAtMs, language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ApplyForm(props: { actorId: string; onApplied(loanId: string): void }) {
  const api = useApi();
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [loanId, setLoanId] = useState('');
  const [borrowerId, setBorrowerId] = useState('');
  const [product, setProduct] = useState<WireLoan['product']>('order');
  const [principal, setPrincipal] = useState('');
  const [rate, setRate] = useState('550');
  const [term, setTerm] = useState('6');
  const apply = useMutation({
    mutationFn: (application: LoanApplication) => api.applyLoan(application),
    onSuccess: async (_result, application) => {
      await queryClient.invalidateQueries({ queryKey: ['loans'] });
      props.onApplied(application.loanId);
    },
  });
  const principalMinor = majorToMinor(principal);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (principalMinor === undefined) return;
    apply.mutate({
      loanId: loanId.trim(),
      borrowerId: borrowerId.trim(),
      lenderId: 'demo-bank',
      product,
      currency: 'CNY',
      principalMinor,
      annualRateBasisPoints: Number.parseInt(rate, 10),
      penaltyAnnualRateBasisPoints: Math.round(Number.parseInt(rate, 10) * 1.5),
      termMonths: Number.parseInt(term, 10),
      repaymentMethod: 'interest_only_bullet',
      collateral: { pledgeLotIds: [], claimId: null, orderIds: [] },
      enteredById: props.actorId,
    });
  };
  return (
    <form onSubmit={submit} className="form-grid" aria-labelledby="apply-heading">
      <h3 id="apply-heading">{t('applyHeading')}</h3>
      <label className="field">
        {t('loanId')}
        <input
          required
          pattern="[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}"
          value={loanId}
          onChange={(e) => setLoanId(e.target.value)}
        />
      </label>
      <label className="field">
        {t('borrower')}
        <input required value={borrowerId} onChange={(e) => setBorrowerId(e.target.value)} />
      </label>
      <label className="field">
        {t('product')}
        <select value={product} onChange={(e) => setProduct(e.target.value as WireLoan['product'])}>
          <option value="inventory_pledge">{t('productInventoryPledge')}</option>
          <option value="receivables">{t('productReceivables')}</option>
          <option value="order">{t('productOrder')}</option>
        </select>
      </label>
      <label className="field">
        {`${t('principal')} (CNY)`}
        <input required inputMode="decimal" value={principal} onChange={(e) => setPrincipal(e.target.value)} />
      </label>
      <label className="field">
        {t('rateBasisPoints')}
        <input required type="number" min={0} max={10000} value={rate} onChange={(e) => setRate(e.target.value)} />
      </label>
      <label className="field">
        {t('termMonths')}
        <input required type="number" min={1} max={120} value={term} onChange={(e) => setTerm(e.target.value)} />
      </label>
      <button type="submit" disabled={apply.isPending || principalMinor === undefined}>
        {t('apply')}
      </button>
      {apply.isError && <p role="alert">{`${t('actionFailed')}: ${apply.error.message}`}</p>}
    </form>
  );
}

/** The Loans tab. */
export function LoansPage() {
  const api = useApi();
  const { t, language } = useI18n();
  const { session } = useSession();
  const loans = useQuery({ queryKey: ['loans'], queryFn: api.loans, refetchInterval: refetchIntervalMs });
  const [selected, setSelected] = useState<string | undefined>();
  const [actorId, setActorId] = useState(session?.user.id ?? '');
  const readOnly = session ? isReadOnly(session.user.role) : true;
  const waiting = queryState(loans, t('loading'));
  if (waiting) return waiting;
  return (
    <div className="page">
      <h2>{t('loansHeading')}</h2>
      {!readOnly && session?.via === 'token' && (
        // An access token is not a person: the officer acting is named, so maker and checker differ.
        <label className="field inline-field">
          {t('actingOfficer')}
          <input value={actorId} onChange={(event) => setActorId(event.target.value)} />
        </label>
      )}
      <table data-testid="loans">
        <thead>
          <tr>
            <th scope="col">{t('loan')}</th>
            <th scope="col">{t('borrower')}</th>
            <th scope="col">{t('product')}</th>
            <th scope="col">{t('principal')}</th>
            <th scope="col">{t('loanState')}</th>
            <th scope="col">{t('actions')}</th>
          </tr>
        </thead>
        <tbody>
          {(loans.data ?? []).map((loan) => (
            <tr key={loan.loanId}>
              <th scope="row">{loan.loanId}</th>
              <td>{loan.borrowerId}</td>
              <td>{t(productLabel[loan.product] ?? 'none')}</td>
              <td>{formatMinor(loan.principalMinor, loan.currency, language)}</td>
              <td>{loan.state}</td>
              <td>
                <button
                  type="button"
                  onClick={() => setSelected(loan.loanId)}
                  aria-label={`${t('open')} ${loan.loanId}`}
                >
                  {t('open')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && <LoanDetail loanId={selected} actorId={actorId || 'console'} readOnly={readOnly} />}
      {!readOnly && <ApplyForm actorId={actorId || 'console'} onApplied={setSelected} />}
    </div>
  );
}
