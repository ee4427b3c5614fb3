import type { DecisionLog } from '@fieldproof/protocol';
import type { CloudContext } from '../context.ts';
import type { DecisionStore } from '../storage/cloud-store.ts';
import { appendDecision } from './append-decision.ts';
import { buildDecisionBundle } from './build-decision-bundle.ts';

/** The cloud's DecisionLog: what finance operations record their decisions through. */
export function createDecisionLog(context: CloudContext, decisions: DecisionStore): DecisionLog {
  return {
    append: (decision) => appendDecision(context, { decision }),
    bundle: (decisionId) => buildDecisionBundle(context, decisions, { decisionId }),
  };
}
