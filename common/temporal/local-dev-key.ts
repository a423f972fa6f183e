/**
 * The local stack's payload encryption key: published here on purpose, like Azurite's account key, so
 * histories recorded on any laptop (the replay fixtures) replay on any other. Never used in Azure, where
 * the key comes from Key Vault.
 */
export const LOCAL_PAYLOAD_KEY = Buffer.from('reddyfit-local-key-not-a-secret!', 'utf8').toString('base64'); // 32 bytes
