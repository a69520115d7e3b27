// The configuration capability: schema, loading, validation, and atomic comment-preserving writes.
export * from "./errors";
export * from "./load";
export * from "./schema";
export * from "./store";
export * from "./write";
