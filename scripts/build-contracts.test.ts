import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { artifactPath, buildCheckpointAnchorArtifact } from './build-contracts.ts';

describe('build-contracts', () => {
  it('rebuilds CheckpointAnchor.artifact.ts byte for byte from its Solidity source', () => {
    const first = buildCheckpointAnchorArtifact();
    const second = buildCheckpointAnchorArtifact();
    expect(second).toBe(first);
    expect(readFileSync(artifactPath, 'utf8')).toBe(first);
  });
});
