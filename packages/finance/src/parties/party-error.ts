import { CodedError } from '@fieldproof/protocol';

/** Stable codes of the party graph's operating errors. */
export type PartyErrorCode =
  /** Two nodes or two edges share an id. */
  | 'party_duplicate_id'
  /** An edge or a query names a party that is not in the graph. */
  | 'party_unknown'
  /** An edge joins kinds of nodes that its type does not allow (a person cannot be supplied, an address cannot own shares). */
  | 'party_edge_invalid'
  /** The shares recorded in one company add up to more than 100%. */
  | 'party_shares_over_100_percent'
  /** A depth, window or limit parameter is out of range. */
  | 'party_parameter_invalid'
  /** A search hit its limit (paths or cycles); the answer would be incomplete. */
  | 'party_search_limit_reached';

/** An operating error of the party graph (bad input a caller can correct). */
export class PartyError extends CodedError<PartyErrorCode> {
  override name = 'PartyError';
}
