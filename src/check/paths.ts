/** where the project's data files are */
export const DEFAULT_CLAIMS_PATH = new URL('../../proofs/claims.json', import.meta.url).pathname;
