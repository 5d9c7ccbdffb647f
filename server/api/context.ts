import type { Db } from "../db";
import type { Logger } from "../logger";

export type SessionInfo = { userId: string; email: string; name: string | null };

export type Context = {
  db: Db;
  session: SessionInfo | null;
  requestId: string;
  ip: string | null;
  log: Logger;
};
