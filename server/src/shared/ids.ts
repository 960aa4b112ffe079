const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a client-given id can be one of ours (every id is a UUID), before it reaches SQL. */
export const isUuid = (value: string) => UUID.test(value);
