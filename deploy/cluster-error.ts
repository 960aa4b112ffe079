/** A cluster that can't start, with a message that says why and what to do. */
export class ClusterError extends Error {}
