import { checkpointAnchorAbi } from '@fieldproof/ledger';
import { type Hex, keccak256, stringToBytes } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnchorError, toAnchorError } from './anchor-error.ts';
import { confirmCheckpoint } from './confirm-checkpoint.ts';
import { deployCheckpointAnchor } from './deploy-checkpoint-anchor.ts';
import { createEvmClients, type EvmClients } from './evm-clients.ts';
import { type AnvilNode, anvilAccounts, startAnvil } from './local-evm-node.ts';
import { hashOrigin } from './origin-hash.ts';
import { readAnchoredCheckpoint } from './read-anchored-checkpoint.ts';
import { signAnchorTransaction } from './sign-anchor-transaction.ts';

const [ownerKey, memberKey, outsiderKey] = anvilAccounts;
const originHash = hashOrigin('fieldproof.test/contract');
const rootOf = (size: number): Hex => keccak256(stringToBytes(`root ${size}`));
const checkpointHashOf = (size: number): Hex => keccak256(stringToBytes(`checkpoint ${size}`));

let anvil: AnvilNode;
let owner: EvmClients;
let member: EvmClients;
let outsider: EvmClients;
let contractAddress: Hex;

async function anchor(clients: EvmClients, size: number) {
  const signed = await signAnchorTransaction(clients, {
    contractAddress,
    originHash,
    size,
    rootHash: rootOf(size),
    checkpointHash: checkpointHashOf(size),
  });
  await clients.walletClient.sendRawTransaction({ serializedTransaction: signed.serializedTransaction });
  return await clients.publicClient.waitForTransactionReceipt({ hash: signed.txHash });
}

async function refusal(work: Promise<unknown>): Promise<AnchorError> {
  const error = await work.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AnchorError);
  return error as AnchorError;
}

beforeAll(async () => {
  anvil = await startAnvil();
  const clientsOf = (privateKey: Hex) => createEvmClients({ rpcUrl: anvil.rpcUrl, chainId: anvil.chainId, privateKey });
  owner = clientsOf(ownerKey.privateKey);
  member = clientsOf(memberKey.privateKey);
  outsider = clientsOf(outsiderKey.privateKey);
  const deployed = await deployCheckpointAnchor(owner, { members: [ownerKey.address, memberKey.address] });
  contractAddress = deployed.contractAddress;
});

afterAll(async () => {
  await anvil?.stop();
});

describe('CheckpointAnchor contract on a real Anvil node', () => {
  it('anchors growing sizes and reads them back through latest and checkpointAt', async () => {
    for (const size of [3, 10, 42]) {
      const receipt = await anchor(member, size);
      expect(receipt.status).toBe('success');
    }
    const latest = await readAnchoredCheckpoint(member, { contractAddress, originHash });
    expect(latest).toMatchObject({ size: 42, anchored: true, rootHash: rootOf(42), confirmations: 0 });
    expect(latest.checkpointHashPrefix).toBe(checkpointHashOf(42).slice(0, 2 + 48));
    const middle = await readAnchoredCheckpoint(member, { contractAddress, originHash, size: 10 });
    expect(middle).toMatchObject({ size: 10, anchored: true, rootHash: rootOf(10) });
    expect(middle.anchoredAtBlock).toBeLessThan(latest.anchoredAtBlock);
    const absent = await readAnchoredCheckpoint(member, { contractAddress, originHash, size: 11 });
    expect(absent).toMatchObject({ anchored: false, anchoredAtBlock: 0 });
  });

  it('refuses an equal and a shrinking size with SizeNotGrowing(last, given), and the latest stays', async () => {
    const equal = await refusal(anchor(member, 42));
    expect(equal.code).toBe('anchor_reverted');
    expect(equal.details).toMatchObject({ errorName: 'SizeNotGrowing', args: ['42', '42'] });
    const shrinking = await refusal(anchor(owner, 41));
    expect(shrinking.details).toMatchObject({ errorName: 'SizeNotGrowing', args: ['42', '41'] });
    const latest = await readAnchoredCheckpoint(member, { contractAddress, originHash });
    expect(latest).toMatchObject({ size: 42, rootHash: rootOf(42) });
    expect((await readAnchoredCheckpoint(member, { contractAddress, originHash, size: 41 })).anchored).toBe(false);
  });

  it('refuses a size that does not grow even when the transaction is sent without simulation', async () => {
    const hash = await member.walletClient.writeContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'anchor',
      args: [originHash, 42n, rootOf(1), checkpointHashOf(1)],
      gas: 200_000n,
    });
    const receipt = await member.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');
    expect((await readAnchoredCheckpoint(member, { contractAddress, originHash })).rootHash).toBe(rootOf(42));
  });

  it('refuses an account that is not a member, and keeps origins apart', async () => {
    const error = await refusal(anchor(outsider, 100));
    expect(error.details).toMatchObject({ errorName: 'NotMember', args: [outsiderKey.address] });
    const otherOrigin = hashOrigin('fieldproof.test/other');
    const signed = await signAnchorTransaction(member, {
      contractAddress,
      originHash: otherOrigin,
      size: 1,
      rootHash: rootOf(1),
      checkpointHash: checkpointHashOf(1),
    });
    await member.walletClient.sendRawTransaction({ serializedTransaction: signed.serializedTransaction });
    await member.publicClient.waitForTransactionReceipt({ hash: signed.txHash });
    expect((await readAnchoredCheckpoint(member, { contractAddress, originHash: otherOrigin })).size).toBe(1);
    expect((await readAnchoredCheckpoint(member, { contractAddress, originHash })).size).toBe(42);
  });

  it('lets each member confirm an anchored checkpoint once, and counts confirmations', async () => {
    await confirmCheckpoint(member, { contractAddress, originHash, size: 10 });
    await confirmCheckpoint(owner, { contractAddress, originHash, size: 10 });
    const again = await refusal(confirmCheckpoint(member, { contractAddress, originHash, size: 10 }));
    expect(again.details).toMatchObject({ errorName: 'AlreadyConfirmed', args: [originHash, '10', memberKey.address] });
    const unknown = await refusal(confirmCheckpoint(member, { contractAddress, originHash, size: 11 }));
    expect(unknown.details).toMatchObject({ errorName: 'CheckpointUnknown', args: [originHash, '11'] });
    const outsiderConfirm = await refusal(confirmCheckpoint(outsider, { contractAddress, originHash, size: 10 }));
    expect(outsiderConfirm.details).toMatchObject({ errorName: 'NotMember' });
    expect((await readAnchoredCheckpoint(member, { contractAddress, originHash, size: 10 })).confirmations).toBe(2);
    expect((await readAnchoredCheckpoint(member, { contractAddress, originHash })).confirmations).toBe(0);
    const confirmed = await member.publicClient.readContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'hasConfirmed',
      args: [originHash, 10n, memberKey.address],
    });
    expect(confirmed).toBe(true);
    const events = await member.publicClient.getContractEvents({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      eventName: 'CheckpointConfirmed',
      args: { originHash },
      fromBlock: 0n,
      strict: true,
    });
    expect(events.map((event) => [Number(event.args.size), event.args.member])).toEqual([
      [10, memberKey.address],
      [10, ownerKey.address],
    ]);
  });

  it('lets only the owner add and remove members', async () => {
    const refused = await refusal(
      member.publicClient
        .simulateContract({
          address: contractAddress,
          abi: checkpointAnchorAbi,
          functionName: 'addMember',
          args: [outsiderKey.address],
          account: member.account,
        })
        .catch((error: unknown) => {
          throw toAnchorError(error);
        }),
    );
    expect(refused.details).toMatchObject({ errorName: 'NotOwner' });
    const add = await owner.walletClient.writeContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'addMember',
      args: [outsiderKey.address],
    });
    await owner.publicClient.waitForTransactionReceipt({ hash: add });
    expect((await anchor(outsider, 43)).status).toBe('success');
    const remove = await owner.walletClient.writeContract({
      address: contractAddress,
      abi: checkpointAnchorAbi,
      functionName: 'removeMember',
      args: [outsiderKey.address],
    });
    await owner.publicClient.waitForTransactionReceipt({ hash: remove });
    expect((await refusal(anchor(outsider, 44))).details).toMatchObject({ errorName: 'NotMember' });
  });
});
