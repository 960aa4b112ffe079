import type { FastifyHelmetOptions } from '@fastify/helmet';

/**
 * The security headers of every answer (helmet's set, with the app's own policy): the web
 * client's pages run scripts and styles from this origin only and are never framed. Routes
 * with stricter needs set their own policy over it (downloads: `default-src 'none'; sandbox`).
 * Strict-Transport-Security is left to whatever terminates TLS (nginx in the scaled-out topology).
 */
export const SECURITY_HEADERS: FastifyHelmetOptions = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      // WebAssembly may compile (it allows no `eval` of JavaScript): the web client computes the MD5
      // of each part it sends to a presigned store URL with a WebAssembly module of its own bundle.
      scriptSrc: ["'self'", "'wasm-unsafe-eval'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:', 'blob:'],
      // Uploads go straight to the object store, wherever it is.
      connectSrc: ["'self'", 'https:', 'http:'],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'same-origin' },
  strictTransportSecurity: false,
};

/**
 * The documentation page's policy (swagger-ui): its scripts from this origin only, the inline
 * styles it sets as it draws, never framed. Nothing from elsewhere, not even swagger.io's validator.
 */
export const DOCUMENTATION_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');
