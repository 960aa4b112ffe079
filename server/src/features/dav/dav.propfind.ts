import type { Element } from '@xmldom/xmldom';
import { servedContentType } from '../../shared/content-types.ts';
import { etagOf } from '../files/downloads.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import { invalidXml } from './dav.errors.ts';
import { activeLock, SUPPORTED_LOCK } from './dav.lock.ts';
import type { DavLockRow } from './dav.locks.table.ts';
import type { DavPropertyRow } from './dav.properties.table.ts';
import {
  childElements,
  DAV_NS,
  escapeXml,
  isDav,
  multistatusResponse,
  nameOf,
  type PropertyName,
  propertyElement,
  propertyKey,
  propstat,
} from './dav.xml.ts';

/** What a PROPFIND asks for: every property, their names, or these. */
export type PropfindRequest =
  | { kind: 'allprop'; include: PropertyName[] }
  | { kind: 'propname' }
  | { kind: 'prop'; properties: PropertyName[] };

/** The tree owner's storage, for the RFC 4331 quota properties. */
export interface Storage {
  usedBytes: number;
  /** Undefined without a quota. */
  availableBytes: number | undefined;
}

/** What the live properties are read from besides the node: its owner's storage, the locks on it. */
export interface LiveContext {
  storage: Storage;
  locks: DavLockRow[];
}

/** A PROPFIND body (none: allprop), or a 400. */
export function propfindRequest(root: Element | undefined): PropfindRequest {
  if (root === undefined) return { kind: 'allprop', include: [] };
  const [first, ...rest] = childElements(root);
  if (first === undefined) throw invalidXml('propfind must hold allprop, propname or prop');
  if (isDav(first, 'propname')) return { kind: 'propname' };
  if (isDav(first, 'allprop')) {
    const include = rest.find((element) => isDav(element, 'include'));
    return { kind: 'allprop', include: include === undefined ? [] : childElements(include).map(nameOf) };
  }
  if (!isDav(first, 'prop')) throw invalidXml('propfind must hold allprop, propname or prop');
  return { kind: 'prop', properties: childElements(first).map(nameOf) };
}

const dav = (name: string): PropertyName => ({ namespace: DAV_NS, name });

/** The live properties allprop answers (RFC 4331's quota ones only when asked for by name). */
const ALLPROP = [
  'resourcetype',
  'displayname',
  'getetag',
  'getlastmodified',
  'creationdate',
  'getcontentlength',
  'getcontenttype',
  'supportedlock',
  'lockdiscovery',
];
const QUOTA = ['quota-available-bytes', 'quota-used-bytes'];
/** Every live property, which PROPPATCH may not set or remove. */
export const LIVE_PROPERTIES = new Set([...ALLPROP, ...QUOTA]);

/** ownCloud's namespace, whose `checksums` property its clients read. */
export const OC_NS = 'http://owncloud.org/ns';

/** `oc:checksums`: the file's SHA-256 as ownCloud clients read it, when it is known. */
const checksums = (node: NodeRow) =>
  node.kind === 'file' && node.sha256 !== null ? `<P:checksum>SHA256:${node.sha256}</P:checksum>` : undefined;

/** A live property's value (XML content), or undefined when the node has no such property. */
function liveValue(node: NodeRow, name: string, { storage, locks }: LiveContext): string | undefined {
  const file = node.kind === 'file';
  switch (name) {
    case 'resourcetype':
      return file ? '' : '<D:collection/>';
    case 'displayname':
      return escapeXml(node.name);
    case 'getetag':
      return file ? escapeXml(etagOf(node)) : undefined;
    case 'getlastmodified':
      return node.updatedAt.toUTCString();
    case 'creationdate':
      return node.createdAt.toISOString();
    case 'getcontentlength':
      return file ? String(node.size ?? 0) : undefined;
    case 'getcontenttype':
      return file ? escapeXml(servedContentType(node.contentType)) : undefined;
    case 'quota-used-bytes':
      return file ? undefined : String(storage.usedBytes);
    case 'quota-available-bytes':
      return file || storage.availableBytes === undefined ? undefined : String(storage.availableBytes);
    case 'supportedlock':
      return SUPPORTED_LOCK;
    case 'lockdiscovery':
      return locks.map(activeLock).join('');
    default:
      return undefined;
  }
}

const NO_DEAD = new Map<string, string>();

/** One resource's `<D:response>` to a PROPFIND. */
export function propfindResponse(
  href: string,
  node: NodeRow,
  request: PropfindRequest,
  dead: DavPropertyRow[],
  live: LiveContext,
): string {
  const deadByKey = dead.length === 0 ? NO_DEAD : new Map(dead.map((row) => [propertyKey(row), row.value]));
  if (request.kind === 'propname') {
    const present = [...ALLPROP, ...QUOTA].filter((name) => liveValue(node, name, live) !== undefined);
    const names = [
      ...present.map((name) => propertyElement(dav(name))),
      ...dead.map((row) => propertyElement(row)),
    ];
    return multistatusResponse(href, propstat(200, names));
  }
  const found: string[] = [];
  const missing: string[] = [];
  const answer = (property: PropertyName) => {
    const key = propertyKey(property);
    const stored = deadByKey.get(key);
    if (stored !== undefined) return found.push(stored);
    const value =
      property.namespace === DAV_NS
        ? liveValue(node, property.name, live)
        : property.namespace === OC_NS && property.name === 'checksums'
          ? checksums(node)
          : undefined;
    if (value === undefined) missing.push(propertyElement(property));
    else found.push(propertyElement(property, value));
  };
  if (request.kind === 'allprop') {
    const named = new Set<string>();
    for (const name of ALLPROP) {
      const value = liveValue(node, name, live);
      if (value !== undefined) found.push(propertyElement(dav(name), value));
      named.add(propertyKey(dav(name)));
    }
    for (const row of dead) {
      found.push(row.value);
      named.add(propertyKey(row));
    }
    for (const property of request.include) if (!named.has(propertyKey(property))) answer(property);
  } else {
    for (const property of request.properties) answer(property);
  }
  const inner =
    (found.length > 0 ? propstat(200, found) : '') + (missing.length > 0 ? propstat(404, missing) : '');
  return multistatusResponse(href, inner === '' ? propstat(200, []) : inner);
}
