// Signed frames and edge batches, made as a device and an edge make them; see the cloud's fixture.
export * from '@fieldproof/cloud/_test/signed-batch';
