// The store a test cloud runs on (FIELDPROOF_TEST_STORE=sqlite|postgres); see the cloud's fixture.
export * from '@fieldproof/cloud/_test/test-store';
