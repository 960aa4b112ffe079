/**
 * Route schemas compiled on a route's first request rather than at start. Fastify compiles every
 * route's validators (Ajv) and response serializers (fast-json-stringify) before it listens: some
 * 0.4 s of CPU for this API's routes, and memory for the code of routes a server may never be asked.
 * Each compiles once, the first time it is needed; a schema that can't compile fails that request.
 */
import type { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type ValidatorFactory = ReturnType<typeof AjvCompiler>;
type SerializerFactory = ReturnType<typeof SerializerSelector>;
type Validator = ReturnType<ReturnType<ValidatorFactory>>;

/** A validator that compiles on first use; Fastify reads `schemaEnv` and `errors` off it. */
function lazyValidator(compile: () => Validator): Validator {
  let compiled: Validator | undefined;
  const validator = () => {
    compiled ??= compile();
    return compiled;
  };
  const validate = ((data: unknown, context?: unknown) =>
    (validator() as (data: unknown, context?: unknown) => unknown)(data, context)) as unknown as Validator;
  Object.defineProperties(validate, {
    schemaEnv: { get: () => (validator() as { schemaEnv?: unknown }).schemaEnv },
    errors: { get: () => (compiled as { errors?: unknown } | undefined)?.errors },
  });
  return validate;
}

export function lazyValidators(factory: ValidatorFactory): ValidatorFactory {
  return (externalSchemas, options) => {
    const compiler = factory(externalSchemas, options);
    return (route) => lazyValidator(() => compiler(route));
  };
}

export function lazySerializers(factory: SerializerFactory = SerializerSelector()): SerializerFactory {
  return (externalSchemas, options) => {
    const compiler = factory(externalSchemas, options);
    return (route) => {
      let serialize: ((doc: unknown) => string) | undefined;
      return (doc) => {
        serialize ??= compiler(route);
        return serialize(doc);
      };
    };
  };
}
