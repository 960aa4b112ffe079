import type { Readable } from 'node:stream';
import type { Element } from '@xmldom/xmldom';
import { bodyTooLarge, invalidXml } from './dav.errors.ts';

export const DAV_NS = 'DAV:';
// Request bodies are a few properties at most; a megabyte is far more than any client sends.
const MAX_XML_BODY_BYTES = 1024 * 1024;

/** A property's name: its namespace URI ('' for none) and local name. */
export interface PropertyName {
  namespace: string;
  name: string;
}

export const propertyKey = (property: PropertyName) => `${property.namespace} ${property.name}`;

/** The request body as text, or '' when there is none; larger than a megabyte is a 413. */
export async function readXmlBody(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_XML_BODY_BYTES) throw bodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

let xmldom: typeof import('@xmldom/xmldom') | undefined;

/**
 * The body's root element, namespace-aware (xmldom), when it is this element of DAV:; undefined
 * for an empty body. Anything that isn't well-formed XML with proper namespaces is a 400. xmldom is
 * loaded by the first body to parse: a server used only through the web client or the API never
 * holds it (about 1 MiB of heap).
 */
export async function parseDavBody(text: string, rootName: string): Promise<Element | undefined> {
  if (text.trim() === '') return undefined;
  xmldom ??= await import('@xmldom/xmldom');
  const { DOMParser, MIME_TYPE } = xmldom;
  const parser = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') throw invalidXml(message);
    },
  });
  let root: Element | null;
  try {
    root = parser.parseFromString(text, MIME_TYPE.XML_APPLICATION).documentElement;
  } catch (error) {
    throw invalidXml(error instanceof Error ? error.message : 'not well-formed');
  }
  if (root === null) throw invalidXml('no root element');
  assertNoUndeclaredPrefixes(root);
  if (root.namespaceURI !== DAV_NS || root.localName !== rootName)
    throw invalidXml(`the root element must be DAV:${rootName}`);
  return root;
}

/** XML Namespaces 1.0 forbids `xmlns:p=""`, and a prefix must be declared. */
function assertNoUndeclaredPrefixes(element: Element) {
  for (const attribute of Array.from(element.attributes)) {
    if (attribute.name.startsWith('xmlns:') && attribute.value === '')
      throw invalidXml(`the prefix ${attribute.name.slice(6)} is bound to no namespace`);
  }
  if (element.prefix !== null && element.namespaceURI === null)
    throw invalidXml(`the prefix ${element.prefix} is not declared`);
  for (const child of childElements(element)) assertNoUndeclaredPrefixes(child);
}

export function childElements(element: Element): Element[] {
  return Array.from(element.childNodes).filter((node): node is Element => node.nodeType === 1);
}

export const nameOf = (element: Element): PropertyName => ({
  namespace: element.namespaceURI ?? '',
  name: element.localName ?? element.nodeName,
});

export const isDav = (element: Element, name: string) =>
  element.namespaceURI === DAV_NS && element.localName === name;

/**
 * An element with the namespace declarations it needs, to be stored and sent back as it came. Every
 * element is one `parseDavBody` made, so xmldom is loaded by then.
 */
export function serialise(element: Element) {
  if (xmldom === undefined) throw new Error('serialise: no XML body was parsed');
  return new xmldom.XMLSerializer().serializeToString(element);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Text or an attribute value, escaped for XML. */
export const escapeXml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

/** An element for a property, `content` already XML (or nothing: an empty element). */
export function propertyElement(property: PropertyName, content = ''): string {
  const { namespace, name } = property;
  if (namespace === DAV_NS) return content === '' ? `<D:${name}/>` : `<D:${name}>${content}</D:${name}>`;
  const declaration = `xmlns:P="${escapeXml(namespace)}"`;
  if (namespace === '')
    return content === '' ? `<${name} xmlns=""/>` : `<${name} xmlns="">${content}</${name}>`;
  return content === '' ? `<P:${name} ${declaration}/>` : `<P:${name} ${declaration}>${content}</P:${name}>`;
}

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  424: 'Failed Dependency',
};

export const statusLine = (status: number) => `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ''}`.trimEnd();

/** A propstat: these property elements, with this status. */
export const propstat = (status: number, elements: string[]) =>
  `<D:propstat><D:prop>${elements.join('')}</D:prop><D:status>${statusLine(status)}</D:status></D:propstat>`;

/** A response of a multistatus, about the resource at `href`. */
export const multistatusResponse = (href: string, inner: string) =>
  `<D:response><D:href>${escapeXml(href)}</D:href>${inner}</D:response>`;

export const MULTISTATUS_OPEN = '<?xml version="1.0" encoding="utf-8"?>\n<D:multistatus xmlns:D="DAV:">';
export const MULTISTATUS_CLOSE = '</D:multistatus>\n';

/** An RFC 4918 error body: `<D:error><D:condition/></D:error>`. */
export const davErrorBody = (condition: string) =>
  `<?xml version="1.0" encoding="utf-8"?>\n<D:error xmlns:D="DAV:"><D:${condition}/></D:error>\n`;
