/** where the project's data files are */
export const DEFAULT_CLAIMS_PATH = new URL('../../proofs/claims.json', import.meta.url).pathname;
/** the project's root directory */
export const PROJECT_ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
