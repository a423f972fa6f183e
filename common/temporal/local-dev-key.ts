import { payloadKeyId } from './key-id';

/**
 * The local stack's payload encryption key: published here on purpose, like Azurite's account key, so
 * histories recorded on any laptop (the replay fixtures) replay on any other. Refused outside
 * REDDYFIT_LOCAL_MODE (by this id, common/config.ts); the local stack writes it to .data/stack.env.
 */
export const LOCAL_PAYLOAD_KEY = Buffer.from('reddyfit-local-key-not-a-secret!', 'utf8').toString('base64'); // 32 bytes
export const LOCAL_PAYLOAD_KEY_ID = payloadKeyId(Buffer.from(LOCAL_PAYLOAD_KEY, 'base64'));
