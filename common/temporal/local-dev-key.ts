import { payloadKeyId } from './key-id';

/**
 * The local stack's payload encryption key: published here on purpose, like Azurite's account key, so
 * histories recorded on any laptop (the replay fixtures) replay on any other. Refused outside
 * REDDYFIT_LOCAL_MODE (by this id, common/config.ts); the local stack writes it to .data/stack.env.
 */
export const LOCAL_PAYLOAD_KEY = Buffer.from('reddyfit-local-key-not-a-secret!', 'utf8').toString('base64'); // 32 bytes
export const LOCAL_PAYLOAD_KEY_ID = payloadKeyId(Buffer.from(LOCAL_PAYLOAD_KEY, 'base64'));

/** The local stack's review signing key (common/scans/review-signature.ts): published the same way, refused the same way. */
export const LOCAL_REVIEW_SIGNING_KEY = Buffer.from('reddyfit-local-review-signing-key-not-a-secret', 'utf8').toString('base64');
export const LOCAL_REVIEW_SIGNING_KEY_ID = payloadKeyId(Buffer.from(LOCAL_REVIEW_SIGNING_KEY, 'base64'));
