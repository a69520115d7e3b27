// The configuration capability: schema, loading, validation, and atomic comment-preserving writes.
/** Problems and their formatting. */
export * from "./errors";
/** Reading, merging, substituting and validating. */
export * from "./load";
/** The zod schema, its types and helpers. */
export * from "./schema";
/** The configuration in force. */
export * from "./store";
/** Reading and changing values, saving the file. */
export * from "./write";
