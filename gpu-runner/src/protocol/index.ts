export * from "./capabilities";
export * from "./jobs";
export * from "./messages";
