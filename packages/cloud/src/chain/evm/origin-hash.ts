import { type Hex, keccak256, stringToBytes } from 'viem';

/** The key of a log in the CheckpointAnchor contract: keccak256 of its checkpoint origin line (UTF-8). */
export function hashOrigin(origin: string): Hex {
  return keccak256(stringToBytes(origin));
}
