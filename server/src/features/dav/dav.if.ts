import { invalidIf } from './dav.errors.ts';

/** One condition of an If header list: a state token or an entity tag, perhaps negated. */
export type IfCondition = { not: boolean } & ({ token: string } | { etag: string });

/** One list of conditions (all must hold), for the request's resource or a tagged one. */
export interface IfList {
  /** The resource tag's URL; undefined for the request's own resource. */
  resource: string | undefined;
  conditions: IfCondition[];
}

/** What a resource is, for an If header: the lock tokens that apply to it and its entity tag. */
export interface IfState {
  tokens: Set<string>;
  etag: string | undefined;
}

/**
 * The If header (RFC 4918 10.4) as lists of conditions; a 400 when it can't be read. The lists
 * are alternatives: the header holds when any of them does.
 */
export function parseIf(header: string): IfList[] {
  const lists: IfList[] = [];
  let at = 0;
  let resource: string | undefined;
  const skipSpace = () => {
    while (at < header.length && /\s/.test(header[at] ?? '')) at++;
  };
  const until = (close: string) => {
    const end = header.indexOf(close, at + 1);
    if (end < 0) throw invalidIf();
    const inner = header.slice(at + 1, end);
    at = end + 1;
    return inner;
  };
  for (skipSpace(); at < header.length; skipSpace()) {
    if (header[at] === '<') {
      resource = until('>');
      continue;
    }
    if (header[at] !== '(') throw invalidIf();
    at++;
    const conditions: IfCondition[] = [];
    for (skipSpace(); header[at] !== ')'; skipSpace()) {
      if (at >= header.length) throw invalidIf();
      let not = false;
      if (header.slice(at, at + 3).toLowerCase() === 'not') {
        not = true;
        at += 3;
        skipSpace();
      }
      if (header[at] === '<') conditions.push({ not, token: until('>') });
      else if (header[at] === '[') conditions.push({ not, etag: until(']').trim() });
      else throw invalidIf();
    }
    at++;
    if (conditions.length === 0) throw invalidIf();
    lists.push({ resource, conditions });
  }
  if (lists.length === 0) throw invalidIf();
  return lists;
}

/** Whether one list holds for the state of its resource. */
function holds(list: IfList, state: IfState): boolean {
  return list.conditions.every((condition) => {
    const matches = 'token' in condition ? state.tokens.has(condition.token) : condition.etag === state.etag;
    return matches !== condition.not;
  });
}

/** Whether the header holds: any of its lists, each evaluated against its resource's state. */
export async function ifHolds(
  lists: IfList[],
  stateOf: (resource: string | undefined) => Promise<IfState>,
): Promise<boolean> {
  for (const list of lists) if (holds(list, await stateOf(list.resource))) return true;
  return false;
}

/** The lock tokens a request submits: every one its If header names (not negated). */
export const submittedTokens = (lists: IfList[]) =>
  new Set(
    lists.flatMap((list) =>
      list.conditions.flatMap((condition) =>
        'token' in condition && !condition.not ? [condition.token] : [],
      ),
    ),
  );
